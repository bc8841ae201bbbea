//! Signing with private keys the host keeps: the guest finds the key for
//! its certificate by asking the host, and hands it the handshake message
//! to sign. The key itself never enters the sandbox.

use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use rustls::sign::{Signer, SigningKey};
use rustls::{Error, SignatureAlgorithm, SignatureScheme};

use crate::bindings::tlsbox::tls::crypto;

/// A key the host holds for one certificate.
struct HostKey {
    handle: Arc<crypto::SigningKey>,
    algorithm: SignatureAlgorithm,
}

/// The engine's key source: the host's key for `leaf`, if it kept one.
pub(super) fn key_for(leaf: &CertificateDer<'_>) -> Option<Arc<dyn SigningKey>> {
    let handle = crypto::signing_key_for(leaf)?;
    let algorithm = SignatureAlgorithm::from(handle.algorithm());
    Some(Arc::new(HostKey {
        handle: Arc::new(handle),
        algorithm,
    }))
}

impl SigningKey for HostKey {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn Signer>> {
        let offered: Vec<u16> = offered.iter().map(|scheme| u16::from(*scheme)).collect();
        let scheme = self.handle.choose_scheme(&offered)?;
        Some(Box::new(HostSigner {
            handle: self.handle.clone(),
            scheme: SignatureScheme::from(scheme),
        }))
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }
}

impl std::fmt::Debug for HostKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostKey")
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

/// A key bound to the scheme the handshake agreed on.
struct HostSigner {
    handle: Arc<crypto::SigningKey>,
    scheme: SignatureScheme,
}

impl Signer for HostSigner {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        self.handle
            .sign(u16::from(self.scheme), message)
            .ok_or_else(|| Error::General(format!("the host cannot sign with {:?}", self.scheme)))
    }

    fn scheme(&self) -> SignatureScheme {
        self.scheme
    }
}

impl std::fmt::Debug for HostSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostSigner")
            .field("scheme", &self.scheme)
            .finish_non_exhaustive()
    }
}
