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
use wasmtime::StoreContextMut;
use wasmtime::component::{Linker, Resource, WasmList};

use super::chacha::ChachaKey;
use super::seal_plan::PlannedSeal;
use crate::bindings::tlsbox::tls::crypto::{AeadAlgorithm, HostAeadKey};
use crate::sandbox::SandboxState;

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
    /// A key of `algorithm`'s length; `None` for a wrong length.
    pub(crate) fn new(algorithm: AeadAlgorithm, key: &[u8]) -> Option<Self> {
        let ring = |algorithm| {
            UnboundKey::new(algorithm, key)
                .ok()
                .map(|key| Cipher::Ring(Box::new(LessSafeKey::new(key))))
        };
        let cipher = match algorithm {
            AeadAlgorithm::Aes128Gcm => ring(&aead::AES_128_GCM),
            AeadAlgorithm::Aes256Gcm => ring(&aead::AES_256_GCM),
            AeadAlgorithm::Chacha20Poly1305 => ChachaKey::new(key).map(Cipher::Chacha),
        }?;
        Some(Self(Arc::new(cipher)))
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

/// A 12-byte nonce; any other length traps the guest that sent it.
fn nonce(nonce: &[u8]) -> wasmtime::Result<[u8; 12]> {
    nonce
        .try_into()
        .map_err(|_| wasmtime::format_err!("AEAD nonce of the wrong length"))
}

/// Serves `aead-key.seal` and `aead-key.open` reading their lists where
/// they lie in the guest's memory, in place of the generated bindings
/// (which would first copy each list into a `Vec` of its own): sealing and
/// opening are the bulk paths, where every copy of a record costs about as
/// much as the encryption. The generated bindings stay for the linker's
/// type check and as the reference behaviour; these must stay equivalent
/// to them.
pub(crate) fn add_seal_without_copies(linker: &mut Linker<SandboxState>) -> wasmtime::Result<()> {
    linker.allow_shadowing(true);
    // The name wit/crypto.wit's package gives the interface: were it to
    // change without this, the generated binding would simply stay in use.
    let mut crypto = linker.instance("tlsbox:tls/crypto@0.1.0")?;
    crypto.func_wrap(
        "[method]aead-key.seal",
        |store: StoreContextMut<'_, SandboxState>,
         (key, nonce_list, aad, plaintext, suffix): SealArgs| {
            let nonce = nonce(nonce_list.as_le_slice(&store))?;
            let (memory, state) = (&store, store.data());
            let key = state.resources().get(&key)?;
            let sealed = key.seal(
                &nonce,
                aad.as_le_slice(memory),
                plaintext.as_le_slice(memory),
                suffix.as_le_slice(memory),
            )?;
            Ok((sealed,))
        },
    )?;
    crypto.func_wrap(
        "[method]aead-key.open",
        |store: StoreContextMut<'_, SandboxState>, (key, nonce_list, aad, sealed): OpenArgs| {
            let nonce = nonce(nonce_list.as_le_slice(&store))?;
            let (memory, state) = (&store, store.data());
            let key = state.resources().get(&key)?;
            let opened = key.open(&nonce, aad.as_le_slice(memory), sealed.as_le_slice(memory));
            Ok((opened,))
        },
    )?;
    linker.allow_shadowing(false);
    Ok(())
}

/// `aead-key.seal`'s parameters, lifted as views of the guest's memory.
type SealArgs = (
    Resource<AeadKey>,
    WasmList<u8>,
    WasmList<u8>,
    WasmList<u8>,
    WasmList<u8>,
);

/// `aead-key.open`'s parameters, lifted as views of the guest's memory.
type OpenArgs = (Resource<AeadKey>, WasmList<u8>, WasmList<u8>, WasmList<u8>);

impl HostAeadKey for SandboxState {
    fn new(
        &mut self,
        algorithm: AeadAlgorithm,
        key: Vec<u8>,
    ) -> wasmtime::Result<Resource<AeadKey>> {
        let key = AeadKey::new(algorithm, &key)
            .ok_or_else(|| wasmtime::format_err!("AEAD key of the wrong length"))?;
        Ok(self.table().push(key)?)
    }

    fn seal(
        &mut self,
        key: Resource<AeadKey>,
        nonce_bytes: Vec<u8>,
        aad: Vec<u8>,
        plaintext: Vec<u8>,
        suffix: Vec<u8>,
    ) -> wasmtime::Result<Vec<u8>> {
        let key = self.table().get(&key)?;
        key.seal(&nonce(&nonce_bytes)?, &aad, &plaintext, &suffix)
    }

    fn open(
        &mut self,
        key: Resource<AeadKey>,
        nonce_bytes: Vec<u8>,
        aad: Vec<u8>,
        sealed: Vec<u8>,
    ) -> wasmtime::Result<Option<Vec<u8>>> {
        let nonce = nonce(&nonce_bytes)?;
        let key = self.table().get(&key)?;
        Ok(key.open(&nonce, &aad, &sealed))
    }

    fn seal_in_output(
        &mut self,
        key: Resource<AeadKey>,
        nonce_bytes: Vec<u8>,
        aad: Vec<u8>,
        record_len: u32,
        content_offset: u32,
        content_len: u32,
    ) -> wasmtime::Result<()> {
        let key = self.table().get(&key)?.clone();
        let seal = PlannedSeal {
            key,
            nonce: nonce(&nonce_bytes)?,
            aad,
            record_len: record_len as usize,
            content_offset: content_offset as usize,
            content_len: content_len as usize,
        };
        self.seal_plan().push(seal)
    }

    fn drop(&mut self, key: Resource<AeadKey>) -> wasmtime::Result<()> {
        self.table().delete(key)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_what_it_seals_and_refuses_forgeries() {
        let plaintext: Vec<u8> = (0..16_384u32).map(|i| (i * 11) as u8).collect();
        for (algorithm, key_len) in [
            (AeadAlgorithm::Aes128Gcm, 16),
            (AeadAlgorithm::Aes256Gcm, 32),
            (AeadAlgorithm::Chacha20Poly1305, 32),
        ] {
            let key = AeadKey::new(algorithm, &vec![9; key_len]).unwrap();
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
