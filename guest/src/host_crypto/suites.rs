//! The cipher suites over the host's primitives: record protection
//! ([`super::record`]) and the transcript hash, HKDF and PRF over the
//! host's HMAC ([`super::hash`]). The list, its order and each suite's
//! limits and TLS 1.2 signature schemes are those of rustls' default
//! (ring) provider, so both engine builds offer the same suites.

use std::sync::OnceLock;

use rustls::crypto::KeyExchangeAlgorithm;
use rustls::crypto::hash::Hash;
use rustls::{
    CipherSuite, CipherSuiteCommon, SignatureScheme, SupportedCipherSuite, Tls12CipherSuite,
    Tls13CipherSuite,
};

use super::{hash, record};

/// AES-GCM's confidentiality limit in records (RFC 8446 §5.5); ChaCha20-
/// Poly1305 has none that a connection can reach.
const GCM_LIMIT: u64 = 1 << 24;

/// One suite: its code, whether its hash is SHA-384, its record limit, and
/// for TLS 1.2 the schemes its certificate may sign with.
struct Suite {
    suite: CipherSuite,
    sha384: bool,
    confidentiality_limit: u64,
    tls12_sign: Option<&'static [SignatureScheme]>,
}

const fn suite(
    suite: CipherSuite,
    sha384: bool,
    confidentiality_limit: u64,
    tls12_sign: Option<&'static [SignatureScheme]>,
) -> Suite {
    Suite {
        suite,
        sha384,
        confidentiality_limit,
        tls12_sign,
    }
}

static TLS12_ECDSA_SCHEMES: &[SignatureScheme] = &[
    SignatureScheme::ED25519,
    SignatureScheme::ECDSA_NISTP521_SHA512,
    SignatureScheme::ECDSA_NISTP384_SHA384,
    SignatureScheme::ECDSA_NISTP256_SHA256,
];

static TLS12_RSA_SCHEMES: &[SignatureScheme] = &[
    SignatureScheme::RSA_PSS_SHA512,
    SignatureScheme::RSA_PSS_SHA384,
    SignatureScheme::RSA_PSS_SHA256,
    SignatureScheme::RSA_PKCS1_SHA512,
    SignatureScheme::RSA_PKCS1_SHA384,
    SignatureScheme::RSA_PKCS1_SHA256,
];

/// Every suite, most preferred first.
static SUITES: [Suite; 9] = {
    use CipherSuite as C;
    const ECDSA: Option<&[SignatureScheme]> = Some(TLS12_ECDSA_SCHEMES);
    const RSA: Option<&[SignatureScheme]> = Some(TLS12_RSA_SCHEMES);
    [
        suite(C::TLS13_AES_256_GCM_SHA384, true, GCM_LIMIT, None),
        suite(C::TLS13_AES_128_GCM_SHA256, false, GCM_LIMIT, None),
        suite(C::TLS13_CHACHA20_POLY1305_SHA256, false, u64::MAX, None),
        suite(
            C::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            true,
            GCM_LIMIT,
            ECDSA,
        ),
        suite(
            C::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            false,
            GCM_LIMIT,
            ECDSA,
        ),
        suite(
            C::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
            false,
            u64::MAX,
            ECDSA,
        ),
        suite(
            C::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
            true,
            GCM_LIMIT,
            RSA,
        ),
        suite(
            C::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            false,
            GCM_LIMIT,
            RSA,
        ),
        suite(
            C::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
            false,
            u64::MAX,
            RSA,
        ),
    ]
};

/// The suites, made once per instance and kept, since rustls wants
/// 'static suites.
pub(super) fn all() -> Vec<SupportedCipherSuite> {
    static MADE: OnceLock<Vec<SupportedCipherSuite>> = OnceLock::new();
    MADE.get_or_init(|| SUITES.iter().filter_map(make).collect())
        .clone()
}

fn make(suite: &Suite) -> Option<SupportedCipherSuite> {
    let hash_provider: &'static dyn Hash = if suite.sha384 {
        hash::SHA384
    } else {
        hash::SHA256
    };
    let common = CipherSuiteCommon {
        suite: suite.suite,
        hash_provider,
        confidentiality_limit: suite.confidentiality_limit,
    };
    Some(match suite.tls12_sign {
        None => SupportedCipherSuite::Tls13(Box::leak(Box::new(Tls13CipherSuite {
            common,
            hkdf_provider: if suite.sha384 {
                &hash::HKDF_SHA384
            } else {
                &hash::HKDF_SHA256
            },
            aead_alg: record::tls13_aead(suite.suite)?,
            quic: None,
        }))),
        Some(sign) => SupportedCipherSuite::Tls12(Box::leak(Box::new(Tls12CipherSuite {
            common,
            prf_provider: if suite.sha384 {
                &hash::PRF_SHA384
            } else {
                &hash::PRF_SHA256
            },
            kx: KeyExchangeAlgorithm::ECDHE,
            sign,
            aead_alg: record::tls12_aead(suite.suite)?,
        }))),
    })
}
