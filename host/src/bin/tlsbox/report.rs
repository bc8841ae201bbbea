//! What the commands print: Node's field names, as text or JSON lines.

use std::io::Write;

use serde_json::{Value, json};
use tlsbox::CleartextStream;

/// Writes one JSON object on its own line and flushes, so a reader sees it at once.
pub fn json_line(value: &Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{value}");
    let _ = out.flush();
}

/// Writes one text line and flushes.
pub fn text_line(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// The state Node exposes on a `TLSSocket`, under Node's names (see
/// `CleartextStream::to_json`), with the event's name.
pub fn connection<IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    event: &str,
    stream: &mut CleartextStream<IO>,
) -> Value {
    let mut value = stream.to_json();
    value["event"] = json!(event);
    value
}

/// `authorized`, or `unauthorized (CODE)`, as Node's examples print it.
pub fn authorized_word<IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    stream: &CleartextStream<IO>,
) -> String {
    match (stream.authorized(), stream.authorization_error()) {
        (true, _) => "authorized".into(),
        (false, Some(error)) => format!("unauthorized ({})", error.code()),
        (false, None) => "unauthorized".into(),
    }
}

/// `C=US, O=Joyent, CN=agent1`.
pub fn distinguished_name(attributes: &[tlsbox::NameAttribute]) -> String {
    attributes
        .iter()
        .map(|attribute| format!("{}={}", attribute.key, attribute.value))
        .collect::<Vec<_>>()
        .join(", ")
}
