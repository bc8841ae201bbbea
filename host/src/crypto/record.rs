//! TLS 1.3 record protection with ring, natively (AES-NI, constant time).
//!
//! Each key lives in its connection's `ResourceTable`, so it goes away
//! with the connection's store; nothing here is shared between
//! connections.

use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use wasmtime::component::Resource;

use crate::bindings::tlsbox::tls::crypto::{AeadAlgorithm, HostRecordKey};
use crate::sandbox::SandboxState;

/// GCM and Poly1305 tags are both 16 bytes.
const TAG_LEN: usize = 16;

/// One direction's TLS 1.3 traffic key and static IV.
pub struct RecordKey {
    key: LessSafeKey,
    iv: [u8; aead::NONCE_LEN],
}

impl RecordKey {
    /// RFC 8446 §5.3: the IV with the sequence number XORed into its end.
    fn nonce(&self, seq: u64) -> Nonce {
        let mut nonce = self.iv;
        for (n, s) in nonce[4..].iter_mut().zip(seq.to_be_bytes()) {
            *n ^= s;
        }
        Nonce::assume_unique_for_key(nonce)
    }
}

/// RFC 8446 §5.2: the record header, which TLS 1.3 authenticates.
fn additional_data(ciphertext_len: usize) -> Aad<[u8; 5]> {
    let len = u16::try_from(ciphertext_len)
        .unwrap_or(u16::MAX)
        .to_be_bytes();
    Aad::from([0x17, 0x03, 0x03, len[0], len[1]])
}

impl HostRecordKey for SandboxState {
    fn new(
        &mut self,
        algorithm: AeadAlgorithm,
        key: Vec<u8>,
        iv: Vec<u8>,
    ) -> wasmtime::Result<Resource<RecordKey>> {
        let algorithm = match algorithm {
            AeadAlgorithm::Aes128Gcm => &aead::AES_128_GCM,
            AeadAlgorithm::Aes256Gcm => &aead::AES_256_GCM,
            AeadAlgorithm::Chacha20Poly1305 => &aead::CHACHA20_POLY1305,
        };
        let key = UnboundKey::new(algorithm, &key)
            .map_err(|_| wasmtime::format_err!("record key of the wrong length"))?;
        let iv = iv
            .try_into()
            .map_err(|_| wasmtime::format_err!("record IV of the wrong length"))?;
        let record_key = RecordKey {
            key: LessSafeKey::new(key),
            iv,
        };
        Ok(self.table().push(record_key)?)
    }

    fn seal(
        &mut self,
        key: Resource<RecordKey>,
        seq: u64,
        mut plaintext: Vec<u8>,
    ) -> wasmtime::Result<Vec<u8>> {
        let key = self.table().get(&key)?;
        let aad = additional_data(plaintext.len() + TAG_LEN);
        key.key
            .seal_in_place_append_tag(key.nonce(seq), aad, &mut plaintext)
            .map_err(|_| wasmtime::format_err!("record too large to seal"))?;
        Ok(plaintext)
    }

    fn open(
        &mut self,
        key: Resource<RecordKey>,
        seq: u64,
        mut payload: Vec<u8>,
    ) -> wasmtime::Result<Option<Vec<u8>>> {
        let key = self.table().get(&key)?;
        let aad = additional_data(payload.len());
        let opened = key
            .key
            .open_in_place(key.nonce(seq), aad, &mut payload)
            .map(|plain| plain.len());
        Ok(opened.ok().map(|len| {
            payload.truncate(len);
            payload
        }))
    }

    fn drop(&mut self, key: Resource<RecordKey>) -> wasmtime::Result<()> {
        self.table().delete(key)?;
        Ok(())
    }
}
