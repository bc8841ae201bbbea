//! The `wasi:tls` draft served by a component: a client component written
//! only against `wasi:tls`, `wasi:io` and `wasi:cli` (examples/wasi-tls-client)
//! plugged with tlsbox's provider (wasi-tls/), run in tlsbox's host, and
//! handshaking with `openssl s_server`.

mod common;
#[path = "common/components.rs"]
mod components;

use std::time::Duration;

use common::fixture;
use common::peers::openssl_server;
use tlsbox::command::{CommandOptions, run_command};

/// The client plugged with the provider: one component.
fn composed_client() -> Vec<u8> {
    let client = components::build("wasi-tls-client", "wasi_tls_client.wasm");
    let provider = components::build("tlsbox-wasi-tls", "tlsbox_wasi_tls.wasm");
    let (imports, _) = components::imports_and_exports(&client);
    assert!(
        imports.iter().any(|n| n.starts_with("wasi:tls/types@")),
        "{imports:?}"
    );
    let composed = components::plug(&client, &provider);
    let (imports, exports) = components::imports_and_exports(&composed);
    assert!(
        !imports.iter().any(|n| n.starts_with("wasi:tls/")),
        "the provider serves wasi:tls: {imports:?}"
    );
    assert!(
        exports.iter().any(|n| n.starts_with("wasi:cli/run@")),
        "{exports:?}"
    );
    composed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wasi_tls_client_component_talks_to_openssl_s_server_through_tlsbox() {
    let composed = composed_client();
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
