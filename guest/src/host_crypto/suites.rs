//! The cipher suites of ring's provider, rebuilt over the host's
//! primitives: record protection ([`super::record`]) and the transcript
//! hash, HKDF and PRF over the host's HMAC ([`super::hash`]). A suite the
//! host has no AEAD for stays as it is.

use std::sync::OnceLock;

use rustls::crypto::hash::{Hash, HashAlgorithm};
use rustls::{CipherSuiteCommon, SupportedCipherSuite, Tls12CipherSuite, Tls13CipherSuite};

use super::{hash, record};

/// `suites`, moved to the host; made once per instance and kept, since
/// rustls wants 'static suites.
pub(super) fn on_host(suites: &[SupportedCipherSuite]) -> Vec<SupportedCipherSuite> {
    static SUITES: OnceLock<Vec<SupportedCipherSuite>> = OnceLock::new();
    SUITES
        .get_or_init(|| suites.iter().map(|suite| on_host_one(*suite)).collect())
        .clone()
}

fn on_host_one(suite: SupportedCipherSuite) -> SupportedCipherSuite {
    match suite {
        SupportedCipherSuite::Tls13(base) => {
            let Some(aead) = record::tls13_aead(base.common.suite) else {
                return suite;
            };
            let sha384 = is_sha384(base.common.hash_provider);
            SupportedCipherSuite::Tls13(Box::leak(Box::new(Tls13CipherSuite {
                common: common(&base.common),
                hkdf_provider: if sha384 {
                    &hash::HKDF_SHA384
                } else {
                    &hash::HKDF_SHA256
                },
                aead_alg: aead,
                quic: None,
            })))
        }
        SupportedCipherSuite::Tls12(base) => {
            let Some(aead) = record::tls12_aead(base.common.suite) else {
                return suite;
            };
            let sha384 = is_sha384(base.common.hash_provider);
            SupportedCipherSuite::Tls12(Box::leak(Box::new(Tls12CipherSuite {
                common: common(&base.common),
                prf_provider: if sha384 {
                    &hash::PRF_SHA384
                } else {
                    &hash::PRF_SHA256
                },
                kx: base.kx,
                sign: base.sign,
                aead_alg: aead,
            })))
        }
    }
}

fn is_sha384(hash: &dyn Hash) -> bool {
    hash.algorithm() == HashAlgorithm::SHA384
}

fn common(base: &CipherSuiteCommon) -> CipherSuiteCommon {
    CipherSuiteCommon {
        suite: base.suite,
        hash_provider: if is_sha384(base.hash_provider) {
            hash::SHA384
        } else {
            hash::SHA256
        },
        confidentiality_limit: base.confidentiality_limit,
    }
}
