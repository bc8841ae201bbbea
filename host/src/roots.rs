//! Where a client's trusted roots come from, as in Node: without `ca`, the
//! default store (Mozilla's roots, which the engine has built in as static
//! trust anchors) with `NODE_EXTRA_CA_CERTS` added, and the platform's
//! store with [`crate::ConnectOptions::system_ca`]; with `ca`, exactly
//! `ca`.

use std::sync::OnceLock;

use base64::Engine;
use rustls_pki_types::pem::PemObject;

use crate::error::{Error, Result};
use crate::options::Crypto;
use crate::wit::{GuestHeldRoots, GuestTrustAnchor};

/// Mozilla's roots as PEM, one certificate each (Node's
/// `tls.rootCertificates`): the store a client without `ca` trusts. From
/// the `webpki-root-certs` crate, the same list the engine's
/// `webpki-roots` anchors are made from.
pub fn root_certificates() -> &'static [String] {
    static PEMS: OnceLock<Vec<String>> = OnceLock::new();
    PEMS.get_or_init(|| {
        webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .map(|der| pem(der))
            .collect()
    })
}

/// Roots the host decoded itself, once per process (a
/// `NODE_EXTRA_CA_CERTS` file, the platform's store): each root's DER and,
/// in the same order, its trust anchor, which the host took from it while
/// checking it could be a root. A host-crypto sandbox asks for the roots
/// a chain names (`crypto.trusted-roots`); a self-contained one is given
/// both and parses neither (parsing 144 roots was ~5 µs each in every
/// client's sandbox).
#[derive(Clone, Debug, Default)]
pub struct DecodedRoots {
    pub(crate) certificates: Vec<Vec<u8>>,
    pub(crate) anchors: Vec<GuestTrustAnchor>,
}

/// The roots of the held stores (`extra`: `NODE_EXTRA_CA_CERTS`'s,
/// `system`: the platform's) whose subject is `subject`, a Name's DER
/// content: what a sandbox trusting them asks for when it verifies a chain
/// (`crypto.trusted-roots`). A platform store that failed to load has
/// none; the client that asked for it was refused before it connected.
pub(crate) fn held_roots_named(extra: bool, system: bool, subject: &[u8]) -> Vec<Vec<u8>> {
    let mut stores = Vec::new();
    if extra {
        stores.push(extra_ca_certs());
    }
    if system {
        stores.extend(system_certificates().ok());
    }
    stores
        .into_iter()
        .flat_map(|roots| roots.named(subject))
        .map(<[u8]>::to_vec)
        .collect()
}

impl DecodedRoots {
    /// How many roots.
    pub fn len(&self) -> usize {
        self.certificates.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.certificates.is_empty()
    }

    /// The roots whose subject is `subject`. A linear scan: a lookup is
    /// made once per issuer a verified chain names, and comparing a few
    /// hundred short names costs less than the guest call that asks.
    fn named<'a>(&'a self, subject: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.anchors
            .iter()
            .zip(&self.certificates)
            .filter(move |(anchor, _)| anchor.subject == subject)
            .map(|(_, certificate)| certificate.as_slice())
    }

    /// Adds `der` when it can be a root; otherwise says why not.
    fn push(&mut self, der: &[u8]) -> std::result::Result<(), webpki::Error> {
        let certificate = rustls_pki_types::CertificateDer::from(der);
        let anchor = webpki::anchor_from_trusted_cert(&certificate)?;
        self.anchors.push(GuestTrustAnchor {
            subject: anchor.subject.to_vec(),
            subject_public_key_info: anchor.subject_public_key_info.to_vec(),
            name_constraints: anchor.name_constraints.map(|n| n.to_vec()),
        });
        self.certificates.push(der.to_vec());
        Ok(())
    }

    fn extend(&mut self, other: &DecodedRoots) {
        self.certificates.extend_from_slice(&other.certificates);
        self.anchors.extend_from_slice(&other.anchors);
    }
}

/// A client's roots: the `ca` PEM texts it is given, the roots the host
/// decoded itself, either handed over (`decoded`) or held and asked for
/// by subject (`held`), and whether it trusts the default store as well.
pub(crate) struct ClientRoots {
    pub(crate) ca: Vec<String>,
    pub(crate) decoded: DecodedRoots,
    pub(crate) held: GuestHeldRoots,
    pub(crate) default_roots: bool,
}

impl ClientRoots {
    /// Node's rule: `ca` replaces the default store; without it, the
    /// default store, `NODE_EXTRA_CA_CERTS` and, when asked, the
    /// platform's store.
    ///
    /// With host crypto the sandbox asks the host for the extra and system
    /// roots a chain names (`crypto.trusted-roots`); the self-contained
    /// build, which has no such import, is handed them all.
    pub(crate) fn for_client(ca: &[String], system_ca: bool, crypto: Crypto) -> Result<Self> {
        Self::resolve(ca, system_ca, crypto, extra_ca_certs())
    }

    /// [`Self::for_client`] with `extra` standing for the roots of the
    /// `NODE_EXTRA_CA_CERTS` file (see [`decode_roots`]). With host crypto
    /// only whether it has roots matters: the sandbox asks for them, and
    /// the host answers from the process's own file
    /// ([`held_roots_named`]).
    pub(crate) fn resolve(
        ca: &[String],
        system_ca: bool,
        crypto: Crypto,
        extra: &DecodedRoots,
    ) -> Result<Self> {
        if !ca.is_empty() {
            return Ok(Self {
                ca: ca.to_vec(),
                decoded: DecodedRoots::default(),
                held: GuestHeldRoots::empty(),
                default_roots: false,
            });
        }
        // Loaded (or refused, with why) before any connection is made.
        let system = match system_ca {
            true => Some(system_certificates()?),
            false => None,
        };
        let mut roots = Self {
            ca: Vec::new(),
            decoded: DecodedRoots::default(),
            held: GuestHeldRoots::empty(),
            default_roots: true,
        };
        match crypto {
            Crypto::Host => {
                if !extra.is_empty() {
                    roots.held |= GuestHeldRoots::EXTRA;
                }
                if system.is_some() {
                    roots.held |= GuestHeldRoots::SYSTEM;
                }
            }
            Crypto::Guest => {
                roots.decoded = extra.clone();
                if let Some(system) = system {
                    roots.decoded.extend(system);
                }
            }
        }
        Ok(roots)
    }
}

/// The roots in a PEM text of certificates, as DER: decoded here once per
/// process rather than in every connection's sandbox, which would decode
/// the same PEM again for each (3.8 ms for 144 roots, against 0.2 ms for a
/// client with the default roots alone). Certificates that are not usable
/// as roots are left out, as Node leaves out what it cannot load, and
/// named in the error beside what was kept.
pub fn decode_roots(pem_text: &str) -> (DecodedRoots, Vec<String>) {
    let mut roots = DecodedRoots::default();
    let mut refused = Vec::new();
    for (index, certificate) in
        rustls_pki_types::CertificateDer::pem_slice_iter(pem_text.as_bytes()).enumerate()
    {
        let added = certificate
            .map_err(|e| e.to_string())
            .and_then(|der| roots.push(&der).map_err(|e| e.to_string()));
        if let Err(e) = added {
            refused.push(format!("certificate {}: {e}", index + 1));
        }
    }
    (roots, refused)
}

/// The roots of the file `NODE_EXTRA_CA_CERTS` names, read and decoded
/// once per process as Node does. A file that cannot be read, or
/// certificates in it that cannot be used, are reported once and left
/// out, as Node warns and goes on.
fn extra_ca_certs() -> &'static DecodedRoots {
    static EXTRA: OnceLock<DecodedRoots> = OnceLock::new();
    EXTRA.get_or_init(|| {
        let Some(path) = std::env::var_os("NODE_EXTRA_CA_CERTS") else {
            return DecodedRoots::default();
        };
        let shown = std::path::Path::new(&path).display().to_string();
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let (roots, refused) = decode_roots(&text);
                if !refused.is_empty() {
                    tracing::warn!(
                        "ignoring {} of the extra certs from NODE_EXTRA_CA_CERTS={shown}: {}",
                        refused.len(),
                        refused.join("; ")
                    );
                }
                roots
            }
            Err(e) => {
                tracing::warn!("ignoring extra certs from NODE_EXTRA_CA_CERTS={shown}: {e}");
                DecodedRoots::default()
            }
        }
    })
}

/// The platform's trusted roots as DER (`rustls-native-certs`: the OS
/// store, or the files `SSL_CERT_FILE` / `SSL_CERT_DIR` name), read once
/// per process. None found is an error that says where it looked.
fn system_certificates() -> Result<&'static DecodedRoots> {
    static SYSTEM: OnceLock<std::result::Result<DecodedRoots, String>> = OnceLock::new();
    let loaded = SYSTEM.get_or_init(|| {
        let found = rustls_native_certs::load_native_certs();
        if found.certs.is_empty() {
            let why = found
                .errors
                .first()
                .map_or("none found".to_string(), |e| e.to_string());
            return Err(format!(
                "the system CA store is empty or unreadable ({why}); \
                 set SSL_CERT_FILE to a PEM file of roots, or pass ca"
            ));
        }
        // What cannot be a root would fail every connection's context:
        // left out here, as with NODE_EXTRA_CA_CERTS.
        let mut roots = DecodedRoots::default();
        for der in &found.certs {
            let _ = roots.push(der);
        }
        let left_out = found.certs.len() - roots.len();
        if roots.is_empty() {
            return Err(format!(
                "none of the system CA store's {left_out} certificates can be a root; \
                 set SSL_CERT_FILE to a PEM file of roots, or pass ca"
            ));
        }
        if left_out > 0 {
            tracing::warn!("ignoring {left_out} system CA certificates that cannot be roots");
        }
        Ok(roots)
    });
    match loaded {
        Ok(roots) => Ok(roots),
        Err(message) => Err(Error::InvalidArgument(message.clone())),
    }
}

/// One certificate as PEM, base64 in lines of 64 as OpenSSL writes it.
fn pem(der: &[u8]) -> String {
    let text = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in text.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_roots_are_pem_certificates_the_engine_parses() {
        let roots = root_certificates();
        assert!(roots.len() > 100, "{}", roots.len());
        for root in roots {
            let der = tlsbox_engine::pem::certificates(root).expect("PEM the engine reads");
            assert_eq!(der.len(), 1);
        }
    }

    #[test]
    fn ca_replaces_the_default_store() {
        for crypto in [Crypto::Host, Crypto::Guest] {
            let given = ClientRoots::for_client(&["PEM".into()], true, crypto).unwrap();
            assert!(!given.default_roots);
            assert_eq!(given.ca, ["PEM"]);
            assert!(given.decoded.is_empty());
            assert_eq!(given.held, GuestHeldRoots::empty());
        }
    }

    #[test]
    fn extra_roots_are_decoded_once_and_unusable_ones_named() {
        let fixture = |name: &str| {
            std::fs::read_to_string(format!("{}/../fixtures/{name}", env!("CARGO_MANIFEST_DIR")))
                .unwrap()
        };
        let not_a_certificate = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        let text = [
            fixture("ca1-cert.pem"),
            not_a_certificate.into(),
            fixture("ca2-cert.pem"),
        ]
        .concat();
        let (roots, refused) = decode_roots(&text);
        assert_eq!(roots.len(), 2);
        assert_eq!(refused.len(), 1, "{refused:?}");
        assert!(refused[0].starts_with("certificate 2: "), "{refused:?}");
        // Each kept with its anchor, as webpki takes it from the root.
        for (der, anchor) in roots.certificates.iter().zip(&roots.anchors) {
            let der = rustls_pki_types::CertificateDer::from(&der[..]);
            let parsed = webpki::anchor_from_trusted_cert(&der).unwrap();
            assert_eq!(anchor.subject, &*parsed.subject);
            assert_eq!(
                anchor.subject_public_key_info,
                &*parsed.subject_public_key_info
            );
            assert_eq!(anchor.name_constraints, None);
        }
        assert_eq!(roots.anchors.len(), 2);
        // Without `ca` they join the default store: held by the host for a
        // host-crypto sandbox, which asks for them by subject; handed over
        // as DER with anchors to a self-contained one.
        let held = ClientRoots::resolve(&[], false, Crypto::Host, &roots).unwrap();
        assert!(held.default_roots);
        assert!(held.ca.is_empty());
        assert_eq!(held.held, GuestHeldRoots::EXTRA);
        assert!(held.decoded.is_empty());
        let handed = ClientRoots::resolve(&[], false, Crypto::Guest, &roots).unwrap();
        assert!(handed.default_roots);
        assert_eq!(handed.held, GuestHeldRoots::empty());
        assert_eq!(handed.decoded.certificates, roots.certificates);
        assert_eq!(handed.decoded.anchors.len(), roots.anchors.len());
        // Found by subject: ca1's issuer is ca1.
        let ca1 = &roots.certificates[0];
        let found: Vec<&[u8]> = roots.named(&roots.anchors[0].subject).collect();
        assert_eq!(found, [&ca1[..]]);
        assert_eq!(roots.named(b"not a name").count(), 0);
    }
}
