//! The `wasi:tls` draft served by a component: a client component written
//! only against `wasi:tls`, `wasi:sockets`, `wasi:io` and `wasi:cli`
//! (examples/wasi-tls-client) plugged with tlsbox's provider (components/wasi-tls/),
//! run in tlsbox's host, connecting on its own and handshaking with
//! `openssl s_server`; and a server component on tlsbox's server side.

mod common;

use std::time::Duration;

use common::components::{self, Kind};
use common::fixture;
use common::peers::{openssl_client, openssl_server};
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
    // Its transport is a socket of its own, not its standard streams.
    let (imports, _) =
        components::imports_and_exports(&components::build("wasi-tls-client", Kind::Library));
    assert!(
        imports.iter().any(|n| n.starts_with("wasi:sockets/tcp@"))
            && !imports.iter().any(|n| n.starts_with("wasi:cli/std")),
        "{imports:?}"
    );
    let cert = fixture("agent1-cert.pem").display().to_string();
    let key = fixture("agent1-key.pem").display().to_string();
    let (mut server, port) = openssl_server(&["-cert", &cert, "-key", &key]);

    // The client opens its own connection, through the provider's
    // wasi:sockets: by name, so the lookup is passed through too (and, if
    // `localhost` is `::1` first, the refused connection before the one to
    // s_server's 127.0.0.1).
    let mut options = CommandOptions::new([
        "hello from a wasi:tls component",
        "hello back from s_server",
    ]);
    options
        .env("TLSBOX_CONNECT", format!("localhost:{port}"))
        .env("TLSBOX_SERVER_NAME", "localhost")
        .env("TLSBOX_CA_FILE", "fixtures/ca1-cert.pem")
        .preopen(fixture(""), "fixtures");
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
        let mut client = openssl_client(&connect, &ca, &["-alpn", "h2"]);
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
