//! Node's JSON shapes: a `TLSSocket`'s state and `getPeerCertificate(true)`,
//! built from borrowed views so that the host (which gets its data through
//! WIT) and the command component (which calls the engine directly) print
//! byte-for-byte the same lines.

use std::net::SocketAddr;

use serde_json::{Map, Value, json};

/// A certificate's fields, borrowed, in the shape of Node's `getPeerCertificate()`.
#[derive(Clone, Debug, Default)]
pub struct CertificateView<'a> {
    /// Subject attributes in certificate order (`CN`, `O`, ...).
    pub subject: Vec<(&'a str, &'a str)>,
    /// Issuer attributes in certificate order.
    pub issuer: Vec<(&'a str, &'a str)>,
    /// `DNS:a.test, IP Address:127.0.0.1`; `None` without a SAN extension.
    pub subjectaltname: Option<&'a str>,
    /// `Nov  6 09:52:22 2029 GMT`.
    pub valid_from: &'a str,
    /// Same form as `valid_from`.
    pub valid_to: &'a str,
    /// Uppercase hex.
    pub serial_number: &'a str,
    /// SHA-1, SHA-256 and SHA-512 of the DER, `AB:CD:...`.
    pub fingerprint: &'a str,
    /// SHA-256 of the DER.
    pub fingerprint256: &'a str,
    /// SHA-512 of the DER.
    pub fingerprint512: &'a str,
    /// Key size in bits.
    pub bits: u32,
    /// Node's `pubkey` bytes.
    pub pubkey: &'a [u8],
    /// RSA modulus and exponent, when RSA.
    pub rsa: Option<(&'a str, &'a str)>,
    /// OpenSSL's curve name, when EC.
    pub asn1_curve: Option<&'a str>,
    /// NIST's curve name, when EC.
    pub nist_curve: Option<&'a str>,
    /// Extended key usage OIDs, when the extension is present.
    pub ext_key_usage: Option<&'a [String]>,
    /// The certificate may act as a CA.
    pub ca: bool,
    /// Authority information access: (`OCSP - URI`, url) pairs.
    pub info_access: Vec<(&'a str, &'a str)>,
    /// The certificate, DER.
    pub raw: &'a [u8],
}

/// Node's `getPeerCertificate(detailed)` for `chain` (the peer's certificate
/// first, then its issuers): `raw` and `pubkey` as hex (Node has Buffers),
/// `issuerCertificate` nested when `detailed`. `{}` for an empty chain.
pub fn certificate(chain: &[CertificateView<'_>], detailed: bool) -> Value {
    let Some((cert, issuers)) = chain.split_first() else {
        return json!({});
    };
    let mut object = Map::new();
    object.insert("subject".into(), name_object(&cert.subject));
    object.insert("issuer".into(), name_object(&cert.issuer));
    if let Some(san) = cert.subjectaltname {
        object.insert("subjectaltname".into(), json!(san));
    }
    if !cert.info_access.is_empty() {
        object.insert("infoAccess".into(), name_object_lists(&cert.info_access));
    }
    object.insert("ca".into(), json!(cert.ca));
    if let Some((modulus, exponent)) = cert.rsa {
        object.insert("modulus".into(), json!(modulus));
        object.insert("bits".into(), json!(cert.bits));
        object.insert("exponent".into(), json!(exponent));
    } else {
        object.insert("bits".into(), json!(cert.bits));
    }
    object.insert("pubkey".into(), json!(hex(cert.pubkey)));
    if let Some(curve) = cert.asn1_curve {
        object.insert("asn1Curve".into(), json!(curve));
    }
    if let Some(curve) = cert.nist_curve {
        object.insert("nistCurve".into(), json!(curve));
    }
    object.insert("valid_from".into(), json!(cert.valid_from));
    object.insert("valid_to".into(), json!(cert.valid_to));
    object.insert("fingerprint".into(), json!(cert.fingerprint));
    object.insert("fingerprint256".into(), json!(cert.fingerprint256));
    object.insert("fingerprint512".into(), json!(cert.fingerprint512));
    if let Some(eku) = cert.ext_key_usage {
        object.insert("ext_key_usage".into(), json!(eku));
    }
    object.insert("serialNumber".into(), json!(cert.serial_number));
    object.insert("raw".into(), json!(hex(cert.raw)));
    if detailed {
        // A self-signed root has no issuer here (Node points it at itself).
        let issuer = if issuers.is_empty() {
            Value::Null
        } else {
            certificate(issuers, true)
        };
        object.insert("issuerCertificate".into(), issuer);
    }
    Value::Object(object)
}

/// The negotiated suite, as Node's `getCipher()`.
#[derive(Clone, Debug, Default)]
pub struct CipherView<'a> {
    /// OpenSSL's name.
    pub name: &'a str,
    /// The IANA name.
    pub standard_name: &'a str,
    /// `TLSv1.2` / `TLSv1.3`.
    pub version: &'a str,
}

/// What a `TLSSocket` exposes after its handshake, borrowed.
#[derive(Clone, Debug, Default)]
pub struct SocketView<'a> {
    /// Node's `authorized`.
    pub authorized: bool,
    /// Node's `authorizationError`: the code.
    pub authorization_error: Option<&'a str>,
    /// The SNI name sent or received.
    pub servername: Option<&'a str>,
    /// The ALPN protocol agreed on.
    pub alpn_protocol: Option<&'a str>,
    /// `getProtocol()`.
    pub protocol: Option<&'a str>,
    /// `getCipher()`.
    pub cipher: Option<CipherView<'a>>,
    /// `remoteAddress` / `remotePort`.
    pub remote: Option<SocketAddr>,
    /// The peer's certificate, then its issuers.
    pub peer_chain: Vec<CertificateView<'a>>,
}

/// The socket's state under Node's names: `authorized`,
/// `authorizationError`, `servername` and `alpnProtocol` (`false` when
/// none), `protocol`, `cipher`, `remoteAddress`, `remotePort` and
/// `peerCertificate` (`getPeerCertificate(true)`, `{}` when none).
pub fn socket(view: &SocketView<'_>) -> Value {
    let cipher = view
        .cipher
        .as_ref()
        .map(|c| json!({ "name": c.name, "standardName": c.standard_name, "version": c.version }));
    json!({
        "authorized": view.authorized,
        "authorizationError": view.authorization_error,
        "servername": view.servername.map_or(json!(false), |s| json!(s)),
        "alpnProtocol": view.alpn_protocol.map_or(json!(false), |p| json!(p)),
        "protocol": view.protocol,
        "cipher": cipher,
        "remoteAddress": view.remote.map(|a| a.ip().to_string()),
        "remotePort": view.remote.map(|a| a.port()),
        "peerCertificate": certificate(&view.peer_chain, true),
    })
}

/// [`socket`] with `"event": event` (`secureConnection`, `secureConnect`).
pub fn connection_event(event: &str, view: &SocketView<'_>) -> Value {
    let mut value = socket(view);
    value["event"] = json!(event);
    value
}

/// `{"event":"listening","address":…,"port":…}`.
pub fn listening(address: SocketAddr) -> Value {
    json!({ "event": "listening", "address": address.ip().to_string(), "port": address.port() })
}

/// `{"event":"clientError","code":…,"message":…,"remoteAddress":…,"remotePort":…}`.
pub fn client_error(code: &str, message: &str, remote: Option<SocketAddr>) -> Value {
    json!({
        "event": "clientError",
        "code": code,
        "message": message,
        "remoteAddress": remote.map(|a| a.ip().to_string()),
        "remotePort": remote.map(|a| a.port()),
    })
}

/// `{ C: 'NZ', OU: ['One', 'Two'], CN: 'x' }`: a repeated attribute becomes a list.
fn name_object(attributes: &[(&str, &str)]) -> Value {
    let mut object = Map::new();
    for (key, value) in attributes {
        match object.get_mut(*key) {
            None => {
                object.insert(key.to_string(), json!(value));
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
fn name_object_lists(attributes: &[(&str, &str)]) -> Value {
    let mut object = Map::new();
    for (key, value) in attributes {
        let entry = object.entry(key.to_string()).or_insert_with(|| json!([]));
        if let Value::Array(list) = entry {
            list.push(json!(value));
        }
    }
    Value::Object(object)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_attributes_become_lists() {
        let value = name_object(&[("OU", "One"), ("OU", "Two"), ("CN", "x")]);
        assert_eq!(value, json!({ "OU": ["One", "Two"], "CN": "x" }));
    }

    #[test]
    fn chain_nests_issuers_and_ends_with_null() {
        let leaf = CertificateView {
            subject: vec![("CN", "leaf")],
            raw: &[0xab],
            ..Default::default()
        };
        let root = CertificateView {
            subject: vec![("CN", "root")],
            ..Default::default()
        };
        let value = certificate(&[leaf, root], true);
        assert_eq!(value["subject"]["CN"], "leaf");
        assert_eq!(value["raw"], "ab");
        assert_eq!(value["issuerCertificate"]["subject"]["CN"], "root");
        assert_eq!(value["issuerCertificate"]["issuerCertificate"], Value::Null);
        assert_eq!(certificate(&[], true), json!({}));
    }
}
