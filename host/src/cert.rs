//! The peer certificate as Node's `getPeerCertificate()` shows it.

use serde_json::{Map, Value, json};

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
        let mut object = Map::new();
        object.insert("subject".into(), name_object(&self.subject));
        object.insert("issuer".into(), name_object(&self.issuer));
        if let Some(san) = &self.subjectaltname {
            object.insert("subjectaltname".into(), json!(san));
        }
        if !self.info_access.is_empty() {
            object.insert("infoAccess".into(), name_object_lists(&self.info_access));
        }
        object.insert("ca".into(), json!(self.ca));
        if let (Some(modulus), Some(exponent)) = (&self.modulus, &self.exponent) {
            object.insert("modulus".into(), json!(modulus));
            object.insert("bits".into(), json!(self.bits));
            object.insert("exponent".into(), json!(exponent));
        } else {
            object.insert("bits".into(), json!(self.bits));
        }
        object.insert("pubkey".into(), json!(hex(&self.pubkey)));
        if let Some(curve) = &self.asn1_curve {
            object.insert("asn1Curve".into(), json!(curve));
        }
        if let Some(curve) = &self.nist_curve {
            object.insert("nistCurve".into(), json!(curve));
        }
        object.insert("valid_from".into(), json!(self.valid_from));
        object.insert("valid_to".into(), json!(self.valid_to));
        object.insert("fingerprint".into(), json!(self.fingerprint));
        object.insert("fingerprint256".into(), json!(self.fingerprint256));
        object.insert("fingerprint512".into(), json!(self.fingerprint512));
        if let Some(eku) = &self.ext_key_usage {
            object.insert("ext_key_usage".into(), json!(eku));
        }
        object.insert("serialNumber".into(), json!(self.serial_number));
        object.insert("raw".into(), json!(hex(&self.raw)));
        if detailed {
            let issuer = match &self.issuer_certificate {
                Some(issuer) => issuer.to_json(true),
                None => Value::Null,
            };
            object.insert("issuerCertificate".into(), issuer);
        }
        Value::Object(object)
    }
}

/// `{ C: 'NZ', OU: ['One', 'Two'], CN: 'x' }`: a repeated attribute becomes a list.
fn name_object(attributes: &[(String, String)]) -> Value {
    let mut object = Map::new();
    for (key, value) in attributes {
        match object.get_mut(key) {
            None => {
                object.insert(key.clone(), json!(value));
            }
            Some(Value::Array(list)) => list.push(json!(value)),
            Some(existing) => {
                let first = existing.take();
                *existing = json!([first, value]);
            }
        }
    }
    Value::Object(object)
}

/// `infoAccess`: every key maps to a list, as in Node.
fn name_object_lists(attributes: &[(String, String)]) -> Value {
    let mut object = Map::new();
    for (key, value) in attributes {
        let entry = object.entry(key.clone()).or_insert_with(|| json!([]));
        if let Value::Array(list) = entry {
            list.push(json!(value));
        }
    }
    Value::Object(object)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
