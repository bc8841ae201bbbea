//! Transcript hashes and HMAC with ring, natively.

use ring::{digest, hmac};
use wasmtime::component::Resource;

use crate::bindings::tlsbox::tls::crypto::{HashAlgorithm, HostHashContext};
use crate::sandbox::SandboxState;

/// A running hash.
pub struct HashContext(digest::Context);

fn digest_algorithm(algorithm: HashAlgorithm) -> &'static digest::Algorithm {
    match algorithm {
        HashAlgorithm::Sha256 => &digest::SHA256,
        HashAlgorithm::Sha384 => &digest::SHA384,
    }
}

/// The digest of `data`.
pub(super) fn hash(algorithm: HashAlgorithm, data: &[u8]) -> Vec<u8> {
    digest::digest(digest_algorithm(algorithm), data)
        .as_ref()
        .to_vec()
}

/// HMAC of `data` under `key`.
pub(super) fn hmac(algorithm: HashAlgorithm, key: &[u8], data: &[u8]) -> Vec<u8> {
    let algorithm = match algorithm {
        HashAlgorithm::Sha256 => hmac::HMAC_SHA256,
        HashAlgorithm::Sha384 => hmac::HMAC_SHA384,
    };
    hmac::sign(&hmac::Key::new(algorithm, key), data)
        .as_ref()
        .to_vec()
}

impl HostHashContext for SandboxState {
    fn new(&mut self, algorithm: HashAlgorithm) -> wasmtime::Result<Resource<HashContext>> {
        let context = digest::Context::new(digest_algorithm(algorithm));
        Ok(self.table().push(HashContext(context))?)
    }

    fn update(&mut self, context: Resource<HashContext>, data: Vec<u8>) -> wasmtime::Result<()> {
        self.table().get_mut(&context)?.0.update(&data);
        Ok(())
    }

    fn digest(&mut self, context: Resource<HashContext>) -> wasmtime::Result<Vec<u8>> {
        let context = self.table().get(&context)?.0.clone();
        Ok(context.finish().as_ref().to_vec())
    }

    fn fork(&mut self, context: Resource<HashContext>) -> wasmtime::Result<Resource<HashContext>> {
        let copy = self.table().get(&context)?.0.clone();
        Ok(self.table().push(HashContext(copy))?)
    }

    fn drop(&mut self, context: Resource<HashContext>) -> wasmtime::Result<()> {
        self.table().delete(context)?;
        Ok(())
    }
}
