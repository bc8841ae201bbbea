//! Signing with private keys the host keeps: the guest finds the key for
//! its certificate by asking the host, and hands it the handshake message
//! to sign. The key itself never enters the sandbox, except in credentials
//! the host could not keep, which the guest hands back to it
//! ([`HostKeyProvider`]) only to report what is wrong with them.

use std::sync::Arc;

use rustls::crypto::KeyProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, SubjectPublicKeyInfoDer};
use rustls::sign::{Signer, SigningKey};
use rustls::{Error, SignatureAlgorithm, SignatureScheme};

use crate::bindings::tlsbox::tls::crypto::{self, PrivateKeyFormat};

/// A key the host holds for one certificate.
struct HostKey {
    handle: Arc<crypto::SigningKey>,
    algorithm: SignatureAlgorithm,
    /// The public half (SubjectPublicKeyInfo), for keys loaded through
    /// [`HostKeyProvider`]: the engine checks it against the certificate.
    public_key: Option<Vec<u8>>,
}

impl HostKey {
    fn new(handle: crypto::SigningKey, public_key: Option<Vec<u8>>) -> Self {
        Self {
            algorithm: SignatureAlgorithm::from(handle.algorithm()),
            handle: Arc::new(handle),
            public_key,
        }
    }
}

/// The engine's key source: the host's key for `leaf`, if it kept one.
pub(super) fn key_for(leaf: &CertificateDer<'_>) -> Option<Arc<dyn SigningKey>> {
    let handle = crypto::signing_key_for(leaf)?;
    Some(Arc::new(HostKey::new(handle, None)))
}

/// The provider's `KeyProvider`: the host parses the key (this build has
/// no RSA or elliptic-curve code of its own) and holds it from then on.
#[derive(Debug)]
pub(super) struct HostKeyProvider;

impl KeyProvider for HostKeyProvider {
    fn load_private_key(&self, key: PrivateKeyDer<'static>) -> Result<Arc<dyn SigningKey>, Error> {
        let (format, der) = match &key {
            PrivateKeyDer::Pkcs1(der) => (PrivateKeyFormat::Pkcs1, der.secret_pkcs1_der()),
            PrivateKeyDer::Sec1(der) => (PrivateKeyFormat::Sec1, der.secret_sec1_der()),
            PrivateKeyDer::Pkcs8(der) => (PrivateKeyFormat::Pkcs8, der.secret_pkcs8_der()),
            _ => return Err(Error::General("unknown private key format".into())),
        };
        let handle = crypto::load_signing_key(format, der).map_err(Error::General)?;
        let public_key = handle.public_key();
        Ok(Arc::new(HostKey::new(handle, public_key)))
    }
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

    fn public_key(&self) -> Option<SubjectPublicKeyInfoDer<'_>> {
        self.public_key
            .as_deref()
            .map(SubjectPublicKeyInfoDer::from)
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
