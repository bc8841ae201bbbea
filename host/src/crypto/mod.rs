//! The host's side of `tlsbox:tls/crypto`, for guests built with host
//! crypto: the primitives run here, natively (ring: AES-NI, constant-time
//! code), while the protocol stays in the guest.
//!
//! Where secrets live with host crypto:
//! - private keys: here only ([`keys`]); the guest asks for signatures;
//! - ephemeral key-exchange private keys: here only ([`kx`]);
//! - traffic keys (TLS 1.3 and 1.2): derived in the guest, then held here for
//!   record protection ([`aead`]);
//! - the shared secret and the key schedule's secrets: in the guest; each
//!   HMAC of the key schedule lends its key to the host for that call only
//!   ([`hash`]).
//!
//! Every handle lives in its connection's `ResourceTable`, so it goes away
//! with the connection's store; nothing a guest can reach is shared between
//! connections.

mod aead;
mod chacha;
mod hash;
pub(crate) mod keys;
mod kx;
pub(crate) mod seal_plan;
mod sign;
mod verify;

pub use aead::AeadKey;
pub(crate) use aead::add_seal_without_copies;
pub use hash::HashContext;
pub use kx::KeyExchange;
pub use sign::HostSigningKey;

use crate::bindings::tlsbox::tls::crypto::{
    HashAlgorithm, Host, PrivateKeyFormat, SignatureAlgorithm,
};
use crate::sandbox::SandboxState;
use rustls::pki_types::PrivateKeyDer;
use wasmtime::component::Resource;

impl Host for SandboxState {
    fn signing_key_for(
        &mut self,
        certificate: Vec<u8>,
    ) -> wasmtime::Result<Option<Resource<HostSigningKey>>> {
        let Some(key) = self.keys().find(&certificate) else {
            return Ok(None);
        };
        Ok(Some(self.table().push(HostSigningKey::new(key))?))
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
        match rustls::crypto::ring::default_provider()
            .key_provider
            .load_private_key(der)
        {
            Ok(key) => Ok(Ok(self.table().push(HostSigningKey::new(key))?)),
            // The guest wraps the message as rustls' ring provider would.
            Err(rustls::Error::General(message)) => Ok(Err(message)),
            Err(error) => Ok(Err(error.to_string())),
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
        Ok(hash::hash(algorithm, &data))
    }

    fn hmac(
        &mut self,
        algorithm: HashAlgorithm,
        key: Vec<u8>,
        data: Vec<u8>,
    ) -> wasmtime::Result<Vec<u8>> {
        Ok(hash::hmac(algorithm, &key, &data))
    }
}
