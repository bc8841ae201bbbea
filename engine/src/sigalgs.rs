//! Node's `sigalgs`: the signature schemes a side offers, accepts and signs
//! with, named as OpenSSL names them.
//!
//! A list restricts three things, as OpenSSL's `SSL_CTX_set1_sigalgs_list`
//! does: the schemes this side offers (a client's `signature_algorithms`,
//! a server's CertificateRequest), the ones it accepts from the peer, and
//! the ones its own key may sign with. Without a common one, the side that
//! must sign fails with `ERR_SSL_NO_SUITABLE_SIGNATURE_ALGORITHM` and sends
//! `handshake_failure`.

use std::sync::Arc;

use rustls::SignatureScheme;
use rustls::sign::{CertifiedKey, Signer, SigningKey};
use rustls::{SignatureAlgorithm, SignatureScheme as S};

use crate::error::{Error, ErrorCode};

/// The TLS 1.3 names OpenSSL takes, as rustls' schemes.
const NAMED: [(&str, SignatureScheme); 16] = [
    ("rsa_pkcs1_sha1", S::RSA_PKCS1_SHA1),
    ("ecdsa_sha1", S::ECDSA_SHA1_Legacy),
    ("rsa_pkcs1_sha256", S::RSA_PKCS1_SHA256),
    ("rsa_pkcs1_sha384", S::RSA_PKCS1_SHA384),
    ("rsa_pkcs1_sha512", S::RSA_PKCS1_SHA512),
    ("ecdsa_secp256r1_sha256", S::ECDSA_NISTP256_SHA256),
    ("ecdsa_secp384r1_sha384", S::ECDSA_NISTP384_SHA384),
    ("ecdsa_secp521r1_sha512", S::ECDSA_NISTP521_SHA512),
    ("rsa_pss_rsae_sha256", S::RSA_PSS_SHA256),
    ("rsa_pss_rsae_sha384", S::RSA_PSS_SHA384),
    ("rsa_pss_rsae_sha512", S::RSA_PSS_SHA512),
    // rustls has no RSASSA-PSS-keyed certificates: these name what
    // OpenSSL would offer for them, and match no key here.
    ("rsa_pss_pss_sha256", S::Unknown(0x0809)),
    ("rsa_pss_pss_sha384", S::Unknown(0x080a)),
    ("rsa_pss_pss_sha512", S::Unknown(0x080b)),
    ("ed25519", S::ED25519),
    ("ed448", S::ED448),
];

/// The schemes a `sigalgs` list names, in its order: OpenSSL's TLS 1.3
/// names (`rsa_pss_rsae_sha256`, `ecdsa_secp256r1_sha256`, `ed25519`) or
/// `ALGORITHM+HASH` (`RSA+SHA256`, `RSA-PSS+SHA256` or `PSS+SHA256`,
/// `ECDSA+SHA384`), separated by `:`, in any case. `None` for no list (the
/// engine's defaults); an unknown or empty entry is an error naming the
/// forms taken.
pub fn select(list: Option<&str>) -> Result<Option<Arc<[SignatureScheme]>>, Error> {
    let Some(list) = list else {
        return Ok(None);
    };
    let mut schemes = Vec::new();
    for entry in list.split(':') {
        for scheme in parse(entry.trim())? {
            if !schemes.contains(&scheme) {
                schemes.push(scheme);
            }
        }
    }
    Ok(Some(schemes.into()))
}

fn parse(entry: &str) -> Result<Vec<SignatureScheme>, Error> {
    let lower = entry.to_ascii_lowercase();
    if let Some((_, scheme)) = NAMED.iter().find(|(name, _)| *name == lower) {
        return Ok(vec![*scheme]);
    }
    let unknown = || {
        Error::new(
            ErrorCode::ErrInvalidArgValue,
            format!(
                "unknown signature algorithm {entry:?} in sigalgs: use OpenSSL's names, \
                 ALGORITHM+HASH (RSA, RSA-PSS, ECDSA with SHA1, SHA256, SHA384, SHA512) \
                 or a TLS 1.3 name (rsa_pss_rsae_sha256, ecdsa_secp256r1_sha256, ed25519)"
            ),
        )
    };
    let (algorithm, hash) = lower.split_once('+').ok_or_else(unknown)?;
    let hash = hash.replace('-', "");
    let named = |name: String| {
        NAMED
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, scheme)| *scheme)
    };
    let schemes: Vec<SignatureScheme> = match algorithm {
        "rsa" => named(format!("rsa_pkcs1_{hash}")).into_iter().collect(),
        "rsa-pss" | "pss" => [
            named(format!("rsa_pss_rsae_{hash}")),
            named(format!("rsa_pss_pss_{hash}")),
        ]
        .into_iter()
        .flatten()
        .collect(),
        "ecdsa" => match hash.as_str() {
            "sha1" => vec![S::ECDSA_SHA1_Legacy],
            "sha256" => vec![S::ECDSA_NISTP256_SHA256],
            "sha384" => vec![S::ECDSA_NISTP384_SHA384],
            "sha512" => vec![S::ECDSA_NISTP521_SHA512],
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    match schemes.is_empty() {
        true => Err(unknown()),
        false => Ok(schemes),
    }
}

/// `key` signing only with `allowed` schemes.
pub(crate) fn restrict(
    key: &Arc<CertifiedKey>,
    allowed: &Arc<[SignatureScheme]>,
) -> Arc<CertifiedKey> {
    Arc::new(CertifiedKey {
        key: Arc::new(RestrictedKey {
            inner: key.key.clone(),
            allowed: allowed.clone(),
        }),
        ..CertifiedKey::clone(key)
    })
}

/// `schemes` without those `allowed` does not name (all when `None`).
pub(crate) fn filter(
    schemes: Vec<SignatureScheme>,
    allowed: Option<&[SignatureScheme]>,
) -> Vec<SignatureScheme> {
    match allowed {
        Some(allowed) => schemes
            .into_iter()
            .filter(|s| allowed.contains(s))
            .collect(),
        None => schemes,
    }
}

/// A signing key that chooses only among the allowed schemes.
#[derive(Debug)]
struct RestrictedKey {
    inner: Arc<dyn SigningKey>,
    allowed: Arc<[SignatureScheme]>,
}

impl SigningKey for RestrictedKey {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn Signer>> {
        let offered = filter(offered.to_vec(), Some(&self.allowed));
        self.inner.choose_scheme(&offered)
    }

    fn public_key(&self) -> Option<rustls_pki_types::SubjectPublicKeyInfoDer<'_>> {
        self.inner.public_key()
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        self.inner.algorithm()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openssl_forms_name_the_same_schemes() {
        let list = select(Some(
            "RSA-PSS+SHA256:ecdsa_secp384r1_sha384:RSA+SHA512:ED25519",
        ))
        .unwrap()
        .unwrap();
        assert_eq!(
            &list[..],
            &[
                S::RSA_PSS_SHA256,
                S::Unknown(0x0809),
                S::ECDSA_NISTP384_SHA384,
                S::RSA_PKCS1_SHA512,
                S::ED25519
            ]
        );
        assert_eq!(
            &select(Some("ECDSA+SHA256:ecdsa_secp256r1_sha256"))
                .unwrap()
                .unwrap()[..],
            &[S::ECDSA_NISTP256_SHA256]
        );
        assert_eq!(select(None).unwrap(), None);
    }

    #[test]
    fn unknown_entries_name_the_forms_taken() {
        for bad in ["bogus", "RSA+MD5", "DSA+SHA256", "", "ECDSA+"] {
            let error = select(Some(bad)).unwrap_err();
            assert_eq!(error.code, ErrorCode::ErrInvalidArgValue, "{bad}");
            assert!(error.message.contains("ALGORITHM+HASH"), "{bad}");
        }
    }
}
