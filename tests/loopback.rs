//! The library API over real sockets on loopback: the echo server and client,
//! StartTLS over an existing connection, and the server's bookkeeping.

mod common;

use std::time::Duration;

use common::{echo_server, identity, pem, trusting};
use tlsbox::{ConnectOptions, Crypto, ServerOptions};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echo_server_and_client_through_the_library() {
    let (server, port) = echo_server(ServerOptions::new(identity("agent1"))).await;
    let mut client = tlsbox::connect(
        "localhost",
        port,
        ConnectOptions::with_ca(pem("ca1-cert.pem")),
    )
    .await
    .expect("handshake");
    assert!(client.authorized());
    assert_eq!(client.servername(), Some("localhost"));
    assert_eq!(client.remote_addr().map(|a| a.port()), Some(port));
    assert!(client.local_addr().is_some());
    let cipher = client.cipher().expect("cipher");
    assert_eq!(cipher.version, "TLSv1.3");
    assert!(cipher.standard_name.starts_with("TLS_"), "{cipher:?}");

    client.write_all(b"ping\n").await.unwrap();
    client.shutdown().await.unwrap();
    let mut reply = String::new();
    client.read_to_string(&mut reply).await.unwrap();
    assert_eq!(reply, "welcome!\nping\n");
    drop(client);

    tokio::time::timeout(Duration::from_secs(10), server.close())
        .await
        .expect("close resolves");
    assert_eq!(server.connections(), 0);
    assert!(server.address().is_none());
    assert!(
        server.accept().await.is_none(),
        "a closed server yields no more connections"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ip_host_sends_no_sni_and_is_checked_against_ip_sans() {
    let server = tlsbox::create_server(ServerOptions::new(identity("agent1"))).unwrap();
    let port = server.listen("127.0.0.1:0").await.unwrap().port();
    let client = tokio::spawn(tlsbox::connect(
        "127.0.0.1",
        port,
        ConnectOptions::with_ca(pem("ca1-cert.pem")),
    ));
    let accepted = server.accept().await.expect("secure connection");
    let client = client.await.unwrap().expect("agent1 has IP:127.0.0.1");
    assert!(client.authorized());
    assert_eq!(client.servername(), None);
    assert_eq!(accepted.servername(), None, "no SNI for an IP host");
    assert_eq!(accepted.remote_addr(), client.local_addr());
}

/// StartTLS: a plain-text exchange first, then both sides upgrade the same
/// TCP connection with `create_secure_pair`, then secure data.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_upgrades_an_existing_tcp_connection() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();

    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut plain = BufReader::new(tcp);
        let mut line = String::new();
        plain.read_line(&mut line).await.unwrap();
        assert_eq!(line, "STARTTLS\n");
        plain.get_mut().write_all(b"220 go ahead\n").await.unwrap();
        let pair = tlsbox::create_secure_pair(identity("agent1"), true, false, false).unwrap();
        let mut secure = pair
            .secure(plain.into_inner())
            .await
            .expect("server side secure");
        let mut buf = [0u8; 12];
        secure.read_exact(&mut buf).await.unwrap();
        secure.write_all(&buf).await.unwrap();
        secure.shutdown().await.unwrap();
        buf
    });

    let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let mut plain = BufReader::new(tcp);
    plain.get_mut().write_all(b"STARTTLS\n").await.unwrap();
    let mut line = String::new();
    plain.read_line(&mut line).await.unwrap();
    assert_eq!(line, "220 go ahead\n");
    let pair = tlsbox::create_secure_pair(trusting("ca1"), false, false, true)
        .unwrap()
        .servername("localhost");
    let mut secure = pair
        .secure(plain.into_inner())
        .await
        .expect("client side secure");
    assert!(secure.authorized());
    secure.write_all(b"secret words").await.unwrap();
    let mut echoed = Vec::new();
    secure.read_to_end(&mut echoed).await.unwrap();
    assert_eq!(echoed, b"secret words");
    assert_eq!(&server.await.unwrap(), b"secret words");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_counts_live_connections_and_close_waits_for_them() {
    let (server, port) = echo_server(ServerOptions::new(identity("agent1"))).await;
    let mut first = tlsbox::connect(
        "localhost",
        port,
        ConnectOptions::with_ca(pem("ca1-cert.pem")),
    )
    .await
    .unwrap();
    let mut second = tlsbox::connect(
        "localhost",
        port,
        ConnectOptions::with_ca(pem("ca1-cert.pem")),
    )
    .await
    .unwrap();
    let mut welcome = [0u8; 9];
    first.read_exact(&mut welcome).await.unwrap();
    second.read_exact(&mut welcome).await.unwrap();
    assert_eq!(server.connections(), 2);

    let closing = {
        let server = server.clone();
        tokio::spawn(async move { server.close().await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!closing.is_finished(), "close waits for live connections");
    assert!(
        TcpStream::connect(("127.0.0.1", port)).await.is_err(),
        "no longer accepting"
    );

    for mut stream in [first, second] {
        stream.shutdown().await.unwrap();
        let mut rest = Vec::new();
        stream.read_to_end(&mut rest).await.unwrap();
    }
    tokio::time::timeout(Duration::from_secs(10), closing)
        .await
        .expect("close resolves")
        .unwrap();
    assert_eq!(server.connections(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_credentials_fail_at_create_server_with_nodes_codes() {
    let not_pem = tlsbox::Credentials {
        key: Some(pem("not-a-pem.pem")),
        cert: Some(pem("agent1-cert.pem")),
        ..Default::default()
    };
    let error = tlsbox::create_server(ServerOptions::new(not_pem)).unwrap_err();
    assert_eq!(error.code(), "ERR_OSSL_PEM_NO_START_LINE", "{error}");

    let mismatched = tlsbox::Credentials {
        key: Some(pem("agent2-key.pem")),
        cert: Some(pem("agent1-cert.pem")),
        ..Default::default()
    };
    let error = tlsbox::create_server(ServerOptions::new(mismatched)).unwrap_err();
    assert_eq!(error.code(), "ERR_OSSL_X509_KEY_VALUES_MISMATCH", "{error}");

    let mut encrypted = identity("agent5");
    encrypted.passphrase = Some("wrong".into());
    let error = tlsbox::create_server(ServerOptions::new(encrypted.clone())).unwrap_err();
    assert_eq!(error.code(), "ERR_OSSL_BAD_DECRYPT", "{error}");
    encrypted.passphrase = Some(pem("agent5-passphrase.txt"));
    tlsbox::create_server(ServerOptions::new(encrypted))
        .expect("the right passphrase opens the key");
}

/// Both components (ring in the guest, and the primitives in the host)
/// carry a large echo with each AEAD of TLS 1.3 and TLS 1.2, and
/// interoperate with each other in both directions.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_crypto_builds_carry_data_with_each_aead() {
    let payload: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    for (server_crypto, client_crypto) in [
        (Crypto::Guest, Crypto::Guest),
        (Crypto::Host, Crypto::Host),
        (Crypto::Guest, Crypto::Host),
        (Crypto::Host, Crypto::Guest),
    ] {
        for suite in [
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        ] {
            let mut options = ServerOptions::new(identity("agent1"));
            options.crypto = server_crypto;
            let (server, port) = echo_server(options).await;
            let mut connect = ConnectOptions::with_ca(pem("ca1-cert.pem"));
            connect.crypto = client_crypto;
            connect.ciphers = Some(suite.into());
            let client = tlsbox::connect("localhost", port, connect)
                .await
                .expect("handshake");
            assert_eq!(client.cipher().expect("cipher").standard_name, suite);
            let (mut reader, mut writer) = tokio::io::split(client);
            let sent = payload.clone();
            let writing = tokio::spawn(async move {
                writer.write_all(&sent).await.unwrap();
                writer.shutdown().await.unwrap();
            });
            let mut reply = Vec::new();
            reader.read_to_end(&mut reply).await.unwrap();
            writing.await.unwrap();
            let expected = [b"welcome!\n".as_slice(), &payload].concat();
            assert!(
                reply == expected,
                "{server_crypto:?}/{client_crypto:?} {suite}: {} bytes back",
                reply.len()
            );
            drop(reader);
            server.close().await;
        }
    }
}

/// `add_context` refuses, at once and with Node's code, a pattern the
/// engine's SNI table would refuse (the one rule, in the engine).
#[tokio::test]
async fn add_context_refuses_a_pattern_the_sni_table_cannot_match() {
    let server = tlsbox::create_server(ServerOptions::new(identity("agent1"))).unwrap();
    for bad in [
        "",
        ".",
        "*",
        "*.",
        "*a.example.com",
        "a.*.example.com",
        "www.*",
    ] {
        let error = server.add_context(bad, identity("agent2")).unwrap_err();
        assert_eq!(error.code(), "ERR_INVALID_ARG_VALUE", "{bad:?}: {error}");
        assert!(error.to_string().contains("invalid SNI pattern"), "{error}");
    }
    for good in ["agent2", "*.example.com", "Agent2.Example.COM."] {
        server.add_context(good, identity("agent2")).expect(good);
    }
}
