//! Transcript hashes and HMAC in the host. HKDF (TLS 1.3) and the PRF
//! (TLS 1.2) are rustls' own constructions over this HMAC, so the key
//! schedule's logic stays here while its arithmetic runs natively.

use rustls::crypto::hash::{self, HashAlgorithm};
use rustls::crypto::hmac::{self, Tag};
use rustls::crypto::tls12::PrfUsingHmac;
use rustls::crypto::tls13::HkdfUsingHmac;

use crate::bindings::tlsbox::tls::crypto::{self as host, HashAlgorithm as HostAlgorithm};

/// SHA-256 or SHA-384, in the host.
struct HostHash {
    algorithm: HostAlgorithm,
    output_len: usize,
}

pub(super) static SHA256: &dyn hash::Hash = &HostHash {
    algorithm: HostAlgorithm::Sha256,
    output_len: 32,
};
pub(super) static SHA384: &dyn hash::Hash = &HostHash {
    algorithm: HostAlgorithm::Sha384,
    output_len: 48,
};

impl hash::Hash for HostHash {
    fn start(&self) -> Box<dyn hash::Context> {
        Box::new(HostContext(host::HashContext::new(self.algorithm)))
    }

    fn hash(&self, data: &[u8]) -> hash::Output {
        hash::Output::new(&host::hash(self.algorithm, data))
    }

    fn output_len(&self) -> usize {
        self.output_len
    }

    fn algorithm(&self) -> HashAlgorithm {
        match self.algorithm {
            HostAlgorithm::Sha256 => HashAlgorithm::SHA256,
            HostAlgorithm::Sha384 => HashAlgorithm::SHA384,
        }
    }
}

/// A running hash whose state is in the host.
struct HostContext(host::HashContext);

impl hash::Context for HostContext {
    fn fork_finish(&self) -> hash::Output {
        hash::Output::new(&self.0.digest())
    }

    fn fork(&self) -> Box<dyn hash::Context> {
        Box::new(HostContext(self.0.fork()))
    }

    fn finish(self: Box<Self>) -> hash::Output {
        self.fork_finish()
    }

    fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }
}

/// HMAC with SHA-256 or SHA-384, in the host.
struct HostHmac(&'static HostHash);

static HMAC_SHA256: HostHmac = HostHmac(&HostHash {
    algorithm: HostAlgorithm::Sha256,
    output_len: 32,
});
static HMAC_SHA384: HostHmac = HostHmac(&HostHash {
    algorithm: HostAlgorithm::Sha384,
    output_len: 48,
});

/// TLS 1.3's HKDF over the host's HMAC.
pub(super) static HKDF_SHA256: HkdfUsingHmac<'static> = HkdfUsingHmac(&HMAC_SHA256);
pub(super) static HKDF_SHA384: HkdfUsingHmac<'static> = HkdfUsingHmac(&HMAC_SHA384);
/// TLS 1.2's PRF over the host's HMAC.
pub(super) static PRF_SHA256: PrfUsingHmac<'static> = PrfUsingHmac(&HMAC_SHA256);
pub(super) static PRF_SHA384: PrfUsingHmac<'static> = PrfUsingHmac(&HMAC_SHA384);

impl hmac::Hmac for HostHmac {
    fn with_key(&self, key: &[u8]) -> Box<dyn hmac::Key> {
        Box::new(HostHmacKey {
            hash: self.0,
            key: key.to_vec(),
        })
    }

    fn hash_output_len(&self) -> usize {
        self.0.output_len
    }
}

/// An HMAC key: kept here and sent with each use (the host keeps nothing).
struct HostHmacKey {
    hash: &'static HostHash,
    key: Vec<u8>,
}

impl hmac::Key for HostHmacKey {
    fn sign_concat(&self, first: &[u8], middle: &[&[u8]], last: &[u8]) -> Tag {
        // HKDF and the PRF sign a few short pieces: one contiguous copy
        // makes it one call.
        let mut data = first.to_vec();
        middle.iter().for_each(|part| data.extend_from_slice(part));
        data.extend_from_slice(last);
        Tag::new(&host::hmac(self.hash.algorithm, &self.key, &data))
    }

    fn tag_len(&self) -> usize {
        self.hash.output_len
    }
}
