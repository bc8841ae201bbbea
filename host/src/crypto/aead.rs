//! Record protection with ring, natively (AES-NI, constant time). The
//! guest gives each record's nonce and additional data; nothing here knows
//! the TLS record format.
//!
//! Each key lives in its connection's `ResourceTable`, so it goes away
//! with the connection's store; nothing here is shared between
//! connections.

use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use wasmtime::component::Resource;

use crate::bindings::tlsbox::tls::crypto::{AeadAlgorithm, HostAeadKey};
use crate::sandbox::SandboxState;

/// One direction's traffic key.
pub struct AeadKey(LessSafeKey);

fn nonce(nonce: Vec<u8>) -> wasmtime::Result<Nonce> {
    Nonce::try_assume_unique_for_key(&nonce)
        .map_err(|_| wasmtime::format_err!("AEAD nonce of the wrong length"))
}

impl HostAeadKey for SandboxState {
    fn new(
        &mut self,
        algorithm: AeadAlgorithm,
        key: Vec<u8>,
    ) -> wasmtime::Result<Resource<AeadKey>> {
        let algorithm = match algorithm {
            AeadAlgorithm::Aes128Gcm => &aead::AES_128_GCM,
            AeadAlgorithm::Aes256Gcm => &aead::AES_256_GCM,
            AeadAlgorithm::Chacha20Poly1305 => &aead::CHACHA20_POLY1305,
        };
        let key = UnboundKey::new(algorithm, &key)
            .map_err(|_| wasmtime::format_err!("AEAD key of the wrong length"))?;
        Ok(self.table().push(AeadKey(LessSafeKey::new(key)))?)
    }

    fn seal(
        &mut self,
        key: Resource<AeadKey>,
        nonce_bytes: Vec<u8>,
        aad: Vec<u8>,
        mut plaintext: Vec<u8>,
    ) -> wasmtime::Result<Vec<u8>> {
        let nonce = nonce(nonce_bytes)?;
        let key = self.table().get(&key)?;
        key.0
            .seal_in_place_append_tag(nonce, Aad::from(aad), &mut plaintext)
            .map_err(|_| wasmtime::format_err!("record too large to seal"))?;
        Ok(plaintext)
    }

    fn open(
        &mut self,
        key: Resource<AeadKey>,
        nonce_bytes: Vec<u8>,
        aad: Vec<u8>,
        mut sealed: Vec<u8>,
    ) -> wasmtime::Result<Option<Vec<u8>>> {
        let nonce = nonce(nonce_bytes)?;
        let key = self.table().get(&key)?;
        let opened = key
            .0
            .open_in_place(nonce, Aad::from(aad), &mut sealed)
            .map(|plain| plain.len());
        Ok(opened.ok().map(|len| {
            sealed.truncate(len);
            sealed
        }))
    }

    fn drop(&mut self, key: Resource<AeadKey>) -> wasmtime::Result<()> {
        self.table().delete(key)?;
        Ok(())
    }
}
