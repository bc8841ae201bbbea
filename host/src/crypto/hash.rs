//! Transcript hashes and HMAC with ring, natively.

use ring::{digest, hmac};

/// A running hash.
pub struct HashContext(digest::Context);

impl HashContext {
    /// A hash of nothing yet.
    pub(crate) fn new(algorithm: &'static digest::Algorithm) -> Self {
        Self(digest::Context::new(algorithm))
    }

    /// Hashes `data` in.
    pub(crate) fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    /// The digest so far; the hash runs on.
    pub(crate) fn digest(&self) -> Vec<u8> {
        self.0.clone().finish().as_ref().to_vec()
    }

    /// A copy that runs on apart from this one.
    pub(crate) fn fork(&self) -> Self {
        Self(self.0.clone())
    }
}

/// The digest of `data`.
pub(crate) fn hash(algorithm: &'static digest::Algorithm, data: &[u8]) -> Vec<u8> {
    digest::digest(algorithm, data).as_ref().to_vec()
}

/// HMAC of `data` under `key`.
pub(crate) fn hmac(algorithm: hmac::Algorithm, key: &[u8], data: &[u8]) -> Vec<u8> {
    hmac::sign(&hmac::Key::new(algorithm, key), data)
        .as_ref()
        .to_vec()
}
