//! Signing for the guest with a private key the host keeps.

use std::sync::Arc;

use rustls::SignatureScheme;
use rustls::sign::SigningKey;

/// A handle on one of the host's keys, lent to a guest.
pub struct HostSigningKey(Arc<dyn SigningKey>);

impl HostSigningKey {
    pub(crate) fn new(key: Arc<dyn SigningKey>) -> Self {
        Self(key)
    }

    /// rustls' `SignatureAlgorithm` of the key, as its TLS code point.
    pub(crate) fn algorithm(&self) -> u8 {
        u8::from(self.0.algorithm())
    }

    /// The first of the `offered` schemes (TLS code points) the key can sign with.
    pub(crate) fn choose_scheme(&self, offered: &[u16]) -> Option<u16> {
        let offered: Vec<SignatureScheme> =
            offered.iter().copied().map(SignatureScheme::from).collect();
        let signer = self.0.choose_scheme(&offered)?;
        Some(u16::from(signer.scheme()))
    }

    /// `message` signed with `scheme`; `None` when the key cannot.
    pub(crate) fn sign(&self, scheme: u16, message: &[u8]) -> Option<Vec<u8>> {
        let signer = self.0.choose_scheme(&[SignatureScheme::from(scheme)])?;
        signer.sign(message).ok()
    }

    /// The key's SubjectPublicKeyInfo, DER, when rustls can give it.
    pub(crate) fn public_key(&self) -> Option<Vec<u8>> {
        self.0.public_key().map(|spki| spki.as_ref().to_vec())
    }
}
