//! Certificate path verification, reported with OpenSSL's X509 codes as
//! Node reports them in `authorizationError`.
//!
//! webpki does the verification. What it cannot say, this module adds: webpki
//! answers `UnknownIssuer` for four situations that OpenSSL (and so Node)
//! tells apart, and it refuses X.509 v1 certificates, which Node accepts.

use rustls_pki_types::{
    CertificateDer, SignatureVerificationAlgorithm, SubjectPublicKeyInfoDer, UnixTime,
};
use webpki::{KeyUsage, RevocationCheckDepth, RevocationOptionsBuilder, UnknownStatusPolicy};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::context::TrustStore;
use crate::error::{Error, ErrorCode};

/// Which end of a connection the certificate must be good for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Usage {
    /// A server's certificate (extended key usage serverAuth).
    ServerAuth,
    /// A client's certificate (extended key usage clientAuth).
    ClientAuth,
}

/// The deepest chain we will walk by hand for a v1 leaf.
const MAX_V1_DEPTH: usize = 6;

/// Verifies `end_entity` (with the peer's `intermediates`) against `trust`.
/// Returns the verified path: the leaf, the intermediates used, the root.
pub(crate) fn verify_chain(
    trust: &TrustStore,
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    now: UnixTime,
    usage: Usage,
) -> Result<Vec<CertificateDer<'static>>, Error> {
    let presented = std::iter::once(end_entity).chain(intermediates);
    let trust = &*trust.for_chain(presented.map(|certificate| certificate.as_ref()));
    let leaf = webpki::EndEntityCert::try_from(end_entity);
    let leaf = match leaf {
        Ok(leaf) => leaf,
        Err(webpki::Error::UnsupportedCertVersion) => {
            return verify_v1_leaf(trust, end_entity, intermediates, now);
        }
        Err(e) => return Err(from_webpki(e, end_entity, intermediates)),
    };
    let crl_refs: Vec<&webpki::CertRevocationList<'_>> = trust.crls.iter().collect();
    // Node sets CRL_CHECK | CRL_CHECK_ALL when any CRL is given: every
    // certificate in the chain needs a CRL from its issuer.
    let revocation = RevocationOptionsBuilder::new(&crl_refs)
        .ok()
        .map(|builder| {
            builder
                .with_depth(RevocationCheckDepth::Chain)
                .with_status_policy(UnknownStatusPolicy::Deny)
                .build()
        });
    let key_usage = match usage {
        Usage::ServerAuth => KeyUsage::server_auth(),
        Usage::ClientAuth => KeyUsage::client_auth(),
    };
    let algorithms = crate::provider().signature_verification_algorithms;
    let verified = leaf.verify_for_usage(
        algorithms.all,
        &trust.anchors,
        intermediates,
        now,
        key_usage,
        revocation,
        None,
    );
    let path = match verified {
        Ok(path) => path,
        Err(webpki::Error::CaUsedAsEndEntity) => {
            return ca_as_leaf(trust, end_entity, intermediates, now);
        }
        Err(e) => return Err(from_webpki(e, end_entity, intermediates)),
    };
    let mut chain = vec![end_entity.clone().into_owned()];
    chain.extend(
        path.intermediate_certificates()
            .map(|c| c.der().into_owned()),
    );
    let anchor = path.anchor();
    if let Some(root) = trust
        .anchors
        .iter()
        .position(|a| {
            a.subject == anchor.subject
                && a.subject_public_key_info == anchor.subject_public_key_info
        })
        .and_then(|i| trust.roots.get(i))
        // A trusted self-signed leaf is its own root: list it once.
        && root.as_ref() != end_entity.as_ref()
    {
        chain.push(root.clone());
    }
    Ok(chain)
}

/// A leaf that says it is a CA (`openssl req -x509` makes them so by
/// default), which webpki refuses before it looks for an issuer and
/// OpenSSL serves. Self-signed, it verifies when it is itself trusted
/// and is otherwise OpenSSL's DEPTH_ZERO_SELF_SIGNED_CERT, whatever else
/// is trusted. Issued by another, it stays INVALID_CA.
fn ca_as_leaf(
    trust: &TrustStore,
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    now: UnixTime,
) -> Result<Vec<CertificateDer<'static>>, Error> {
    let leaf = parse(end_entity)?;
    if !is_self_issued(&leaf) {
        return Err(Error::new(ErrorCode::InvalidCa, "invalid CA certificate"));
    }
    let spki = leaf.tbs_certificate.subject_pki.raw;
    let trusted = trust.anchors.iter().any(|anchor| {
        anchor.subject.as_ref() == sequence_contents(leaf.subject().as_raw())
            && anchor.subject_public_key_info.as_ref() == sequence_contents(spki)
    });
    if !trusted || !signed_by(&leaf, &leaf) {
        return Err(unknown_issuer(end_entity, intermediates));
    }
    check_validity(&leaf, now)?;
    check_crl(trust, &leaf)?;
    Ok(vec![end_entity.clone().into_owned()])
}

/// Maps a webpki failure to the code OpenSSL gives for the same chain.
fn from_webpki(
    error: webpki::Error,
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
) -> Error {
    use ErrorCode as C;
    use webpki::Error as W;
    let (code, message) = match error {
        W::UnknownIssuer => return unknown_issuer(end_entity, intermediates),
        W::CertExpired { .. } => (C::CertHasExpired, "certificate has expired"),
        W::CertNotValidYet { .. } => (C::CertNotYetValid, "certificate is not yet valid"),
        W::CertRevoked => (C::CertRevoked, "certificate revoked"),
        W::InvalidSignatureForPublicKey => {
            (C::CertSignatureFailure, "certificate signature failure")
        }
        W::CaUsedAsEndEntity | W::EndEntityUsedAsCa => (C::InvalidCa, "invalid CA certificate"),
        W::PathLenConstraintViolated => (C::PathLengthExceeded, "path length constraint exceeded"),
        #[allow(deprecated)] // older webpki releases still report the unit variant
        W::RequiredEkuNotFound | W::RequiredEkuNotFoundContext(_) | W::EmptyEkuExtension => {
            (C::InvalidPurpose, "unsupported certificate purpose")
        }
        W::MaximumPathDepthExceeded | W::MaximumPathBuildCallsExceeded => {
            (C::CertChainTooLong, "certificate chain too long")
        }
        W::UnknownRevocationStatus => (C::UnableToGetCrl, "unable to get certificate CRL"),
        W::CrlExpired { .. } => (C::CrlHasExpired, "CRL has expired"),
        other => {
            return Error::new(
                C::Unspecified,
                format!("unspecified certificate verification error ({other})"),
            );
        }
    };
    Error::new(code, message)
}

/// OpenSSL's four answers to "no trusted issuer found", told apart by what
/// the peer sent.
fn unknown_issuer(end_entity: &CertificateDer<'_>, intermediates: &[CertificateDer<'_>]) -> Error {
    use ErrorCode as C;
    let Ok((_, leaf)) = X509Certificate::from_der(end_entity) else {
        return Error::new(C::Unspecified, "unparsable certificate");
    };
    if is_self_issued(&leaf) {
        return Error::new(C::DepthZeroSelfSignedCert, "self-signed certificate");
    }
    let parsed: Vec<X509Certificate<'_>> = intermediates
        .iter()
        .filter_map(|der| X509Certificate::from_der(der).ok().map(|(_, c)| c))
        .collect();
    if parsed.iter().any(is_self_issued) {
        return Error::new(
            C::SelfSignedCertInChain,
            "self-signed certificate in certificate chain",
        );
    }
    if !parsed
        .iter()
        .any(|c| c.subject().as_raw() == leaf.issuer().as_raw())
    {
        return Error::new(
            C::UnableToVerifyLeafSignature,
            "unable to verify the first certificate",
        );
    }
    Error::new(
        C::UnableToGetIssuerCertLocally,
        "unable to get local issuer certificate",
    )
}

fn is_self_issued(cert: &X509Certificate<'_>) -> bool {
    cert.subject().as_raw() == cert.issuer().as_raw()
}

/// An X.509 v1 leaf (no extensions, so no usage or name constraints to
/// check): webpki refuses it, OpenSSL accepts it. Walk issuers by name and
/// signature to a trusted root, checking validity and CRLs on the way.
fn verify_v1_leaf(
    trust: &TrustStore,
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    now: UnixTime,
) -> Result<Vec<CertificateDer<'static>>, Error> {
    let mut path = vec![end_entity.clone().into_owned()];
    let mut current = parse(end_entity)?;
    for _ in 0..MAX_V1_DEPTH {
        check_validity(&current, now)?;
        check_crl(trust, &current)?;
        if let Some(root) = trust
            .roots
            .iter()
            .find(|root| parse(root).is_ok_and(|r| signed_by(&current, &r)))
        {
            if root.as_ref() != path[path.len() - 1].as_ref() {
                path.push(root.clone());
            }
            return Ok(path);
        }
        // A certificate already on the path (a self-signed root the peer
        // sent, which signs itself) is no way forward: without this, the
        // walk loops on it and reports a chain too long instead of
        // OpenSSL's SELF_SIGNED_CERT_IN_CHAIN.
        let Some(next) = intermediates.iter().find(|der| {
            !path.iter().any(|seen| seen.as_ref() == der.as_ref())
                && parse(der).is_ok_and(|c| c.is_ca() && signed_by(&current, &c))
        }) else {
            return Err(unknown_issuer(end_entity, intermediates));
        };
        path.push(next.clone().into_owned());
        current = parse(next)?;
    }
    Err(Error::new(
        ErrorCode::CertChainTooLong,
        "certificate chain too long",
    ))
}

fn parse(der: &[u8]) -> Result<X509Certificate<'_>, Error> {
    X509Certificate::from_der(der)
        .map(|(_, c)| c)
        .map_err(|_| Error::new(ErrorCode::Unspecified, "unparsable certificate"))
}

/// Whether `issuer` names and signed `cert`: its signature checked with the
/// engine's provider (the host's primitives in the host-crypto build), by
/// the algorithm `cert` names for it.
fn signed_by(cert: &X509Certificate<'_>, issuer: &X509Certificate<'_>) -> bool {
    if cert.issuer().as_raw() != issuer.subject().as_raw() {
        return false;
    }
    let spki = SubjectPublicKeyInfoDer::from(issuer.tbs_certificate.subject_pki.raw);
    let Ok(key) = webpki::RawPublicKeyEntity::try_from(&spki) else {
        return false;
    };
    // An AlgorithmIdentifier's content starts with its OID; the parameters
    // (RSA-PSS's hash, for one) are for the verification to settle.
    let oid = cert.signature_algorithm.algorithm.as_bytes();
    let named = |alg: &dyn SignatureVerificationAlgorithm| {
        let id = alg.signature_alg_id();
        id.len() > 2 && id[0] == 0x06 && usize::from(id[1]) == oid.len() && id[2..].starts_with(oid)
    };
    let tbs = cert.tbs_certificate.as_ref();
    let signature = &cert.signature_value.data;
    crate::provider()
        .signature_verification_algorithms
        .all
        .iter()
        .filter(|alg| named(**alg))
        .any(|alg| key.verify_signature(*alg, tbs, signature).is_ok())
}

fn check_validity(cert: &X509Certificate<'_>, now: UnixTime) -> Result<(), Error> {
    let now = now.as_secs() as i64;
    let validity = cert.validity();
    if now < validity.not_before.timestamp() {
        return Err(Error::new(
            ErrorCode::CertNotYetValid,
            "certificate is not yet valid",
        ));
    }
    if now > validity.not_after.timestamp() {
        return Err(Error::new(
            ErrorCode::CertHasExpired,
            "certificate has expired",
        ));
    }
    Ok(())
}

/// With CRLs configured, a certificate needs its issuer's CRL and must not be on it.
fn check_crl(trust: &TrustStore, cert: &X509Certificate<'_>) -> Result<(), Error> {
    if trust.crls.is_empty() {
        return Ok(());
    }
    // webpki keeps a CRL's issuer Name without its SEQUENCE header;
    // x509-parser's raw Name has it.
    let issuer = sequence_contents(cert.issuer().as_raw());
    let Some(crl) = trust.crls.iter().find(|crl| crl.issuer() == issuer) else {
        return Err(Error::new(
            ErrorCode::UnableToGetCrl,
            "unable to get certificate CRL",
        ));
    };
    match crl.find_serial(cert.raw_serial()) {
        Ok(None) => Ok(()),
        Ok(Some(_)) => Err(Error::new(ErrorCode::CertRevoked, "certificate revoked")),
        Err(_) => Err(Error::new(
            ErrorCode::UnableToGetCrl,
            "unable to get certificate CRL",
        )),
    }
}

/// The contents of a DER SEQUENCE (a Name, a SubjectPublicKeyInfo), without
/// its tag and length.
pub(crate) fn sequence_contents(der: &[u8]) -> &[u8] {
    let Some((&0x30, rest)) = der.split_first() else {
        return der;
    };
    let Some((&first, rest)) = rest.split_first() else {
        return der;
    };
    let skip = if first < 0x80 {
        0
    } else {
        usize::from(first & 0x7f)
    };
    rest.get(skip..).unwrap_or(der)
}
