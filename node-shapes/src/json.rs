//! Node's JSON shapes: a `TLSSocket`'s state and `getPeerCertificate(true)`,
//! built from the engine's records (`tlsbox_engine::cert_info::PeerCertificate`,
//! `tlsbox_engine::cipher::Cipher`) so that the host (which gets them back
//! through WIT) and the command component (which calls the engine directly)
//! print byte-for-byte the same lines.

use std::net::SocketAddr;

use serde_json::{Map, Value, json};
use tlsbox_engine::cert_info::{NameAttribute, PeerCertificate, PublicKeyInfo};
use tlsbox_engine::cipher::Cipher;
use tlsbox_engine::key_exchange::EphemeralKeyInfo;

/// Node's `getPeerCertificate(detailed)` for `cert`: `raw` and `pubkey` as
/// hex (Node has Buffers), `issuerCertificate` nested when `detailed`
/// (following [`PeerCertificate::issuer_certificate`]). `{}` for none.
pub fn certificate(cert: Option<&PeerCertificate>, detailed: bool) -> Value {
    let Some(cert) = cert else {
        return json!({});
    };
    let mut object = Map::new();
    object.insert("subject".into(), name_object(&cert.subject));
    object.insert("issuer".into(), name_object(&cert.issuer));
    if let Some(san) = &cert.subjectaltname {
        object.insert("subjectaltname".into(), json!(san));
    }
    if !cert.info_access.is_empty() {
        object.insert("infoAccess".into(), name_object_lists(&cert.info_access));
    }
    object.insert("ca".into(), json!(cert.ca));
    if let PublicKeyInfo::Rsa { modulus, exponent } = &cert.key {
        object.insert("modulus".into(), json!(modulus));
        object.insert("bits".into(), json!(cert.bits));
        object.insert("exponent".into(), json!(exponent));
    } else {
        object.insert("bits".into(), json!(cert.bits));
    }
    object.insert("pubkey".into(), json!(hex(&cert.pubkey)));
    if let PublicKeyInfo::Ec {
        asn1_curve,
        nist_curve,
    } = &cert.key
    {
        if let Some(curve) = asn1_curve {
            object.insert("asn1Curve".into(), json!(curve));
        }
        if let Some(curve) = nist_curve {
            object.insert("nistCurve".into(), json!(curve));
        }
    }
    object.insert("valid_from".into(), json!(cert.valid_from));
    object.insert("valid_to".into(), json!(cert.valid_to));
    object.insert("fingerprint".into(), json!(cert.fingerprint));
    object.insert("fingerprint256".into(), json!(cert.fingerprint256));
    object.insert("fingerprint512".into(), json!(cert.fingerprint512));
    if let Some(eku) = &cert.ext_key_usage {
        object.insert("ext_key_usage".into(), json!(eku));
    }
    object.insert("serialNumber".into(), json!(cert.serial_number));
    object.insert("raw".into(), json!(hex(&cert.raw)));
    if detailed {
        // A self-signed root has no issuer here (Node points it at itself).
        let issuer = match &cert.issuer_certificate {
            Some(issuer) => certificate(Some(issuer), true),
            None => Value::Null,
        };
        object.insert("issuerCertificate".into(), issuer);
    }
    Value::Object(object)
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
    pub cipher: Option<&'a Cipher>,
    /// `remoteAddress` / `remotePort`.
    pub remote: Option<SocketAddr>,
    /// The peer's certificate, its issuers linked.
    pub peer_certificate: Option<&'a PeerCertificate>,
    /// `isSessionReused()`: the handshake resumed an earlier session.
    pub session_reused: bool,
    /// The socket is a client's (Node's `getEphemeralKeyInfo()` is `null`
    /// on a server).
    pub client: bool,
    /// `getEphemeralKeyInfo()` on a client; `None` prints Node's `{}`.
    pub ephemeral_key: Option<&'a EphemeralKeyInfo>,
    /// The OCSP response a client that asked for one received (Node's
    /// `OCSPResponse` event), DER.
    pub ocsp_response: Option<&'a [u8]>,
}

/// The socket's state under Node's names: `authorized`,
/// `authorizationError`, `servername` and `alpnProtocol` (`false` when
/// none), `protocol`, `cipher`, `remoteAddress`, `remotePort`,
/// `peerCertificate` (`getPeerCertificate(true)`, `{}` when none),
/// `sessionReused` (`isSessionReused()`), `ephemeralKeyInfo`
/// (`getEphemeralKeyInfo()`) and, only when the server stapled one to a
/// client that asked, `ocspResponse` (hex, as Node's `OCSPResponse` event
/// gives a Buffer).
pub fn socket(view: &SocketView<'_>) -> Value {
    let cipher = view
        .cipher
        .as_ref()
        .map(|c| json!({ "name": c.name, "standardName": c.standard_name, "version": c.version }));
    let mut socket = json!({
        "authorized": view.authorized,
        "authorizationError": view.authorization_error,
        "servername": view.servername.map_or(json!(false), |s| json!(s)),
        "alpnProtocol": view.alpn_protocol.map_or(json!(false), |p| json!(p)),
        "protocol": view.protocol,
        "cipher": cipher,
        "remoteAddress": view.remote.map(|a| a.ip().to_string()),
        "remotePort": view.remote.map(|a| a.port()),
        "peerCertificate": certificate(view.peer_certificate, true),
        "sessionReused": view.session_reused,
        "ephemeralKeyInfo": ephemeral_key(view),
    });
    if let (Some(response), Value::Object(object)) = (view.ocsp_response, &mut socket) {
        object.insert("ocspResponse".into(), json!(hex(response)));
    }
    socket
}

/// The line a client that asked for OCSP prints (`--request-ocsp`), in
/// `openssl s_client -status`'s words when none came.
pub fn ocsp_line(response: Option<&[u8]>) -> String {
    match response {
        Some(der) => format!("OCSP response: {} bytes {}", der.len(), hex(der)),
        None => "OCSP response: no response sent".to_string(),
    }
}

/// `getEphemeralKeyInfo()`: `{ type, name, size }` (no `name` for `DH`),
/// `{}` on a client with nothing to report, `null` on a server.
fn ephemeral_key(view: &SocketView<'_>) -> Value {
    if !view.client {
        return Value::Null;
    }
    let Some(key) = view.ephemeral_key else {
        return json!({});
    };
    let mut object = Map::new();
    object.insert("type".into(), json!(key.kind));
    if let Some(name) = &key.name {
        object.insert("name".into(), json!(name));
    }
    object.insert("size".into(), json!(key.size));
    Value::Object(object)
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
fn name_object(attributes: &[NameAttribute]) -> Value {
    let mut object = Map::new();
    for NameAttribute { key, value } in attributes {
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
fn name_object_lists(attributes: &[NameAttribute]) -> Value {
    let mut object = Map::new();
    for NameAttribute { key, value } in attributes {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn attribute(key: &str, value: &str) -> NameAttribute {
        NameAttribute {
            key: key.into(),
            value: value.into(),
        }
    }

    #[test]
    fn repeated_attributes_become_lists() {
        let value = name_object(&[
            attribute("OU", "One"),
            attribute("OU", "Two"),
            attribute("CN", "x"),
        ]);
        assert_eq!(value, json!({ "OU": ["One", "Two"], "CN": "x" }));
    }

    #[test]
    fn chain_nests_issuers_and_ends_with_null() {
        let root = PeerCertificate {
            subject: vec![attribute("CN", "root")],
            ..Default::default()
        };
        let leaf = PeerCertificate {
            subject: vec![attribute("CN", "leaf")],
            raw: vec![0xab],
            ..Default::default()
        };
        let leaf = PeerCertificate::from_chain(vec![leaf, root]).expect("a chain");
        let value = certificate(Some(&leaf), true);
        assert_eq!(value["subject"]["CN"], "leaf");
        assert_eq!(value["raw"], "ab");
        assert_eq!(value["issuerCertificate"]["subject"]["CN"], "root");
        assert_eq!(value["issuerCertificate"]["issuerCertificate"], Value::Null);
        assert!(
            certificate(Some(&leaf), false)
                .get("issuerCertificate")
                .is_none()
        );
        assert_eq!(certificate(None, true), json!({}));
    }
}
