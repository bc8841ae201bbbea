//! The lines the component prints, through the JSON shapes it shares with
//! the native CLI.

use std::io::Write;
use std::net::SocketAddr;

use serde_json::Value;
use tlsbox_engine::pair::SecurePair;
use tlsbox_node_shapes::json::{self, SocketView};

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
    let peer_certificate = pair.peer_certificate();
    let cipher = pair.cipher();
    let ephemeral_key = pair.ephemeral_key_info();
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
        cipher: cipher.as_ref(),
        remote,
        peer_certificate: peer_certificate.as_ref(),
        session_reused: pair.session_reused(),
        client: !pair.is_server(),
        ephemeral_key: ephemeral_key.as_ref(),
        ocsp_response: pair.ocsp_response(),
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
