//! Signature verification with webpki's ring algorithms, natively.

use rustls_pki_types::SignatureVerificationAlgorithm;
use webpki::ring as algs;

use crate::bindings::tlsbox::tls::crypto::SignatureAlgorithm as Alg;

/// True when `signature` over `message` verifies with `public_key`.
pub(crate) fn verify(algorithm: Alg, public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let algorithm: &dyn SignatureVerificationAlgorithm = match algorithm {
        Alg::EcdsaP256Sha256 => algs::ECDSA_P256_SHA256,
        Alg::EcdsaP256Sha384 => algs::ECDSA_P256_SHA384,
        Alg::EcdsaP384Sha256 => algs::ECDSA_P384_SHA256,
        Alg::EcdsaP384Sha384 => algs::ECDSA_P384_SHA384,
        Alg::Ed25519 => algs::ED25519,
        Alg::RsaPss20488192Sha256LegacyKey => algs::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
        Alg::RsaPss20488192Sha384LegacyKey => algs::RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
        Alg::RsaPss20488192Sha512LegacyKey => algs::RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
        Alg::RsaPkcs120488192Sha256 => algs::RSA_PKCS1_2048_8192_SHA256,
        Alg::RsaPkcs120488192Sha384 => algs::RSA_PKCS1_2048_8192_SHA384,
        Alg::RsaPkcs120488192Sha512 => algs::RSA_PKCS1_2048_8192_SHA512,
        Alg::RsaPkcs120488192Sha256AbsentParams => algs::RSA_PKCS1_2048_8192_SHA256_ABSENT_PARAMS,
        Alg::RsaPkcs120488192Sha384AbsentParams => algs::RSA_PKCS1_2048_8192_SHA384_ABSENT_PARAMS,
        Alg::RsaPkcs120488192Sha512AbsentParams => algs::RSA_PKCS1_2048_8192_SHA512_ABSENT_PARAMS,
    };
    algorithm
        .verify_signature(public_key, message, signature)
        .is_ok()
}
