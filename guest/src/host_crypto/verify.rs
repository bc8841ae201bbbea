//! Signature verification in the host: certificate signatures while a
//! chain is built, and the peer's handshake signature. Only public data
//! crosses: the key, the message and the signature.
//!
//! The tables mirror rustls' ring provider (same algorithms, same scheme
//! mapping) so both builds accept exactly the same signatures; each entry
//! takes its X.509 algorithm identifiers from webpki's ring algorithm of
//! the same name.

use rustls::SignatureScheme;
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm};
use webpki::ring as algs;

use crate::bindings::tlsbox::tls::crypto::{self, SignatureAlgorithm as Alg};

/// One algorithm, verified by the host.
#[derive(Debug)]
struct HostVerify {
    algorithm: Alg,
    /// webpki's algorithm of the same name, for its identifiers only.
    ids: &'static dyn SignatureVerificationAlgorithm,
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
        self.ids.public_key_alg_id()
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        self.ids.signature_alg_id()
    }
}

macro_rules! host_algorithms {
    ($($name:ident => $alg:ident),* $(,)?) => {
        $(static $name: HostVerify = HostVerify { algorithm: Alg::$alg, ids: algs::$name };)*
    };
}

host_algorithms! {
    ECDSA_P256_SHA256 => EcdsaP256Sha256,
    ECDSA_P256_SHA384 => EcdsaP256Sha384,
    ECDSA_P384_SHA256 => EcdsaP384Sha256,
    ECDSA_P384_SHA384 => EcdsaP384Sha384,
    ED25519 => Ed25519,
    RSA_PSS_2048_8192_SHA256_LEGACY_KEY => RsaPss20488192Sha256LegacyKey,
    RSA_PSS_2048_8192_SHA384_LEGACY_KEY => RsaPss20488192Sha384LegacyKey,
    RSA_PSS_2048_8192_SHA512_LEGACY_KEY => RsaPss20488192Sha512LegacyKey,
    RSA_PKCS1_2048_8192_SHA256 => RsaPkcs120488192Sha256,
    RSA_PKCS1_2048_8192_SHA384 => RsaPkcs120488192Sha384,
    RSA_PKCS1_2048_8192_SHA512 => RsaPkcs120488192Sha512,
    RSA_PKCS1_2048_8192_SHA256_ABSENT_PARAMS => RsaPkcs120488192Sha256AbsentParams,
    RSA_PKCS1_2048_8192_SHA384_ABSENT_PARAMS => RsaPkcs120488192Sha384AbsentParams,
    RSA_PKCS1_2048_8192_SHA512_ABSENT_PARAMS => RsaPkcs120488192Sha512AbsentParams,
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
