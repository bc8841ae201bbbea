//! Interop with OpenSSL: `openssl s_client` against a tlsbox server, and
//! tlsbox (library and CLI) against `openssl s_server`.

mod common;

use common::peers::{Peer, openssl_server};
use common::{echo_server, fixture, identity, pem};
use tlsbox::{ConnectOptions, ServerOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn path(name: &str) -> String {
    fixture(name).display().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openssl_s_client_verifies_and_echoes_through_a_tlsbox_server() {
    let (_server, port) = echo_server(ServerOptions::new(identity("agent1"))).await;
    let connect = format!("127.0.0.1:{port}");
    let ca = path("ca1-cert.pem");
    tokio::task::spawn_blocking(move || {
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
            ],
        );
        client.wait_for_text("Verify return code: 0 (ok)");
        client.wait_for_text("welcome!");
        client.send(b"hello from openssl\n");
        client.wait_for("the echoed line", |line| line == "hello from openssl");
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openssl_s_client_with_tls12_and_a_client_certificate() {
    let mut options = ServerOptions::new(identity("agent1").with_ca(pem("ca1-cert.pem")));
    options.request_cert = true;
    options.reject_unauthorized = true;
    let server = std::sync::Arc::new(tlsbox::create_server(options).unwrap());
    let port = server.listen("127.0.0.1:0").await.unwrap().port();
    let connect = format!("127.0.0.1:{port}");
    let (ca, cert, key) = (
        path("ca1-cert.pem"),
        path("agent6-leaf-cert.pem"),
        path("agent6-key.pem"),
    );
    let chain = path("ca3-cert.pem");
    let client = tokio::task::spawn_blocking(move || {
        let mut client = Peer::spawn(
            "openssl",
            &[
                "s_client",
                "-connect",
                &connect,
                "-tls1_2",
                "-CAfile",
                &ca,
                "-cert",
                &cert,
                "-cert_chain",
                &chain,
                "-key",
                &key,
                "-servername",
                "localhost",
            ],
        );
        client.wait_for_text("Verify return code: 0 (ok)");
        client.wait_for_text("Protocol  : TLSv1.2");
        client
    });
    let stream = match server.next_event().await.expect("an event") {
        tlsbox::ServerEvent::SecureConnection(stream) => *stream,
        other => panic!("expected a secure connection, got {other:?}"),
    };
    assert!(stream.authorized(), "{:?}", stream.authorization_error());
    assert_eq!(stream.protocol(), Some("TLSv1.2"));
    let cert = stream.peer_certificate().expect("client certificate");
    assert_eq!(cert.common_name(), Some("agent6"));
    // The client sent agent6 + ca3; verification found the path up to ca1.
    let issuer = cert.issuer_certificate.as_ref().expect("ca3");
    assert_eq!(issuer.common_name(), Some("ca3"));
    assert_eq!(
        issuer
            .issuer_certificate
            .as_ref()
            .and_then(|c| c.common_name()),
        Some("ca1")
    );
    drop(client.await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tlsbox_connect_against_openssl_s_server() {
    let (mut server, port) = openssl_server(&[
        "-cert",
        &path("ec10-cert.pem"),
        "-cert_chain",
        &path("ca6-cert.pem"),
        "-key",
        &path("ec10-key.pem"),
        "-alpn",
        "h2,http/1.1",
    ]);
    let mut options = ConnectOptions::with_ca(pem("ca5-cert.pem"));
    options.alpn_protocols = vec!["http/1.1".into()];
    let mut stream = tlsbox::connect("localhost", port, options)
        .await
        .expect("handshake with s_server");
    assert!(stream.authorized(), "{:?}", stream.authorization_error());
    assert_eq!(stream.alpn_protocol(), Some("http/1.1"));
    let cert = stream.peer_certificate().unwrap();
    assert_eq!(cert.common_name(), Some("ec10"));
    assert_eq!(cert.nist_curve.as_deref(), Some("P-256"));

    stream.write_all(b"hello s_server\n").await.unwrap();
    stream.flush().await.unwrap();
    let line = tokio::task::spawn_blocking(move || {
        let line = server.wait_for_text("hello s_server");
        server.send(b"hello tlsbox\n");
        (line, server)
    })
    .await
    .unwrap();
    assert_eq!(line.0, "hello s_server");
    let mut buf = [0u8; 13];
    stream.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"hello tlsbox\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tlsbox_refuses_an_openssl_server_it_does_not_trust() {
    let (_server, port) = openssl_server(&[
        "-cert",
        &path("agent2-cert.pem"),
        "-key",
        &path("agent2-key.pem"),
    ]);
    let error = tlsbox::connect(
        "localhost",
        port,
        ConnectOptions::with_ca(pem("ca1-cert.pem")),
    )
    .await
    .unwrap_err();
    assert_eq!(error.code(), "DEPTH_ZERO_SELF_SIGNED_CERT", "{error}");
}
