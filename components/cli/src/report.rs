//! The lines the component prints, through the JSON shapes it shares with
//! the native CLI.

use std::io::Write;
use std::net::SocketAddr;

use serde_json::Value;
use tlsbox_engine::cert_info::{NameAttribute, PeerCertificate, PublicKeyInfo};
use tlsbox_engine::pair::SecurePair;
use tlsbox_node_shapes::json::{self, CertificateView, CipherView, SocketView};

/// Writes one line on stdout and flushes it, so a reader sees it at once.
pub fn line(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

/// Writes one JSON object on its own line.
pub fn json_line(value: &Value) {
    line(&value.to_string());
}

/// `{"event": event, ...}`: the pair's state under Node's names, as the
/// native CLI prints it for the same connection.
pub fn connection(event: &str, pair: &SecurePair, remote: Option<SocketAddr>) -> Value {
    let chain = pair.peer_certificate_chain();
    let cipher = pair.cipher();
    let (error, servername, alpn, protocol) = (
        pair.authorization_error(),
        pair.servername(),
        pair.alpn_protocol(),
        pair.protocol(),
    );
    let view = SocketView {
        authorized: pair.authorized(),
        authorization_error: error.as_ref().map(|e| e.code.as_node_str()),
        servername: servername.as_deref(),
        alpn_protocol: alpn.as_deref(),
        protocol: protocol.as_deref(),
        cipher: cipher.as_ref().map(|c| CipherView {
            name: &c.name,
            standard_name: &c.standard_name,
            version: &c.version,
        }),
        remote,
        peer_chain: chain.iter().map(certificate_view).collect(),
    };
    json::connection_event(event, &view)
}

/// `authorized`, or `unauthorized (CODE)`, as Node's examples print it.
pub fn authorized_word(pair: &SecurePair) -> String {
    match (pair.authorized(), pair.authorization_error()) {
        (true, _) => "authorized".into(),
        (false, Some(error)) => format!("unauthorized ({})", error.code.as_node_str()),
        (false, None) => "unauthorized".into(),
    }
}

fn pairs(attributes: &[NameAttribute]) -> Vec<(&str, &str)> {
    attributes
        .iter()
        .map(|a| (a.key.as_str(), a.value.as_str()))
        .collect()
}

fn certificate_view(cert: &PeerCertificate) -> CertificateView<'_> {
    let (rsa, asn1_curve, nist_curve) = match &cert.key {
        PublicKeyInfo::Rsa { modulus, exponent } => {
            (Some((modulus.as_str(), exponent.as_str())), None, None)
        }
        PublicKeyInfo::Ec {
            asn1_curve,
            nist_curve,
        } => (None, asn1_curve.as_deref(), nist_curve.as_deref()),
        PublicKeyInfo::Other => (None, None, None),
    };
    CertificateView {
        subject: pairs(&cert.subject),
        issuer: pairs(&cert.issuer),
        subjectaltname: cert.subjectaltname.as_deref(),
        valid_from: &cert.valid_from,
        valid_to: &cert.valid_to,
        serial_number: &cert.serial_number,
        fingerprint: &cert.fingerprint,
        fingerprint256: &cert.fingerprint256,
        fingerprint512: &cert.fingerprint512,
        bits: cert.bits,
        pubkey: &cert.pubkey,
        rsa,
        asn1_curve,
        nist_curve,
        ext_key_usage: cert.ext_key_usage.as_deref(),
        ca: cert.ca,
        info_access: pairs(&cert.info_access),
        raw: &cert.raw,
    }
}
