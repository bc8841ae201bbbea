//! What the host's unit tests share: the fixtures as guest credentials,
//! the guest options they connect with, and a handshaken stream pair.

use crate::sandbox::Sandbox;
use crate::stream::CleartextStream;
use crate::wit::{GuestClientOptions, GuestCredentials, GuestServerOptions};

/// The text of `fixtures/<name>`.
pub(crate) fn fixture(name: &str) -> String {
    let path = format!("{}/../fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `server` and `client` joined by an in-memory pipe of `buffer` bytes,
/// their handshake done (both must succeed).
pub(crate) async fn handshaken(
    server: Sandbox,
    client: Sandbox,
    buffer: usize,
) -> (
    CleartextStream<tokio::io::DuplexStream>,
    CleartextStream<tokio::io::DuplexStream>,
) {
    let (server_io, client_io) = tokio::io::duplex(buffer);
    let mut server = CleartextStream::new(server_io, server).expect("server stream");
    let mut client = CleartextStream::new(client_io, client).expect("client stream");
    let (served, connected) =
        tokio::join!(server.handshake_with(None), client.handshake_with(None));
    served.expect("server handshake");
    connected.expect("client handshake");
    (server, client)
}

/// agent1's key and certificate (signed by ca1, for `agent1.test`).
pub(crate) fn agent1() -> GuestCredentials {
    GuestCredentials {
        key: Some(fixture("agent1-key.pem")),
        passphrase: None,
        cert: Some(fixture("agent1-cert.pem")),
        ca: Vec::new(),
        crl: Vec::new(),
    }
}

/// A client's credentials: trusts ca1, no identity of its own.
pub(crate) fn ca1_trust() -> GuestCredentials {
    GuestCredentials {
        key: None,
        passphrase: None,
        cert: None,
        ca: vec![fixture("ca1-cert.pem")],
        crl: Vec::new(),
    }
}

pub(crate) fn server_options() -> GuestServerOptions {
    GuestServerOptions {
        request_cert: false,
        reject_unauthorized: false,
        alpn_protocols: Vec::new(),
        sni_callback: false,
        keylog: false,
        ciphers: None,
    }
}

pub(crate) fn client_options() -> GuestClientOptions {
    GuestClientOptions {
        servername: Some("agent1.test".into()),
        check_host: "agent1.test".into(),
        reject_unauthorized: true,
        alpn_protocols: Vec::new(),
        keylog: false,
        ciphers: None,
    }
}
