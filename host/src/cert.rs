//! The peer certificate as Node's `getPeerCertificate()` shows it.

use serde_json::Value;
use tlsbox_node_shapes::json::{self, CertificateView};

use crate::bindings::tlsbox::tls::types;

/// A certificate in the shape of Node's `getPeerCertificate()`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerCertificate {
    /// Subject attributes in certificate order (`CN`, `O`, ...).
    pub subject: Vec<(String, String)>,
    /// Issuer attributes in certificate order.
    pub issuer: Vec<(String, String)>,
    /// `DNS:a.test, IP Address:127.0.0.1`; `None` without a SAN extension.
    pub subjectaltname: Option<String>,
    /// Not before, as OpenSSL prints it: `Nov  6 09:52:22 2029 GMT`.
    pub valid_from: String,
    /// Not after, same form.
    pub valid_to: String,
    /// Uppercase hex.
    pub serial_number: String,
    /// SHA-1 of the DER, `AB:CD:...`.
    pub fingerprint: String,
    /// SHA-256 of the DER, `AB:CD:...`.
    pub fingerprint256: String,
    /// SHA-512 of the DER, `AB:CD:...`.
    pub fingerprint512: String,
    /// Key size in bits.
    pub bits: u32,
    /// The public key bytes as Node gives them in `pubkey`.
    pub pubkey: Vec<u8>,
    /// RSA modulus (uppercase hex), when RSA.
    pub modulus: Option<String>,
    /// RSA exponent (`0x10001`), when RSA.
    pub exponent: Option<String>,
    /// OpenSSL's curve name (`prime256v1`), when EC.
    pub asn1_curve: Option<String>,
    /// NIST's curve name (`P-256`), when EC.
    pub nist_curve: Option<String>,
    /// Extended key usage OIDs, when the extension is present.
    pub ext_key_usage: Option<Vec<String>>,
    /// The certificate may act as a CA.
    pub ca: bool,
    /// Authority information access: (`OCSP - URI`, url) pairs.
    pub info_access: Vec<(String, String)>,
    /// The certificate, DER.
    pub raw: Vec<u8>,
    /// The issuer's certificate, when known (Node's `getPeerCertificate(true)`).
    /// A self-signed root has none here (Node points it at itself).
    pub issuer_certificate: Option<Box<PeerCertificate>>,
}

impl PeerCertificate {
    /// Builds the leaf from a chain reported by the guest: leaf first, then
    /// each issuer, linked through `issuer_certificate`.
    pub(crate) fn from_chain(chain: Vec<types::PeerCertificate>) -> Option<Self> {
        chain.into_iter().rev().fold(None, |issuer, cert| {
            let mut cert = Self::from_guest(cert);
            cert.issuer_certificate = issuer.map(Box::new);
            Some(cert)
        })
    }

    fn from_guest(c: types::PeerCertificate) -> Self {
        let pairs =
            |list: Vec<types::NameAttribute>| list.into_iter().map(|a| (a.key, a.value)).collect();
        let (modulus, exponent, asn1_curve, nist_curve) = match c.key {
            types::PublicKeyInfo::Rsa(k) => (Some(k.modulus), Some(k.exponent), None, None),
            types::PublicKeyInfo::Ec(k) => (None, None, k.asn1_curve, k.nist_curve),
            types::PublicKeyInfo::Other => (None, None, None, None),
        };
        Self {
            subject: pairs(c.subject),
            issuer: pairs(c.issuer),
            subjectaltname: c.subjectaltname,
            valid_from: c.valid_from,
            valid_to: c.valid_to,
            serial_number: c.serial_number,
            fingerprint: c.fingerprint,
            fingerprint256: c.fingerprint256,
            fingerprint512: c.fingerprint512,
            bits: c.bits,
            pubkey: c.pubkey,
            modulus,
            exponent,
            asn1_curve,
            nist_curve,
            ext_key_usage: c.ext_key_usage,
            ca: c.ca,
            info_access: pairs(c.info_access),
            raw: c.raw,
            issuer_certificate: None,
        }
    }

    /// The subject's common name, if any.
    pub fn common_name(&self) -> Option<&str> {
        self.subject
            .iter()
            .find(|(k, _)| k == "CN")
            .map(|(_, v)| v.as_str())
    }

    /// Node's object as JSON. `raw` and `pubkey` are hex strings (Node has
    /// Buffers); `issuerCertificate` is included when `detailed`.
    pub fn to_json(&self, detailed: bool) -> Value {
        let mut chain = vec![self.view()];
        let mut issuer = &self.issuer_certificate;
        while let (true, Some(cert)) = (detailed, issuer) {
            chain.push(cert.view());
            issuer = &cert.issuer_certificate;
        }
        json::certificate(&chain, detailed)
    }

    /// This certificate alone, borrowed for the shared JSON builder.
    fn view(&self) -> CertificateView<'_> {
        CertificateView {
            subject: pairs(&self.subject),
            issuer: pairs(&self.issuer),
            subjectaltname: self.subjectaltname.as_deref(),
            valid_from: &self.valid_from,
            valid_to: &self.valid_to,
            serial_number: &self.serial_number,
            fingerprint: &self.fingerprint,
            fingerprint256: &self.fingerprint256,
            fingerprint512: &self.fingerprint512,
            bits: self.bits,
            pubkey: &self.pubkey,
            rsa: self.modulus.as_deref().zip(self.exponent.as_deref()),
            asn1_curve: self.asn1_curve.as_deref(),
            nist_curve: self.nist_curve.as_deref(),
            ext_key_usage: self.ext_key_usage.as_deref(),
            ca: self.ca,
            info_access: pairs(&self.info_access),
            raw: &self.raw,
        }
    }
}

fn pairs(list: &[(String, String)]) -> Vec<(&str, &str)> {
    list.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}
