//! The `wasi:tls` draft served by a component: a client component written
//! only against `wasi:tls`, `wasi:io` and `wasi:cli` (examples/wasi-tls-client)
//! plugged with tlsbox's provider (wasi-tls/), run in tlsbox's host, and
//! handshaking with `openssl s_server`.

mod common;
#[path = "common/components.rs"]
mod components;

use std::time::Duration;

use common::fixture;
use common::peers::{Peer, openssl_server};
use components::Kind;
use tlsbox::command::{CommandOptions, run_command};

/// The example library component `package` plugged with the
/// provider: one component.
fn composed_with_provider(package: &str) -> Vec<u8> {
    let client = components::build(package, Kind::Library);
    let provider = components::build("tlsbox-wasi-tls", Kind::Library);
    let (imports, _) = components::imports_and_exports(&client);
    assert!(
        imports
            .iter()
            .any(|n| n.starts_with("wasi:tls/types@")
                || n.starts_with("tlsbox:tls/wasi-tls-server@")),
        "{imports:?}"
    );
    let composed = components::plug(&client, &provider);
    let (imports, exports) = components::imports_and_exports(&composed);
    assert!(
        !imports
            .iter()
            .any(|n| n.starts_with("wasi:tls/") || n.starts_with("tlsbox:tls/wasi-tls-server@")),
        "the provider serves TLS: {imports:?}"
    );
    assert!(
        exports.iter().any(|n| n.starts_with("wasi:cli/run@")),
        "{exports:?}"
    );
    composed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wasi_tls_client_component_talks_to_openssl_s_server_through_tlsbox() {
    let composed = composed_with_provider("wasi-tls-client");
    let cert = fixture("agent1-cert.pem").display().to_string();
    let key = fixture("agent1-key.pem").display().to_string();
    let (mut server, port) = openssl_server(&["-cert", &cert, "-key", &key]);

    // The client's transport is its stdin/stdout: give it a TCP connection.
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect to s_server");
    let (read, write) = tcp.into_split();
    let mut options = CommandOptions::new([
        "localhost",
        "hello from a wasi:tls component",
        "hello back from s_server",
    ]);
    options
        .env("TLSBOX_CA_FILE", "fixtures/ca1-cert.pem")
        .preopen(fixture(""), "fixtures")
        .stdio(read, write);
    let command = tokio::spawn(async move { run_command(&composed, options).await });

    let server = tokio::task::spawn_blocking(move || {
        server.wait_for("the client's line", |l| {
            l == "hello from a wasi:tls component"
        });
        server.send(b"hello back from s_server\n");
        server
    })
    .await
    .unwrap();

    // The client exits 0 only when it read back exactly the expected line.
    let code = tokio::time::timeout(Duration::from_secs(60), command)
        .await
        .expect("the client finishes")
        .unwrap()
        .expect("the client runs");
    assert_eq!(code, 0, "s_server saw:\n{}", server.seen.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_component_on_tlsbox_server_side_answers_openssl_s_client() {
    let composed = composed_with_provider("wasi-tls-server");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let connect = listener.local_addr().unwrap().to_string();
    let ca = fixture("ca1-cert.pem").display().to_string();
    let client = tokio::task::spawn_blocking(move || {
        let mut client = Peer::spawn(
            "openssl",
            &[
                "s_client",
                "-connect",
                &connect,
                "-CAfile",
                &ca,
                "-servername",
                "localhost",
                "-verify_hostname",
                "localhost",
                "-verify_return_error",
                "-alpn",
                "h2",
            ],
        );
        client.wait_for_text("Verify return code: 0 (ok)");
        client.wait_for_text("ALPN protocol: h2");
        client.send(b"hello from s_client\n");
        client.wait_for("the server's reply", |l| l == "hello back from a component");
        client
    });

    // The server's transport is its stdin/stdout: the accepted connection.
    let (tcp, _) = listener.accept().await.unwrap();
    let (read, write) = tcp.into_split();
    let mut options = CommandOptions::new([
        "localhost",
        "hello from s_client",
        "hello back from a component",
    ]);
    options
        .env("TLS_CERT", common::pem("agent1-cert.pem"))
        .env("TLS_KEY", common::pem("agent1-key.pem"))
        .env("TLS_ALPN", "http/1.1,h2")
        .stdio(read, write);
    let code = tokio::time::timeout(Duration::from_secs(60), run_command(&composed, options))
        .await
        .expect("the server finishes")
        .expect("the server runs");
    let client = client.await.unwrap();
    // Exit 0: SNI was `localhost` and the line read was s_client's.
    assert_eq!(code, 0, "s_client saw:\n{}", client.seen.join("\n"));
}
