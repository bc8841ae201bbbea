//! Shared by the integration tests: fixture paths and small helpers.
#![allow(dead_code)]

pub mod components;
pub mod interop;
pub mod peers;
pub mod raw;
pub mod rss;
pub mod sealed;

use std::path::PathBuf;

use tlsbox::{Credentials, read_pem};

/// `fixtures/<name>`.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("fixtures")
        .join(name)
}

/// The text of `fixtures/<name>`.
pub fn pem(name: &str) -> String {
    read_pem(fixture(name)).expect("fixture readable")
}

/// `<agent>-key.pem` and `<agent>-cert.pem` as server/client credentials.
pub fn identity(agent: &str) -> Credentials {
    Credentials::from_files(
        fixture(&format!("{agent}-key.pem")),
        fixture(&format!("{agent}-cert.pem")),
    )
    .expect("fixture identity")
}

/// `identity(agent)` that also trusts `ca` (a fixture name like `ca1`).
pub fn identity_trusting(agent: &str, ca: &str) -> Credentials {
    identity(agent).with_ca(pem(&format!("{ca}-cert.pem")))
}

/// Credentials that only trust `ca`.
pub fn trusting(ca: &str) -> Credentials {
    Credentials::default().with_ca(pem(&format!("{ca}-cert.pem")))
}

/// Node's echo example on a server connection: greet, then send back
/// everything until the client ends.
pub async fn echo<IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    mut stream: tlsbox::CleartextStream<IO>,
) -> std::io::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream.write_all(b"welcome!\n").await?;
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return stream.shutdown().await;
        }
        stream.write_all(&buf[..n]).await?;
    }
}

/// A library server presenting `agent` that echoes every secure connection.
pub async fn echo_server(options: tlsbox::ServerOptions) -> (std::sync::Arc<tlsbox::Server>, u16) {
    let server = std::sync::Arc::new(tlsbox::create_server(options).expect("server options"));
    let address = server.listen("127.0.0.1:0").await.expect("listen");
    let accepting = server.clone();
    tokio::spawn(async move {
        while let Some(stream) = accepting.accept().await {
            tokio::spawn(echo(stream));
        }
    });
    (server, address.port())
}
