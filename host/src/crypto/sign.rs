//! Signing for the guest with a private key the host keeps.

use std::sync::Arc;

use rustls::SignatureScheme;
use rustls::sign::SigningKey;
use wasmtime::component::Resource;

use crate::bindings::tlsbox::tls::crypto::HostSigningKey as HostSigningKeyMethods;
use crate::sandbox::SandboxState;

/// A handle on one of the host's keys, lent to a guest.
pub struct HostSigningKey(Arc<dyn SigningKey>);

impl HostSigningKey {
    pub(super) fn new(key: Arc<dyn SigningKey>) -> Self {
        Self(key)
    }
}

impl HostSigningKeyMethods for SandboxState {
    fn algorithm(&mut self, key: Resource<HostSigningKey>) -> wasmtime::Result<u8> {
        Ok(u8::from(self.table().get(&key)?.0.algorithm()))
    }

    fn choose_scheme(
        &mut self,
        key: Resource<HostSigningKey>,
        offered: Vec<u16>,
    ) -> wasmtime::Result<Option<u16>> {
        let offered: Vec<SignatureScheme> =
            offered.into_iter().map(SignatureScheme::from).collect();
        let key = &self.table().get(&key)?.0;
        Ok(key
            .choose_scheme(&offered)
            .map(|signer| u16::from(signer.scheme())))
    }

    fn sign(
        &mut self,
        key: Resource<HostSigningKey>,
        scheme: u16,
        message: Vec<u8>,
    ) -> wasmtime::Result<Option<Vec<u8>>> {
        let key = &self.table().get(&key)?.0;
        let signed = key
            .choose_scheme(&[SignatureScheme::from(scheme)])
            .and_then(|signer| signer.sign(&message).ok());
        Ok(signed)
    }

    fn public_key(&mut self, key: Resource<HostSigningKey>) -> wasmtime::Result<Option<Vec<u8>>> {
        let key = &self.table().get(&key)?.0;
        Ok(key.public_key().map(|spki| spki.as_ref().to_vec()))
    }

    fn drop(&mut self, key: Resource<HostSigningKey>) -> wasmtime::Result<()> {
        self.table().delete(key)?;
        Ok(())
    }
}
