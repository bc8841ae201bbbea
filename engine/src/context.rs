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
    pub cert_chain: Arc<[CertificateDer<'static>]>,
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
    /// Root stores held outside the engine that this context trusts too:
    /// found by subject through [`crate::install_root_source`]'s source
    /// when a chain is verified, never copied in whole.
    pub held_roots: HeldRoots,
    /// Certificate revocation lists.
    pub crl: Vec<String>,
    /// An OCSP response (DER) stapled with the certificate for clients
    /// that ask for one.
    pub ocsp_response: Option<Vec<u8>>,
}

/// Root stores held outside the engine, once per process, as Node holds
/// them: what a client without `ca` trusts besides Mozilla's roots.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HeldRoots {
    /// The roots of the file `NODE_EXTRA_CA_CERTS` names.
    pub extra: bool,
    /// The platform's store (Node's `--use-system-ca`).
    pub system: bool,
}

impl HeldRoots {
    /// True when any store is trusted.
    pub fn any(self) -> bool {
        self.extra || self.system
    }
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
    pub(crate) cert_chain: Arc<[CertificateDer<'static>]>,
    pub(crate) ca: Vec<String>,
    pub(crate) ca_certificates: Arc<[CertificateDer<'static>]>,
    pub(crate) held_roots: HeldRoots,
    pub(crate) crl: Vec<String>,
    pub(crate) ocsp_response: Option<Vec<u8>>,
}

/// The roots and CRLs a context verifies peers against.
#[derive(Clone)]
pub(crate) struct TrustStore {
    /// The roots as given, for name matching and path building by hand.
    pub(crate) roots: Arc<[CertificateDer<'static>]>,
    /// The roots as webpki anchors: first those of `roots`, index-aligned
    /// with it, then Mozilla's (`webpki-roots`) when the store trusts the
    /// default roots. Mozilla's are static anchors, borrowed, never parsed.
    pub(crate) anchors: Cow<'static, [TrustAnchor<'static>]>,
    /// Shared: a store with the default roots added keeps the same CRLs.
    pub(crate) crls: Arc<Vec<webpki::CertRevocationList<'static>>>,
    /// Stores held outside the engine whose roots are trusted too, looked
    /// up for each chain ([`TrustStore::for_chain`]).
    pub(crate) held: HeldRoots,
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
                credentials.held_roots,
            )?),
            source: ContextSource {
                cert: credentials.cert.clone(),
                cert_chain: credentials.cert_chain.clone(),
                ca: credentials.ca.clone(),
                ca_certificates: credentials.ca_certificates.clone(),
                held_roots: credentials.held_roots,
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
        held: HeldRoots,
    ) -> Result<Self, Error> {
        if held.any() && crate::root_source().is_none() {
            return Err(invalid(
                "the credentials trust roots the host holds, which this build cannot ask for",
            ));
        }
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
            held,
        })
    }

    /// This store with the held roots a chain of `certificates` can end at
    /// added: those whose subject is the issuer of one of them. Every path
    /// webpki can build through the certificates a peer sent ends at such
    /// a root, so the chain verifies as it would against the whole store.
    /// Certificates that do not parse add nothing (verification reports
    /// them); neither do roots that cannot be anchors.
    pub(crate) fn for_chain<'c>(
        &self,
        certificates: impl IntoIterator<Item = &'c [u8]>,
    ) -> Cow<'_, Self> {
        let Some(source) = crate::root_source().filter(|_| self.held.any()) else {
            return Cow::Borrowed(self);
        };
        let mut issuers: Vec<Vec<u8>> = Vec::new();
        for der in certificates {
            if let Ok((_, certificate)) = X509Certificate::from_der(der) {
                let issuer = crate::chain::sequence_contents(certificate.issuer().as_raw());
                if !issuers.iter().any(|seen| seen == issuer) {
                    issuers.push(issuer.to_vec());
                }
            }
        }
        let mut found: Vec<(CertificateDer<'static>, TrustAnchor<'static>)> = Vec::new();
        for issuer in &issuers {
            for root in source(self.held, issuer) {
                if found.iter().any(|(seen, _)| seen == &root) {
                    continue;
                }
                if let Ok(anchor) = webpki::anchor_from_trusted_cert(&root) {
                    let anchor = anchor.to_owned();
                    found.push((root, anchor));
                }
            }
        }
        if found.is_empty() {
            return Cow::Borrowed(self);
        }
        // Anchors stay index-aligned with roots: the held ones go after
        // this store's own, before Mozilla's.
        let own = self.roots.len();
        let mut anchors = self.anchors[..own].to_vec();
        anchors.extend(found.iter().map(|(_, anchor)| anchor.clone()));
        anchors.extend_from_slice(&self.anchors[own..]);
        let roots = self
            .roots
            .iter()
            .cloned()
            .chain(found.into_iter().map(|(root, _)| root))
            .collect();
        Cow::Owned(Self {
            roots,
            anchors: Cow::Owned(anchors),
            crls: self.crls.clone(),
            held: self.held,
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
            held: self.held,
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
    match (&credentials.cert, &*credentials.cert_chain) {
        (Some(pem_text), []) => pem::certificates(pem_text).map(Some),
        (None, []) => Ok(None),
        (None, der) => Ok(Some(der.to_vec())),
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
