//! Where a client's trusted roots come from, as in Node: without `ca`, the
//! default store (Mozilla's roots, which the engine has built in as static
//! trust anchors) with `NODE_EXTRA_CA_CERTS` added, and the platform's
//! store with [`crate::ConnectOptions::system_ca`]; with `ca`, exactly
//! `ca`.

use std::sync::OnceLock;

use base64::Engine;

use crate::error::{Error, Result};

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

/// A client's roots: the `ca` PEM texts it is given, and whether it trusts
/// the default store as well.
pub(crate) struct ClientRoots {
    pub(crate) ca: Vec<String>,
    pub(crate) default_roots: bool,
}

impl ClientRoots {
    /// Node's rule: `ca` replaces the default store; without it, the
    /// default store, `NODE_EXTRA_CA_CERTS` and, when asked, the
    /// platform's store.
    pub(crate) fn for_client(ca: &[String], system_ca: bool) -> Result<Self> {
        Self::resolve(ca, system_ca, extra_ca_certs())
    }

    /// [`Self::for_client`] with `extra` standing for the
    /// `NODE_EXTRA_CA_CERTS` file's text.
    pub(crate) fn resolve(ca: &[String], system_ca: bool, extra: Option<&str>) -> Result<Self> {
        if !ca.is_empty() {
            return Ok(Self {
                ca: ca.to_vec(),
                default_roots: false,
            });
        }
        let mut ca: Vec<String> = extra.into_iter().map(str::to_string).collect();
        if system_ca {
            ca.extend(system_certificates()?.iter().cloned());
        }
        Ok(Self {
            ca,
            default_roots: true,
        })
    }
}

/// The PEM text of the file `NODE_EXTRA_CA_CERTS` names, read once per
/// process as Node does. A file that cannot be read is reported once and
/// ignored, as Node warns and goes on.
fn extra_ca_certs() -> Option<&'static str> {
    static EXTRA: OnceLock<Option<String>> = OnceLock::new();
    EXTRA
        .get_or_init(|| {
            let path = std::env::var_os("NODE_EXTRA_CA_CERTS")?;
            match std::fs::read_to_string(&path) {
                Ok(text) => Some(text),
                Err(e) => {
                    tracing::warn!(
                        "ignoring extra certs from NODE_EXTRA_CA_CERTS={}: {e}",
                        std::path::Path::new(&path).display()
                    );
                    None
                }
            }
        })
        .as_deref()
}

/// The platform's trusted roots as PEM (`rustls-native-certs`: the OS
/// store, or the files `SSL_CERT_FILE` / `SSL_CERT_DIR` name), read once
/// per process. None found is an error that says where it looked.
fn system_certificates() -> Result<&'static [String]> {
    static SYSTEM: OnceLock<std::result::Result<Vec<String>, String>> = OnceLock::new();
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
        Ok(found.certs.iter().map(|der| pem(der)).collect())
    });
    match loaded {
        Ok(pems) => Ok(pems),
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
        let given = ClientRoots::for_client(&["PEM".into()], true).unwrap();
        assert!(!given.default_roots);
        assert_eq!(given.ca, ["PEM"]);
    }
}
