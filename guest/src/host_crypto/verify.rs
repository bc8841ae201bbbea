//! Signature verification in the host: certificate signatures while a
//! chain is built, and the peer's handshake signature. Only public data
//! crosses: the key, the message and the signature.
//!
//! The tables mirror rustls' ring provider and webpki's ring algorithms
//! (same algorithms, same X.509 identifiers, same scheme mapping), so both
//! engine builds accept exactly the same signatures.

use rustls::SignatureScheme;
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::alg_id;
use rustls::pki_types::{AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm};

use crate::bindings::tlsbox::tls::crypto::{self, SignatureAlgorithm as Alg};

/// One algorithm, verified by the host.
#[derive(Debug)]
struct HostVerify {
    algorithm: Alg,
    public_key_alg_id: AlgorithmIdentifier,
    signature_alg_id: AlgorithmIdentifier,
}

impl SignatureVerificationAlgorithm for HostVerify {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        match crypto::verify_signature(self.algorithm, public_key, message, signature) {
            true => Ok(()),
            false => Err(InvalidSignature),
        }
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        self.public_key_alg_id
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        self.signature_alg_id
    }
}

/// PKCS#1 signature identifiers without the NULL parameters RFC 4055 asks
/// for, which some certificates leave out (webpki accepts both): the OID
/// alone (sha256/384/512WithRSAEncryption, 1.2.840.113549.1.1.11-13).
const fn rsa_pkcs1_absent_params(last: u8) -> [u8; 11] {
    [
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, last,
    ]
}
const RSA_PKCS1_SHA256_ABSENT: [u8; 11] = rsa_pkcs1_absent_params(0x0b);
const RSA_PKCS1_SHA384_ABSENT: [u8; 11] = rsa_pkcs1_absent_params(0x0c);
const RSA_PKCS1_SHA512_ABSENT: [u8; 11] = rsa_pkcs1_absent_params(0x0d);

macro_rules! host_algorithms {
    ($($name:ident => $alg:ident, $key:expr, $signature:expr;)*) => {
        $(static $name: HostVerify = HostVerify {
            algorithm: Alg::$alg,
            public_key_alg_id: $key,
            signature_alg_id: $signature,
        };)*
    };
}

host_algorithms! {
    ECDSA_P256_SHA256 => EcdsaP256Sha256, alg_id::ECDSA_P256, alg_id::ECDSA_SHA256;
    ECDSA_P256_SHA384 => EcdsaP256Sha384, alg_id::ECDSA_P256, alg_id::ECDSA_SHA384;
    ECDSA_P384_SHA256 => EcdsaP384Sha256, alg_id::ECDSA_P384, alg_id::ECDSA_SHA256;
    ECDSA_P384_SHA384 => EcdsaP384Sha384, alg_id::ECDSA_P384, alg_id::ECDSA_SHA384;
    ED25519 => Ed25519, alg_id::ED25519, alg_id::ED25519;
    RSA_PSS_2048_8192_SHA256_LEGACY_KEY => RsaPss20488192Sha256LegacyKey,
        alg_id::RSA_ENCRYPTION, alg_id::RSA_PSS_SHA256;
    RSA_PSS_2048_8192_SHA384_LEGACY_KEY => RsaPss20488192Sha384LegacyKey,
        alg_id::RSA_ENCRYPTION, alg_id::RSA_PSS_SHA384;
    RSA_PSS_2048_8192_SHA512_LEGACY_KEY => RsaPss20488192Sha512LegacyKey,
        alg_id::RSA_ENCRYPTION, alg_id::RSA_PSS_SHA512;
    RSA_PKCS1_2048_8192_SHA256 => RsaPkcs120488192Sha256,
        alg_id::RSA_ENCRYPTION, alg_id::RSA_PKCS1_SHA256;
    RSA_PKCS1_2048_8192_SHA384 => RsaPkcs120488192Sha384,
        alg_id::RSA_ENCRYPTION, alg_id::RSA_PKCS1_SHA384;
    RSA_PKCS1_2048_8192_SHA512 => RsaPkcs120488192Sha512,
        alg_id::RSA_ENCRYPTION, alg_id::RSA_PKCS1_SHA512;
    RSA_PKCS1_2048_8192_SHA256_ABSENT_PARAMS => RsaPkcs120488192Sha256AbsentParams,
        alg_id::RSA_ENCRYPTION, AlgorithmIdentifier::from_slice(&RSA_PKCS1_SHA256_ABSENT);
    RSA_PKCS1_2048_8192_SHA384_ABSENT_PARAMS => RsaPkcs120488192Sha384AbsentParams,
        alg_id::RSA_ENCRYPTION, AlgorithmIdentifier::from_slice(&RSA_PKCS1_SHA384_ABSENT);
    RSA_PKCS1_2048_8192_SHA512_ABSENT_PARAMS => RsaPkcs120488192Sha512AbsentParams,
        alg_id::RSA_ENCRYPTION, AlgorithmIdentifier::from_slice(&RSA_PKCS1_SHA512_ABSENT);
}

/// Every algorithm, and which may carry each TLS signature scheme (for
/// TLS 1.2, where the scheme does not fix the curve, either curve).
pub(super) static ALGORITHMS: WebPkiSupportedAlgorithms = WebPkiSupportedAlgorithms {
    all: &[
        &ECDSA_P256_SHA256,
        &ECDSA_P256_SHA384,
        &ECDSA_P384_SHA256,
        &ECDSA_P384_SHA384,
        &ED25519,
        &RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
        &RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
        &RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
        &RSA_PKCS1_2048_8192_SHA256,
        &RSA_PKCS1_2048_8192_SHA384,
        &RSA_PKCS1_2048_8192_SHA512,
        &RSA_PKCS1_2048_8192_SHA256_ABSENT_PARAMS,
        &RSA_PKCS1_2048_8192_SHA384_ABSENT_PARAMS,
        &RSA_PKCS1_2048_8192_SHA512_ABSENT_PARAMS,
    ],
    mapping: &[
        (
            SignatureScheme::ECDSA_NISTP384_SHA384,
            &[&ECDSA_P384_SHA384, &ECDSA_P256_SHA384],
        ),
        (
            SignatureScheme::ECDSA_NISTP256_SHA256,
            &[&ECDSA_P256_SHA256, &ECDSA_P384_SHA256],
        ),
        (SignatureScheme::ED25519, &[&ED25519]),
        (
            SignatureScheme::RSA_PSS_SHA512,
            &[&RSA_PSS_2048_8192_SHA512_LEGACY_KEY],
        ),
        (
            SignatureScheme::RSA_PSS_SHA384,
            &[&RSA_PSS_2048_8192_SHA384_LEGACY_KEY],
        ),
        (
            SignatureScheme::RSA_PSS_SHA256,
            &[&RSA_PSS_2048_8192_SHA256_LEGACY_KEY],
        ),
        (
            SignatureScheme::RSA_PKCS1_SHA512,
            &[&RSA_PKCS1_2048_8192_SHA512],
        ),
        (
            SignatureScheme::RSA_PKCS1_SHA384,
            &[&RSA_PKCS1_2048_8192_SHA384],
        ),
        (
            SignatureScheme::RSA_PKCS1_SHA256,
            &[&RSA_PKCS1_2048_8192_SHA256],
        ),
    ],
};
