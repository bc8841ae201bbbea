//! Key logging: off unless asked for; when asked, both ends of a connection
//! write the same secrets in the SSLKEYLOGFILE format.

mod common;

use std::collections::BTreeSet;

use common::{identity, pem};
use tlsbox::{ConnectOptions, ServerOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn lines(path: &std::path::Path) -> BTreeSet<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_ends_log_the_same_secrets_only_when_asked() {
    let dir = std::env::temp_dir().join(format!("tlsbox-keylog-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let server_log = dir.join("server.keys");
    let client_log = dir.join("client.keys");
    let _ = std::fs::remove_file(&server_log);
    let _ = std::fs::remove_file(&client_log);

    let mut options = ServerOptions::new(identity("agent1"));
    options.keylog = Some(server_log.clone());
    let (_server, port) = common::echo_server(options).await;

    // A client that did not ask writes nothing anywhere.
    let mut quiet = tlsbox::connect(
        "localhost",
        port,
        ConnectOptions::with_ca(pem("ca1-cert.pem")),
    )
    .await
    .unwrap();
    let mut welcome = [0u8; 9];
    quiet.read_exact(&mut welcome).await.unwrap();
    assert!(!client_log.exists());
    let first = lines(&server_log);
    assert_eq!(first.len(), 5, "TLS 1.3 has five secrets: {first:?}");

    let mut options = ConnectOptions::with_ca(pem("ca1-cert.pem"));
    options.keylog = Some(client_log.clone());
    let mut client = tlsbox::connect("localhost", port, options).await.unwrap();
    client.write_all(b"hi").await.unwrap();
    let mut reply = [0u8; 11];
    client.read_exact(&mut reply).await.unwrap();

    let client_lines = lines(&client_log);
    assert_eq!(client_lines.len(), 5, "{client_lines:?}");
    for line in &client_lines {
        let fields: Vec<_> = line.split(' ').collect();
        assert_eq!(fields.len(), 3, "{line}");
        assert!(
            [
                "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
                "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                "CLIENT_TRAFFIC_SECRET_0",
                "SERVER_TRAFFIC_SECRET_0",
                "EXPORTER_SECRET",
            ]
            .contains(&fields[0]),
            "{line}"
        );
        assert_eq!(fields[1].len(), 64, "a 32-byte client random: {line}");
        assert!(
            fields[1..]
                .iter()
                .all(|f| f.bytes().all(|b| b.is_ascii_hexdigit()))
        );
    }
    // The server logged this connection's secrets too: the same lines.
    let server_lines = lines(&server_log);
    assert_eq!(server_lines.len(), 10);
    assert!(
        client_lines.is_subset(&server_lines),
        "the same secrets on both ends"
    );
    assert!(
        client_lines.is_disjoint(&first),
        "each connection has its own"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
