//! PEM credentials as Node takes them: strings holding one or more blocks.

use pkcs8::der::Decode;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{
    CertificateDer, CertificateRevocationListDer, PrivateKeyDer, PrivatePkcs8KeyDer,
};

use crate::error::{Error, ErrorCode};

const ENCRYPTED_KEY_BEGIN: &str = "-----BEGIN ENCRYPTED PRIVATE KEY-----";
const ENCRYPTED_KEY_END: &str = "-----END ENCRYPTED PRIVATE KEY-----";

/// Every certificate in `pem`, in order. At least one is required.
pub fn certificates(pem: &str) -> Result<Vec<CertificateDer<'static>>, Error> {
    let certs = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| no_start_line(&format!("bad certificate PEM: {e}")))?;
    if certs.is_empty() {
        return Err(no_start_line("no certificate found in PEM"));
    }
    Ok(certs)
}

/// Every CRL in `pem`, in order. At least one is required.
pub fn crls(pem: &str) -> Result<Vec<CertificateRevocationListDer<'static>>, Error> {
    let crls = CertificateRevocationListDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| no_start_line(&format!("bad CRL PEM: {e}")))?;
    if crls.is_empty() {
        return Err(no_start_line("no CRL found in PEM"));
    }
    Ok(crls)
}

/// The private key in `pem`: PKCS#8, PKCS#1 (RSA) or SEC1 (EC), or an
/// encrypted PKCS#8 key opened with `passphrase`.
pub fn private_key(pem: &str, passphrase: Option<&str>) -> Result<PrivateKeyDer<'static>, Error> {
    if let Some(encrypted) = encrypted_block(pem) {
        return decrypt_key(encrypted, passphrase);
    }
    PrivateKeyDer::from_pem_slice(pem.as_bytes())
        .map_err(|_| no_start_line("no private key found in PEM"))
}

fn encrypted_block(pem: &str) -> Option<&str> {
    let start = pem.find(ENCRYPTED_KEY_BEGIN)?;
    let end = pem[start..].find(ENCRYPTED_KEY_END)? + start + ENCRYPTED_KEY_END.len();
    Some(&pem[start..end])
}

fn decrypt_key(block: &str, passphrase: Option<&str>) -> Result<PrivateKeyDer<'static>, Error> {
    let bad_decrypt = || Error::new(ErrorCode::ErrOsslBadDecrypt, "bad decrypt");
    let Some(passphrase) = passphrase else {
        return Err(Error::new(
            ErrorCode::ErrOsslBadDecrypt,
            "the key is encrypted and no passphrase was given",
        ));
    };
    let (_, document) = pkcs8::der::Document::from_pem(block)
        .map_err(|_| no_start_line("bad encrypted private key PEM"))?;
    let info = pkcs8::EncryptedPrivateKeyInfo::from_der(document.as_bytes())
        .map_err(|_| no_start_line("bad encrypted private key"))?;
    let decrypted = info
        .decrypt(passphrase.as_bytes())
        .map_err(|_| bad_decrypt())?;
    // A wrong passphrase can still yield bytes; they must parse as PKCS#8.
    pkcs8::PrivateKeyInfo::from_der(decrypted.as_bytes()).map_err(|_| bad_decrypt())?;
    Ok(PrivatePkcs8KeyDer::from(decrypted.as_bytes().to_vec()).into())
}

fn no_start_line(message: &str) -> Error {
    Error::new(ErrorCode::ErrOsslPemNoStartLine, message)
}
