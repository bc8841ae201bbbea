//! A secure context: credentials parsed once, shared by every pair that uses them.

use std::borrow::Cow;
use std::sync::Arc;

use rustls::sign::CertifiedKey;
use rustls_pki_types::{CertificateDer, TrustAnchor};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::error::{Error, ErrorCode};
use crate::pem;

/// PEM credentials, as Node's `tls.createSecureContext` takes them.
#[derive(Clone, Debug, Default)]
pub struct Credentials {
    /// Private key PEM; encrypted PKCS#8 needs `passphrase`.
    pub key: Option<String>,
    /// Passphrase for an encrypted `key`.
    pub passphrase: Option<String>,
    /// Certificate chain PEM: the leaf, then intermediates.
    pub cert: Option<String>,
    /// The same chain as DER, leaf first, in place of `cert` (a host that
    /// decoded the PEM once hands this to every context).
    pub cert_chain: Vec<Vec<u8>>,
    /// Trusted roots: each entry may hold several certificates.
    pub ca: Vec<String>,
    /// Trusted roots as DER, one certificate each, trusted as `ca` is.
    /// Shared: every context made from these credentials holds the same
    /// roots, not a copy (a host may hand each connection a hundred roots).
    pub ca_certificates: Arc<[CertificateDer<'static>]>,
    /// The trust anchors of `ca_certificates`, one each in the same order,
    /// when whoever decoded the roots took them already: then no context
    /// parses the roots again. Empty to have each context parse
    /// `ca_certificates`; any other count is an error.
    pub ca_anchors: Vec<TrustAnchor<'static>>,
    /// Certificate revocation lists.
    pub crl: Vec<String>,
    /// An OCSP response (DER) stapled with the certificate for clients
    /// that ask for one.
    pub ocsp_response: Option<Vec<u8>>,
}

/// Parsed credentials: what to present and what to trust.
pub struct SecureContext {
    pub(crate) certified_key: Option<Arc<CertifiedKey>>,
    pub(crate) trust: Arc<TrustStore>,
    /// The PEM texts it was parsed from, but the key: what tells two
    /// contexts that verify and present alike apart from others.
    pub(crate) source: ContextSource,
}

/// A context's certificate chain, roots and CRLs, as given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ContextSource {
    pub(crate) cert: Option<String>,
    pub(crate) cert_chain: Vec<Vec<u8>>,
    pub(crate) ca: Vec<String>,
    pub(crate) ca_certificates: Arc<[CertificateDer<'static>]>,
    pub(crate) crl: Vec<String>,
    pub(crate) ocsp_response: Option<Vec<u8>>,
}

/// The roots and CRLs a context verifies peers against.
pub(crate) struct TrustStore {
    /// The roots as given, for name matching and path building by hand.
    pub(crate) roots: Arc<[CertificateDer<'static>]>,
    /// The roots as webpki anchors: first those of `roots`, index-aligned
    /// with it, then Mozilla's (`webpki-roots`) when the store trusts the
    /// default roots. Mozilla's are static anchors, borrowed, never parsed.
    pub(crate) anchors: Cow<'static, [TrustAnchor<'static>]>,
    /// Shared: a store with the default roots added keeps the same CRLs.
    pub(crate) crls: Arc<Vec<webpki::CertRevocationList<'static>>>,
}

impl SecureContext {
    /// The certificate this context presents (its chain's first), if any.
    pub(crate) fn leaf(&self) -> Option<CertificateDer<'static>> {
        self.certified_key.as_ref()?.cert.first().cloned()
    }

    /// Parses `credentials`. A key without a certificate (or the reverse),
    /// bad PEM, a wrong passphrase, or a key that does not belong to the
    /// certificate is an error.
    pub fn new(credentials: &Credentials) -> Result<Self, Error> {
        let certified_key = match (&credentials.key, certificate_chain(credentials)?) {
            (Some(key), Some(chain)) => Some(Arc::new(certified_key(
                key,
                credentials.passphrase.as_deref(),
                chain,
            )?)),
            (None, None) => None,
            (Some(_), None) => return Err(invalid("a key was given without a certificate")),
            (None, Some(chain)) => Some(Arc::new(externally_keyed(chain)?)),
        };
        let certified_key = match (certified_key, &credentials.ocsp_response) {
            (Some(key), Some(response)) => Some(Arc::new(with_staple(&key, response.clone())?)),
            (None, Some(_)) => {
                return Err(invalid("an OCSP response was given without a certificate"));
            }
            (key, None) => key,
        };
        Ok(Self {
            certified_key,
            trust: Arc::new(TrustStore::new(
                &credentials.ca,
                &credentials.ca_certificates,
                &credentials.ca_anchors,
                &credentials.crl,
            )?),
            source: ContextSource {
                cert: credentials.cert.clone(),
                cert_chain: credentials.cert_chain.clone(),
                ca: credentials.ca.clone(),
                ca_certificates: credentials.ca_certificates.clone(),
                crl: credentials.crl.clone(),
                ocsp_response: credentials.ocsp_response.clone(),
            },
        })
    }

    /// The certificate chain this context presents, leaf first.
    pub fn certificate_chain(&self) -> &[CertificateDer<'static>] {
        self.certified_key.as_ref().map_or(&[], |k| &k.cert)
    }

    /// The key and certificate chain this context presents, if any.
    pub fn certified_key(&self) -> Option<&Arc<CertifiedKey>> {
        self.certified_key.as_ref()
    }

    /// True when the context has a key and certificate to present.
    pub fn has_identity(&self) -> bool {
        self.certified_key.is_some()
    }
}

impl std::fmt::Debug for TrustStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustStore")
            .field("roots", &self.roots.len())
            .field("crls", &self.crls.len())
            .finish()
    }
}

impl TrustStore {
    fn new(
        ca: &[String],
        ca_certificates: &Arc<[CertificateDer<'static>]>,
        ca_anchors: &[TrustAnchor<'static>],
        crl: &[String],
    ) -> Result<Self, Error> {
        let mut pem_roots = Vec::new();
        for pem_text in ca {
            pem_roots.extend(pem::certificates(pem_text)?);
        }
        let mut anchors = anchors_of(&pem_roots)?;
        match ca_anchors.len() {
            0 => anchors.extend(anchors_of(ca_certificates)?),
            n if n == ca_certificates.len() => anchors.extend_from_slice(ca_anchors),
            n => {
                return Err(invalid(&format!(
                    "{n} trust anchors were given for {} CA certificates; \
                     expected one each, or none",
                    ca_certificates.len()
                )));
            }
        }
        // Without PEM roots the store shares the DER roots it was given.
        let roots = match pem_roots.is_empty() {
            true => ca_certificates.clone(),
            false => pem_roots
                .into_iter()
                .chain(ca_certificates.iter().cloned())
                .collect(),
        };
        let mut crls = Vec::new();
        for pem_text in crl {
            for der in pem::crls(pem_text)? {
                let owned = webpki::OwnedCertRevocationList::from_der(&der)
                    .map_err(|e| invalid(&format!("unusable CRL: {e}")))?;
                crls.push(owned.into());
            }
        }
        Ok(Self {
            roots,
            anchors: Cow::Owned(anchors),
            crls: Arc::new(crls),
        })
    }

    /// This store with Mozilla's roots trusted as well (Node's default
    /// store, plus what `NODE_EXTRA_CA_CERTS` adds as `roots`). Without
    /// roots of its own, the anchors are `webpki-roots`' static list itself.
    pub(crate) fn with_default_roots(&self) -> Self {
        let anchors = if self.anchors.is_empty() {
            Cow::Borrowed(webpki_roots::TLS_SERVER_ROOTS)
        } else {
            let mut anchors = self.anchors.to_vec();
            anchors.extend_from_slice(webpki_roots::TLS_SERVER_ROOTS);
            Cow::Owned(anchors)
        };
        Self {
            roots: self.roots.clone(),
            anchors,
            crls: self.crls.clone(),
        }
    }
}

/// The webpki trust anchors of `roots`, in order: each root parsed.
fn anchors_of(roots: &[CertificateDer<'static>]) -> Result<Vec<TrustAnchor<'static>>, Error> {
    roots
        .iter()
        .map(|root| {
            webpki::anchor_from_trusted_cert(root)
                .map(|anchor| anchor.to_owned())
                .map_err(|e| invalid(&format!("unusable CA certificate: {e}")))
        })
        .collect()
}

/// The chain `credentials` present, from `cert`'s PEM or as the DER of
/// `cert_chain`; none when they give neither.
fn certificate_chain(
    credentials: &Credentials,
) -> Result<Option<Vec<CertificateDer<'static>>>, Error> {
    match (&credentials.cert, credentials.cert_chain.as_slice()) {
        (Some(pem_text), []) => pem::certificates(pem_text).map(Some),
        (None, []) => Ok(None),
        (None, der) => Ok(Some(
            der.iter()
                .map(|certificate| CertificateDer::from(certificate.clone()))
                .collect(),
        )),
        (Some(_), _) => Err(invalid(
            "the certificate chain was given twice, as PEM and as DER",
        )),
    }
}

fn certified_key(
    key: &str,
    passphrase: Option<&str>,
    chain: Vec<CertificateDer<'static>>,
) -> Result<CertifiedKey, Error> {
    let key = pem::private_key(key, passphrase)?;
    let signing_key = crate::provider()
        .key_provider
        .load_private_key(key)
        .map_err(|e| invalid(&format!("unsupported private key: {e}")))?;
    // Compare the key with the leaf's SubjectPublicKeyInfo ourselves:
    // rustls' `keys_match` parses the leaf with webpki, which refuses the
    // X.509 v1 certificates (agent3) that OpenSSL, and so Node, serve.
    let leaf = chain
        .first()
        .ok_or_else(|| invalid("the certificate PEM holds no certificate"))?;
    let (_, parsed) = X509Certificate::from_der(leaf)
        .map_err(|e| invalid(&format!("unparsable certificate: {e}")))?;
    let leaf_spki = parsed.tbs_certificate.subject_pki.raw;
    match signing_key.public_key() {
        Some(key) if key.as_ref() != leaf_spki => Err(Error::new(
            ErrorCode::ErrOsslX509KeyValuesMismatch,
            "key values mismatch",
        )),
        // A key that cannot tell its public half is taken on trust, as before.
        _ => Ok(CertifiedKey::new(chain, signing_key)),
    }
}

/// A certificate chain whose private key is held outside the engine (see
/// [`crate::install_key_source`]): whoever holds the key checked that it
/// matches the certificate.
fn externally_keyed(chain: Vec<CertificateDer<'static>>) -> Result<CertifiedKey, Error> {
    let no_key = || invalid("a certificate was given without a key");
    let source = crate::key_source().ok_or_else(no_key)?;
    let key = chain.first().and_then(source).ok_or_else(no_key)?;
    Ok(CertifiedKey::new(chain, key))
}

/// `key` stapling `response` (rustls sends it to clients that ask).
/// The response is only checked to be one DER value: what it says about
/// the certificate is for the client to judge, as with OpenSSL's
/// `-status_file`.
pub(crate) fn with_staple(key: &CertifiedKey, response: Vec<u8>) -> Result<CertifiedKey, Error> {
    use x509_parser::der_parser::ber::parse_ber_sequence;
    match parse_ber_sequence(&response) {
        Ok(([], _)) => Ok(CertifiedKey {
            ocsp: Some(response),
            ..key.clone()
        }),
        _ => Err(invalid(
            "the OCSP response is not a DER OCSPResponse (openssl ocsp -respout writes one)",
        )),
    }
}

fn invalid(message: &str) -> Error {
    Error::new(ErrorCode::ErrTlsInvalidCredentials, message)
}
