//! The generated `Host` traits of `tlsbox:tls/crypto` and `tlsbox:tls/output`,
//! implemented for [`HostCryptoCtxView`]: each call finds its handle in the
//! store's resource table and runs the primitive in [`crate::crypto`].
//! Host bugs trap; what a guest may legitimately be refused (a key that does
//! not parse, a forged record) is a WIT `result` or `option`.

use ring::{aead, digest, hmac};
use rustls::pki_types::PrivateKeyDer;
use wasmtime::component::Resource;

use super::ctx::HostCryptoCtxView;
use crate::bindings::tlsbox::tls::crypto::{
    self, AeadAlgorithm, HashAlgorithm, PrivateKeyFormat, SignatureAlgorithm,
};
use crate::bindings::tlsbox::tls::output;
use crate::bindings::tlsbox::tls::types::HeldRoots;
use crate::crypto::seal_plan::{PlannedSeal, SealPlan};
use crate::crypto::{AeadKey, HashContext, HostSigningKey, KeyExchange, hash, keys, verify};

/// A 12-byte nonce; any other length traps the guest that sent it.
pub(super) fn nonce(nonce: &[u8]) -> wasmtime::Result<[u8; 12]> {
    nonce
        .try_into()
        .map_err(|_| wasmtime::format_err!("AEAD nonce of the wrong length"))
}

/// ring's digest and HMAC algorithms for the WIT's hash.
fn hash_algorithms(algorithm: HashAlgorithm) -> (&'static digest::Algorithm, hmac::Algorithm) {
    match algorithm {
        HashAlgorithm::Sha256 => (&digest::SHA256, hmac::HMAC_SHA256),
        HashAlgorithm::Sha384 => (&digest::SHA384, hmac::HMAC_SHA384),
    }
}

impl crypto::Host for HostCryptoCtxView<'_> {
    fn signing_key_for(
        &mut self,
        certificate: Vec<u8>,
    ) -> wasmtime::Result<Option<Resource<HostSigningKey>>> {
        let Some(key) = self.ctx.keys.find(&certificate) else {
            return Ok(None);
        };
        Ok(Some(self.table.push(HostSigningKey::new(key))?))
    }

    fn load_signing_key(
        &mut self,
        format: PrivateKeyFormat,
        der: Vec<u8>,
    ) -> wasmtime::Result<Result<Resource<HostSigningKey>, String>> {
        let der = match format {
            PrivateKeyFormat::Pkcs1 => PrivateKeyDer::Pkcs1(der.into()),
            PrivateKeyFormat::Sec1 => PrivateKeyDer::Sec1(der.into()),
            PrivateKeyFormat::Pkcs8 => PrivateKeyDer::Pkcs8(der.into()),
        };
        match keys::load(der) {
            Ok(key) => Ok(Ok(self.table.push(HostSigningKey::new(key))?)),
            Err(message) => Ok(Err(message)),
        }
    }

    fn verify_signature(
        &mut self,
        algorithm: SignatureAlgorithm,
        public_key: Vec<u8>,
        message: Vec<u8>,
        signature: Vec<u8>,
    ) -> wasmtime::Result<bool> {
        Ok(verify::verify(algorithm, &public_key, &message, &signature))
    }

    fn hash(&mut self, algorithm: HashAlgorithm, data: Vec<u8>) -> wasmtime::Result<Vec<u8>> {
        Ok(hash::hash(hash_algorithms(algorithm).0, &data))
    }

    fn hmac(
        &mut self,
        algorithm: HashAlgorithm,
        key: Vec<u8>,
        data: Vec<u8>,
    ) -> wasmtime::Result<Vec<u8>> {
        Ok(hash::hmac(hash_algorithms(algorithm).1, &key, &data))
    }

    fn trusted_roots(
        &mut self,
        stores: HeldRoots,
        subject: Vec<u8>,
    ) -> wasmtime::Result<Vec<Vec<u8>>> {
        Ok(crate::roots::held_roots_named(
            stores.contains(HeldRoots::EXTRA),
            stores.contains(HeldRoots::SYSTEM),
            &subject,
        ))
    }

    fn seal_ticket(&mut self, plain: Vec<u8>) -> wasmtime::Result<Option<Vec<u8>>> {
        Ok(self.ctx.ticketer.as_ref().and_then(|t| t.seal(&plain)))
    }

    fn open_ticket(&mut self, ticket: Vec<u8>) -> wasmtime::Result<Option<Vec<u8>>> {
        Ok(self.ctx.ticketer.as_ref().and_then(|t| t.open(&ticket)))
    }

    fn ticket_lifetime(&mut self) -> wasmtime::Result<u32> {
        Ok(self.ctx.ticketer.as_ref().map_or(0, |t| t.lifetime_secs()))
    }

    fn session_put(&mut self, id: Vec<u8>, value: Vec<u8>) -> wasmtime::Result<bool> {
        Ok(self.ctx.sessions.as_ref().is_some_and(|s| s.put(id, value)))
    }

    fn session_get(&mut self, id: Vec<u8>) -> wasmtime::Result<Option<Vec<u8>>> {
        Ok(self.ctx.sessions.as_ref().and_then(|s| s.get(&id)))
    }

    fn session_take(&mut self, id: Vec<u8>) -> wasmtime::Result<Option<Vec<u8>>> {
        Ok(self.ctx.sessions.as_ref().and_then(|s| s.take(&id)))
    }
}

impl crypto::HostAeadKey for HostCryptoCtxView<'_> {
    fn new(
        &mut self,
        algorithm: AeadAlgorithm,
        key: Vec<u8>,
    ) -> wasmtime::Result<Resource<AeadKey>> {
        let key = match algorithm {
            AeadAlgorithm::Aes128Gcm => AeadKey::aes_gcm(&aead::AES_128_GCM, &key),
            AeadAlgorithm::Aes256Gcm => AeadKey::aes_gcm(&aead::AES_256_GCM, &key),
            AeadAlgorithm::Chacha20Poly1305 => AeadKey::chacha20_poly1305(&key),
        }
        .ok_or_else(|| wasmtime::format_err!("AEAD key of the wrong length"))?;
        Ok(self.table.push(key)?)
    }

    fn seal(
        &mut self,
        key: Resource<AeadKey>,
        nonce_bytes: Vec<u8>,
        aad: Vec<u8>,
        plaintext: Vec<u8>,
        suffix: Vec<u8>,
    ) -> wasmtime::Result<Vec<u8>> {
        let key = self.table.get(&key)?;
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
        let key = self.table.get(&key)?;
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
        let key = self.table.get(&key)?.clone();
        let seal = PlannedSeal {
            key,
            nonce: nonce(&nonce_bytes)?,
            aad,
            record_len: record_len as usize,
            content_offset: content_offset as usize,
            content_len: content_len as usize,
        };
        self.ctx.seal_plan.push(seal)
    }

    fn drop(&mut self, key: Resource<AeadKey>) -> wasmtime::Result<()> {
        self.table.delete(key)?;
        Ok(())
    }
}

impl crypto::HostHashContext for HostCryptoCtxView<'_> {
    fn new(&mut self, algorithm: HashAlgorithm) -> wasmtime::Result<Resource<HashContext>> {
        let context = HashContext::new(hash_algorithms(algorithm).0);
        Ok(self.table.push(context)?)
    }

    fn update(&mut self, context: Resource<HashContext>, data: Vec<u8>) -> wasmtime::Result<()> {
        self.table.get_mut(&context)?.update(&data);
        Ok(())
    }

    fn digest(&mut self, context: Resource<HashContext>) -> wasmtime::Result<Vec<u8>> {
        Ok(self.table.get(&context)?.digest())
    }

    fn fork(&mut self, context: Resource<HashContext>) -> wasmtime::Result<Resource<HashContext>> {
        let copy = self.table.get(&context)?.fork();
        Ok(self.table.push(copy)?)
    }

    fn drop(&mut self, context: Resource<HashContext>) -> wasmtime::Result<()> {
        self.table.delete(context)?;
        Ok(())
    }
}

impl crypto::HostSigningKey for HostCryptoCtxView<'_> {
    fn algorithm(&mut self, key: Resource<HostSigningKey>) -> wasmtime::Result<u8> {
        Ok(self.table.get(&key)?.algorithm())
    }

    fn choose_scheme(
        &mut self,
        key: Resource<HostSigningKey>,
        offered: Vec<u16>,
    ) -> wasmtime::Result<Option<u16>> {
        Ok(self.table.get(&key)?.choose_scheme(&offered))
    }

    fn sign(
        &mut self,
        key: Resource<HostSigningKey>,
        scheme: u16,
        message: Vec<u8>,
    ) -> wasmtime::Result<Option<Vec<u8>>> {
        Ok(self.table.get(&key)?.sign(scheme, &message))
    }

    fn public_key(&mut self, key: Resource<HostSigningKey>) -> wasmtime::Result<Option<Vec<u8>>> {
        Ok(self.table.get(&key)?.public_key())
    }

    fn drop(&mut self, key: Resource<HostSigningKey>) -> wasmtime::Result<()> {
        self.table.delete(key)?;
        Ok(())
    }
}

impl crypto::HostKeyExchange for HostCryptoCtxView<'_> {
    fn start(
        &mut self,
        group_code: u16,
    ) -> wasmtime::Result<Option<(Resource<KeyExchange>, Vec<u8>)>> {
        let Some((exchange, public_key)) = KeyExchange::start(group_code) else {
            return Ok(None);
        };
        Ok(Some((self.table.push(exchange)?, public_key)))
    }

    fn encapsulate(
        &mut self,
        group_code: u16,
        client_share: Vec<u8>,
    ) -> wasmtime::Result<Option<(Vec<u8>, Vec<u8>)>> {
        Ok(KeyExchange::encapsulate(group_code, &client_share))
    }

    fn complete(
        &mut self,
        exchange: Resource<KeyExchange>,
        peer_public_key: Vec<u8>,
    ) -> wasmtime::Result<Option<Vec<u8>>> {
        Ok(self.table.get_mut(&exchange)?.complete(&peer_public_key))
    }

    fn complete_classical(
        &mut self,
        exchange: Resource<KeyExchange>,
        peer_public_key: Vec<u8>,
    ) -> wasmtime::Result<Option<Vec<u8>>> {
        Ok(self
            .table
            .get_mut(&exchange)?
            .complete_classical(&peer_public_key))
    }

    fn drop(&mut self, exchange: Resource<KeyExchange>) -> wasmtime::Result<()> {
        self.table.delete(exchange)?;
        Ok(())
    }
}

impl output::Host for HostCryptoCtxView<'_> {
    fn send(&mut self, data: Vec<u8>) -> wasmtime::Result<()> {
        let ctx = &mut *self.ctx;
        ctx.output.accept(&data, &mut ctx.seal_plan)
    }

    fn deliver(&mut self, data: Vec<u8>) -> wasmtime::Result<()> {
        self.ctx.cleartext.accept(&data, &mut SealPlan::default())
    }
}
