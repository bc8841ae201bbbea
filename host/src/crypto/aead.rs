//! Record protection, natively: AES-GCM with ring (AES-NI, VAES),
//! ChaCha20-Poly1305 with libcrypto ([`super::chacha`] says why); both
//! constant time. The guest gives each record's nonce and additional data;
//! nothing here knows the TLS record format.
//!
//! Each key lives in its connection's `ResourceTable`, so it goes away
//! with the connection's store; nothing here is shared between
//! connections.

use std::sync::Arc;

use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};

use super::chacha::ChachaKey;

/// One direction's traffic key. Cheap to clone: a seal planned for a
/// call's output holds the key until that output comes back, even if the
/// guest lets go of it meanwhile (a key update in the middle of a write).
#[derive(Clone)]
pub struct AeadKey(Arc<Cipher>);

enum Cipher {
    /// AES-GCM with ring (its key schedule is large: boxed, as the ChaCha
    /// key is small).
    Ring(Box<LessSafeKey>),
    /// ChaCha20-Poly1305 with libcrypto.
    Chacha(ChachaKey),
}

impl AeadKey {
    /// An AES-GCM key (`aead::AES_128_GCM` or `aead::AES_256_GCM`); `None`
    /// for a key of the wrong length.
    pub(crate) fn aes_gcm(algorithm: &'static aead::Algorithm, key: &[u8]) -> Option<Self> {
        let key = UnboundKey::new(algorithm, key).ok()?;
        Some(Self(Arc::new(Cipher::Ring(Box::new(LessSafeKey::new(
            key,
        ))))))
    }

    /// A ChaCha20-Poly1305 key; `None` for a key of the wrong length.
    pub(crate) fn chacha20_poly1305(key: &[u8]) -> Option<Self> {
        Some(Self(Arc::new(Cipher::Chacha(ChachaKey::new(key)?))))
    }

    /// `plaintext || suffix` sealed, tag appended: one buffer of the final
    /// size, the guest's bytes copied into it once (or, with libcrypto,
    /// encrypted straight into it).
    pub(crate) fn seal(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        plaintext: &[u8],
        suffix: &[u8],
    ) -> wasmtime::Result<Vec<u8>> {
        match &*self.0 {
            Cipher::Ring(key) => {
                let tag_len = key.algorithm().tag_len();
                let mut record = Vec::with_capacity(plaintext.len() + suffix.len() + tag_len);
                record.extend_from_slice(plaintext);
                record.extend_from_slice(suffix);
                key.seal_in_place_append_tag(
                    Nonce::assume_unique_for_key(*nonce),
                    Aad::from(aad),
                    &mut record,
                )
                .map_err(|_| wasmtime::format_err!("record too large to seal"))?;
                Ok(record)
            }
            Cipher::Chacha(key) => key
                .seal(nonce, aad, plaintext, suffix)
                .map_err(|e| wasmtime::format_err!("cannot seal: {e}")),
        }
    }

    /// Seals `content` where it lies, writing the tag into `tag` (16 bytes).
    pub(crate) fn seal_in_place(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        content: &mut [u8],
        tag: &mut [u8; TAG_LEN],
    ) -> Result<(), String> {
        match &*self.0 {
            Cipher::Ring(key) => {
                let sealed = key
                    .seal_in_place_separate_tag(
                        Nonce::assume_unique_for_key(*nonce),
                        Aad::from(aad),
                        content,
                    )
                    .map_err(|_| "record too large to seal".to_string())?;
                tag.copy_from_slice(sealed.as_ref());
                Ok(())
            }
            Cipher::Chacha(key) => key
                .seal_in_place(nonce, aad, content, tag)
                .map_err(|e| format!("cannot seal: {e}")),
        }
    }

    /// Appends `content` sealed, then the tag, to `out`: for libcrypto
    /// straight from where `content` lies, for ring copied and sealed at
    /// once, while the bytes are in cache.
    pub(crate) fn seal_append(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        content: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), String> {
        match &*self.0 {
            Cipher::Ring(_) => {
                let start = out.len();
                out.reserve(content.len() + TAG_LEN);
                out.extend_from_slice(content);
                let mut tag = [0; TAG_LEN];
                self.seal_in_place(nonce, aad, &mut out[start..], &mut tag)?;
                out.extend_from_slice(&tag);
                Ok(())
            }
            Cipher::Chacha(key) => key
                .seal_append(nonce, aad, content, out)
                .map_err(|e| format!("cannot seal: {e}")),
        }
    }

    /// Opens `sealed` into a new buffer (libcrypto decrypts straight from
    /// where `sealed` lies; ring copies it once and opens it in place, while
    /// it is in cache). `None` when it does not authenticate.
    pub(crate) fn open(&self, nonce: &[u8; 12], aad: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
        match &*self.0 {
            Cipher::Ring(_) => {
                let mut plain = sealed.to_vec();
                let len = self.open_in_place(nonce, aad, &mut plain)?;
                plain.truncate(len);
                Some(plain)
            }
            Cipher::Chacha(key) => key.open_to_vec(nonce, aad, sealed),
        }
    }

    /// Opens `sealed` in place: the plaintext's length, or `None` when it
    /// does not authenticate.
    pub(crate) fn open_in_place(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        sealed: &mut [u8],
    ) -> Option<usize> {
        match &*self.0 {
            Cipher::Ring(key) => key
                .open_in_place(Nonce::assume_unique_for_key(*nonce), Aad::from(aad), sealed)
                .ok()
                .map(|plain| plain.len()),
            Cipher::Chacha(key) => key.open_in_place(nonce, aad, sealed),
        }
    }
}

/// The tag of both AEADs: GCM's and Poly1305's are 16 bytes.
pub(crate) const TAG_LEN: usize = 16;

/// One key of each algorithm, named, for tests.
#[cfg(test)]
pub(crate) fn test_keys() -> [(&'static str, AeadKey); 3] {
    [
        (
            "AES-128-GCM",
            AeadKey::aes_gcm(&aead::AES_128_GCM, &[9; 16]),
        ),
        (
            "AES-256-GCM",
            AeadKey::aes_gcm(&aead::AES_256_GCM, &[9; 32]),
        ),
        ("ChaCha20-Poly1305", AeadKey::chacha20_poly1305(&[9; 32])),
    ]
    .map(|(name, key)| (name, key.expect("a key of the right length")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_what_it_seals_and_refuses_forgeries() {
        let plaintext: Vec<u8> = (0..16_384u32).map(|i| (i * 11) as u8).collect();
        for (algorithm, key) in test_keys() {
            let nonce = [3; 12];
            let sealed = key.seal(&nonce, b"header", &plaintext, &[23]).unwrap();
            let opened = key.open(&nonce, b"header", &sealed).unwrap();
            assert_eq!(opened[..plaintext.len()], plaintext[..], "{algorithm:?}");
            assert_eq!(opened[plaintext.len()..], [23], "{algorithm:?}");
            let mut forged = sealed.clone();
            forged[100] ^= 1;
            assert_eq!(key.open(&nonce, b"header", &forged), None, "{algorithm:?}");
            assert_eq!(key.open(&nonce, b"Header", &sealed), None, "{algorithm:?}");
            assert_eq!(
                key.open(&[4; 12], b"header", &sealed),
                None,
                "{algorithm:?}"
            );
            assert_eq!(
                key.open(&nonce, b"header", &sealed[..15]),
                None,
                "{algorithm:?}"
            );
        }
    }
}
