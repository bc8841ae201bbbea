//! rustls verifiers that verify as Node does and remember the verdict.
//!
//! Node finishes the handshake whether or not the peer's certificate
//! verifies, and reports the verdict as `authorized`/`authorizationError`;
//! only `rejectUnauthorized` turns a failed verification into a failed
//! handshake. These verifiers do the same: they record the outcome for the
//! pair to report, and fail the handshake only when told to reject.

use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, OtherError, SignatureScheme,
};
use rustls_pki_types::{CertificateDer, ServerName, SubjectPublicKeyInfoDer, UnixTime};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::chain::{Usage, verify_chain};
use crate::context::TrustStore;
use crate::error::{Error, ErrorCode};

/// What verification of the peer's certificate concluded.
pub(crate) type Verdict = Option<Result<Vec<CertificateDer<'static>>, Error>>;

/// The verdict, shared between a verifier inside rustls and its pair.
pub(crate) type SharedVerdict = Arc<Mutex<Verdict>>;

fn record(
    verdict: &SharedVerdict,
    result: Result<Vec<CertificateDer<'static>>, Error>,
) -> Result<(), rustls::Error> {
    let failure = result.as_ref().err().cloned();
    if let Ok(mut slot) = verdict.lock() {
        *slot = Some(result);
    }
    match failure {
        Some(error) => Err(rustls::Error::InvalidCertificate(alert_cause(&error))),
        None => Ok(()),
    }
}

/// The rustls cause whose alert is the one OpenSSL sends for `error`
/// (`ssl_verify_alarm_type`), so that a peer, Node or OpenSSL, reports the
/// same `ERR_SSL_*_ALERT_*` code it would against an OpenSSL endpoint. The
/// pair reports our own code from the recorded verdict, not from this.
fn alert_cause(error: &Error) -> CertificateError {
    use ErrorCode as C;
    match error.code {
        C::UnableToGetIssuerCert
        | C::UnableToGetIssuerCertLocally
        | C::UnableToVerifyLeafSignature
        | C::DepthZeroSelfSignedCert
        | C::SelfSignedCertInChain
        | C::UnableToGetCrl
        | C::InvalidCa => CertificateError::UnknownIssuer,
        C::CertHasExpired | C::CrlHasExpired => CertificateError::Expired,
        // OpenSSL says bad_certificate for these; rustls does for a bad encoding.
        C::CertNotYetValid | C::ErrTlsCertAltnameInvalid => CertificateError::BadEncoding,
        C::CertRevoked => CertificateError::Revoked,
        C::CertSignatureFailure => CertificateError::BadSignature,
        C::InvalidPurpose => CertificateError::InvalidPurpose,
        _ => CertificateError::Other(OtherError(Arc::new(error.clone()))),
    }
}

/// Verifies a server's certificate for a client: chain, then Node's hostname check.
///
/// Its verdict goes to the pair bound to it ([`Self::bind`]): pairs that
/// keep sessions share one verifier per identity, because rustls offers a
/// session only to a config with the very verifier that made it. A pair
/// binds itself before each input it processes, and the engine runs one
/// pair's call at a time, so each verdict reaches its own pair.
#[derive(Debug)]
pub(crate) struct NodeServerVerifier {
    pub(crate) trust: Arc<TrustStore>,
    pub(crate) check_host: String,
    pub(crate) reject_unauthorized: bool,
    /// The signature schemes offered and accepted (Node's `sigalgs`).
    schemes: Vec<SignatureScheme>,
    verdict: Mutex<SharedVerdict>,
    /// The OCSP response stapled to the last chain verified, until the
    /// pair whose input it came in takes it ([`Self::take_staple`]).
    staple: Mutex<Option<Vec<u8>>>,
}

impl NodeServerVerifier {
    pub(crate) fn new(
        trust: Arc<TrustStore>,
        check_host: String,
        reject_unauthorized: bool,
        sigalgs: Option<&[SignatureScheme]>,
        verdict: &SharedVerdict,
    ) -> Self {
        Self {
            trust,
            check_host,
            reject_unauthorized,
            schemes: supported_schemes(sigalgs),
            verdict: Mutex::new(verdict.clone()),
            staple: Mutex::new(None),
        }
    }

    /// The OCSP response the server stapled, if a chain verified since the
    /// last call stapled one. A pair takes it at the end of the call whose
    /// input carried the chain, so it is that pair's.
    pub(crate) fn take_staple(&self) -> Option<Vec<u8>> {
        self.staple.lock().ok()?.take()
    }

    /// Sends the verdicts from now on to `verdict`.
    pub(crate) fn bind(&self, verdict: &SharedVerdict) {
        if let Ok(mut bound) = self.verdict.lock() {
            *bound = verdict.clone();
        }
    }

    fn bound(&self) -> SharedVerdict {
        match self.verdict.lock() {
            Ok(bound) => bound.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

impl ServerCertVerifier for NodeServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Ok(mut staple) = self.staple.lock() {
            *staple = (!ocsp_response.is_empty()).then(|| ocsp_response.to_vec());
        }
        // Like Node: the hostname is checked only once the chain verifies.
        let result = verify_chain(
            &self.trust,
            end_entity,
            intermediates,
            now,
            Usage::ServerAuth,
        )
        .and_then(|path| {
            if self.check_host.is_empty() {
                return Ok(path);
            }
            crate::hostname::check_server_identity(&self.check_host, end_entity).map(|()| path)
        });
        match record(&self.bound(), result) {
            Err(e) if self.reject_unauthorized => Err(e),
            _ => Ok(ServerCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_handshake_signature(message, cert, dss, false)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_handshake_signature(message, cert, dss, true)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.schemes.clone()
    }
}

/// The schemes a verifier offers and accepts: what this build verifies,
/// narrowed to `sigalgs` when given.
pub(crate) fn supported_schemes(sigalgs: Option<&[SignatureScheme]>) -> Vec<SignatureScheme> {
    crate::sigalgs::filter(algorithms().supported_schemes(), sigalgs)
}

/// Verifies a client's certificate for a server with `requestCert`.
#[derive(Debug)]
pub(crate) struct NodeClientVerifier {
    pub(crate) trust: Arc<TrustStore>,
    pub(crate) request_cert: bool,
    pub(crate) reject_unauthorized: bool,
    pub(crate) root_hints: Vec<DistinguishedName>,
    /// The signature schemes asked for and accepted (Node's `sigalgs`).
    pub(crate) schemes: Vec<SignatureScheme>,
    pub(crate) verdict: SharedVerdict,
}

impl NodeClientVerifier {
    /// The subjects of `trust`'s roots, sent as the CertificateRequest's hints.
    pub(crate) fn root_hints(trust: &TrustStore) -> Vec<DistinguishedName> {
        trust
            .anchors
            .iter()
            // webpki keeps the Name without its SEQUENCE header; the wire wants it whole.
            .map(|a| DistinguishedName::in_sequence(a.subject.as_ref()))
            .collect()
    }
}

impl ClientCertVerifier for NodeClientVerifier {
    fn offer_client_auth(&self) -> bool {
        self.request_cert
    }

    fn client_auth_mandatory(&self) -> bool {
        self.request_cert && self.reject_unauthorized
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &self.root_hints
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let result = verify_chain(
            &self.trust,
            end_entity,
            intermediates,
            now,
            Usage::ClientAuth,
        );
        match record(&self.verdict, result) {
            Err(e) if self.reject_unauthorized => Err(e),
            _ => Ok(ClientCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_handshake_signature(message, cert, dss, false)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_handshake_signature(message, cert, dss, true)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.schemes.clone()
    }
}

fn algorithms() -> WebPkiSupportedAlgorithms {
    crate::provider().signature_verification_algorithms
}

/// Checks the handshake signature with the certificate's public key. Goes
/// through the SubjectPublicKeyInfo rather than webpki's certificate parser,
/// which refuses the X.509 v1 certificates Node accepts.
fn verify_handshake_signature(
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
    tls13: bool,
) -> Result<HandshakeSignatureValid, rustls::Error> {
    let algorithms = algorithms();
    let bad_cert = || rustls::Error::InvalidCertificate(CertificateError::BadEncoding);
    let (_, parsed) = X509Certificate::from_der(cert).map_err(|_| bad_cert())?;
    let spki = SubjectPublicKeyInfoDer::from(parsed.tbs_certificate.subject_pki.raw);
    if tls13 {
        return rustls::crypto::verify_tls13_signature_with_raw_key(
            message,
            &spki,
            dss,
            &algorithms,
        );
    }
    let key = webpki::RawPublicKeyEntity::try_from(&spki).map_err(|_| bad_cert())?;
    let mut last = rustls::Error::InvalidCertificate(CertificateError::BadSignature);
    let candidates = algorithms
        .mapping
        .iter()
        .find(|(scheme, _)| *scheme == dss.scheme)
        .map(|(_, algs)| *algs)
        .ok_or(rustls::Error::PeerMisbehaved(
            rustls::PeerMisbehaved::SignedHandshakeWithUnadvertisedSigScheme,
        ))?;
    for algorithm in candidates {
        match key.verify_signature(*algorithm, message, dss.signature()) {
            Ok(()) => return Ok(HandshakeSignatureValid::assertion()),
            Err(webpki::Error::UnsupportedSignatureAlgorithmForPublicKeyContext(_)) => continue,
            Err(_) => last = rustls::Error::InvalidCertificate(CertificateError::BadSignature),
        }
    }
    Err(last)
}
