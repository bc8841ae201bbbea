//! Interop with OpenSSL: `openssl s_client` against a tlsbox server, and
//! tlsbox (library and CLI) against `openssl s_server`.

mod common;

use common::interop::{error_code, node_clients_async, tlsbox_clients};
use common::peers::{Peer, openssl_client, openssl_server};
use common::{echo_server, fixture, identity, pem};
use serde_json::{Value, json};
use tlsbox::{ConnectOptions, ServerEvent, ServerOptions};
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
        let mut client = openssl_client(&connect, &ca, &[]);
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
    let mut stream = match server.next_event().await.expect("an event") {
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
    assert!(
        matches!(&cert.key, tlsbox::PublicKeyInfo::Ec { nist_curve: Some(curve), .. } if curve == "P-256"),
        "{:?}",
        cert.key
    );

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

/// (server cert, key, chain sent after it, the client's ca, crl, servername, Node's code)
type OpensslCase = (
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
    Option<&'static str>,
    &'static str,
    Option<&'static str>,
);

/// The verification codes against `openssl s_server` peers: tlsbox's client
/// reports what Node's client reports for the same server, with rejection
/// on (the error) and off (`authorizationError`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verification_codes_against_openssl_servers_match_node() {
    let table: [OpensslCase; 7] = [
        (
            "agent1-cert.pem",
            "agent1-key.pem",
            None,
            "ca1-cert.pem",
            None,
            "localhost",
            None,
        ),
        (
            "agent2-cert.pem",
            "agent2-key.pem",
            None,
            "ca1-cert.pem",
            None,
            "localhost",
            Some("DEPTH_ZERO_SELF_SIGNED_CERT"),
        ),
        (
            "agent6-leaf-cert.pem",
            "agent6-key.pem",
            None,
            "ca1-cert.pem",
            None,
            "localhost",
            Some("UNABLE_TO_VERIFY_LEAF_SIGNATURE"),
        ),
        (
            "agent6-leaf-cert.pem",
            "agent6-key.pem",
            Some("ca3-cert.pem"),
            "ca2-cert.pem",
            None,
            "localhost",
            Some("UNABLE_TO_GET_ISSUER_CERT_LOCALLY"),
        ),
        (
            "expired-cert.pem",
            "expired-key.pem",
            None,
            "ca1-cert.pem",
            None,
            "localhost",
            Some("CERT_HAS_EXPIRED"),
        ),
        (
            "revoked-cert.pem",
            "revoked-key.pem",
            None,
            "ca2-cert.pem",
            Some("ca2-crl.pem"),
            "localhost",
            Some("CERT_REVOKED"),
        ),
        (
            "example-cert.pem",
            "example-key.pem",
            None,
            "ca1-cert.pem",
            None,
            "localhost",
            Some("ERR_TLS_CERT_ALTNAME_INVALID"),
        ),
    ];
    let mut servers = Vec::new();
    let mut cases = Vec::new();
    let mut expected = Vec::new();
    for (i, (cert, key, chain, ca, crl, servername, code)) in table.iter().enumerate() {
        let mut args = vec!["-cert".to_string(), path(cert), "-key".into(), path(key)];
        if let Some(chain) = chain {
            args.extend(["-cert_chain".into(), path(chain)]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (server, port) = openssl_server(&args);
        servers.push(server);
        for reject in [true, false] {
            let mut case = json!({
                "id": format!("{i}:{cert}/reject={reject}"), "port": port, "ca": ca,
                "servername": servername, "rejectUnauthorized": reject, "noReply": true,
            });
            if let Some(crl) = crl {
                case["crl"] = json!(crl);
            }
            cases.push(case);
            expected.push((reject, code.map_or(Value::Null, |c| json!(c))));
        }
    }
    let node = node_clients_async(cases.clone()).await;
    let ours = tlsbox_clients(&cases).await;
    for ((node, ours), (reject, code)) in node.iter().zip(&ours).zip(&expected) {
        let id = &node["id"];
        if *reject && !code.is_null() {
            assert_eq!(&error_code(node), code, "node, {id}");
            assert_eq!(&error_code(ours), code, "tlsbox, {id}: {}", ours["error"]);
            assert_eq!(ours["error"]["message"], node["error"]["message"], "{id}");
        } else {
            assert_eq!(&node["authorizationError"], code, "node, {id}");
            assert_eq!(
                &ours["authorizationError"], code,
                "tlsbox, {id}: {}",
                ours["error"]
            );
            assert_eq!(ours["authorized"], json!(code.is_null()), "{id}");
        }
    }
    drop(servers);
}

/// What a tlsbox server reports for the next connection.
async fn next_connection(
    server: &tlsbox::Server,
) -> Result<tlsbox::CleartextStream, tlsbox::Error> {
    match server.next_event().await.expect("an event") {
        ServerEvent::SecureConnection(stream) => Ok(*stream),
        ServerEvent::ClientError { error, .. } => Err(error),
    }
}

fn s_client(port: u16, extra: &[&str]) -> Peer {
    let connect = format!("127.0.0.1:{port}");
    let ca = path("ca1-cert.pem");
    let mut args = vec![
        "s_client",
        "-connect",
        &connect,
        "-CAfile",
        &ca,
        "-servername",
        "localhost",
    ];
    args.extend_from_slice(extra);
    Peer::spawn("openssl", &args)
}

/// Client certificates from `openssl s_client` to a tlsbox server: none
/// (Node's `UNABLE_TO_GET_ISSUER_CERT`), a good one, one revoked by the
/// server's CRL, and one from the wrong CA when required (the handshake
/// fails with OpenSSL's `unknown ca` alert on the client, Node's code on
/// the server).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openssl_s_client_certificates_against_a_tlsbox_server() {
    let mut options = ServerOptions::new(identity("agent1").with_ca(pem("ca1-cert.pem")));
    options.request_cert = true;
    let requested = tlsbox::create_server(options.clone()).unwrap();
    let port = requested.listen("127.0.0.1:0").await.unwrap().port();

    let client = s_client(port, &[]);
    let mut stream = next_connection(&requested)
        .await
        .expect("no certificate is not an error");
    assert!(!stream.authorized());
    assert_eq!(
        stream.authorization_error().unwrap().code(),
        "UNABLE_TO_GET_ISSUER_CERT"
    );
    assert!(stream.peer_certificate().is_none());
    drop(client);

    let (cert, key) = (path("agent1-cert.pem"), path("agent1-key.pem"));
    let client = s_client(port, &["-cert", &cert, "-key", &key]);
    let stream = next_connection(&requested).await.unwrap();
    assert!(stream.authorized(), "{:?}", stream.authorization_error());
    drop(client);

    let mut crl_options = ServerOptions::new(identity("agent1").with_ca(pem("ca2-cert.pem")));
    crl_options.credentials.crl.push(pem("ca2-crl.pem"));
    crl_options.request_cert = true;
    let with_crl = tlsbox::create_server(crl_options).unwrap();
    let crl_port = with_crl.listen("127.0.0.1:0").await.unwrap().port();
    let (cert, key) = (path("agent4-cert.pem"), path("agent4-key.pem"));
    let client = s_client(crl_port, &["-cert", &cert, "-key", &key]);
    let stream = next_connection(&with_crl).await.unwrap();
    assert!(!stream.authorized());
    assert_eq!(stream.authorization_error().unwrap().code(), "CERT_REVOKED");
    drop(client);

    options.reject_unauthorized = true;
    let required = tlsbox::create_server(options).unwrap();
    let required_port = required.listen("127.0.0.1:0").await.unwrap().port();
    let (cert, key) = (path("agent3-cert.pem"), path("agent3-key.pem"));
    let mut client = s_client(required_port, &["-cert", &cert, "-key", &key]);
    let error = next_connection(&required).await.unwrap_err();
    assert_eq!(error.code(), "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "{error}");
    tokio::task::spawn_blocking(move || {
        client.wait_for_text("alert unknown ca");
    })
    .await
    .unwrap();
}

/// ALPN without overlap, `openssl s_client` against a tlsbox server: the
/// client hears `no application protocol`; the server reports Node's code
/// and keeps serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openssl_s_client_without_a_common_alpn_protocol() {
    let mut options = ServerOptions::new(identity("agent1"));
    options.alpn_protocols = vec!["a".into(), "b".into(), "c".into()];
    let server = tlsbox::create_server(options).unwrap();
    let port = server.listen("127.0.0.1:0").await.unwrap().port();
    let mut client = s_client(port, &["-alpn", "x,y"]);
    let error = next_connection(&server).await.unwrap_err();
    assert_eq!(error.code(), "ERR_SSL_NO_APPLICATION_PROTOCOL", "{error}");
    let client = tokio::task::spawn_blocking(move || {
        client.wait_for_text("no application protocol");
        client
    })
    .await
    .unwrap();
    drop(client);
    let client = s_client(port, &["-alpn", "y,c"]);
    let stream = next_connection(&server).await.unwrap();
    assert_eq!(stream.alpn_protocol(), Some("c"));
    drop(client);
}

/// `minVersion`, `ecdhCurve` against OpenSSL, both ways. `s_client`
/// offering only what a tlsbox server refuses hears OpenSSL's alert
/// (`protocol version`, `handshake failure`) and the server reports
/// Node's code; a key share the server does not take is answered with a
/// HelloRetryRequest for its group. A tlsbox client against a restricted
/// `s_server` fails with Node's code for the alert, or agrees on the
/// server's group.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_and_groups_against_openssl_both_ways() {
    let mut options = ServerOptions::new(identity("agent1"));
    options.min_version = Some("TLSv1.3".into());
    options.ecdh_curve = Some("P-384".into());
    let server = tlsbox::create_server(options).unwrap();
    let port = server.listen("127.0.0.1:0").await.unwrap().port();
    for (args, code, alert) in [
        (
            ["-tls1_2", "-groups", "P-384"],
            "ERR_SSL_UNSUPPORTED_PROTOCOL",
            "alert protocol version",
        ),
        (
            ["-groups", "X25519", "-tls1_3"],
            "ERR_SSL_NO_SUITABLE_KEY_SHARE",
            "alert handshake failure",
        ),
    ] {
        let mut client = s_client(port, &args);
        let error = next_connection(&server).await.unwrap_err();
        assert_eq!(error.code(), code, "{args:?}: {error}");
        tokio::task::spawn_blocking(move || client.wait_for_text(alert))
            .await
            .unwrap();
    }
    // X25519 first: its key share is not taken, the retry brings P-384's.
    let mut client = s_client(port, &["-groups", "X25519:P-384"]);
    let stream = next_connection(&server).await.unwrap();
    assert_eq!(stream.protocol(), Some("TLSv1.3"));
    let line = tokio::task::spawn_blocking(move || client.wait_for_text("Server Temp Key"))
        .await
        .unwrap();
    assert!(line.contains("secp384r1"), "{line}");
    drop(stream);

    let (_tls12, port) = openssl_server(&[
        "-cert",
        &path("agent1-cert.pem"),
        "-key",
        &path("agent1-key.pem"),
        "-tls1_2",
    ]);
    let mut options = ConnectOptions::with_ca(pem("ca1-cert.pem"));
    options.min_version = Some("TLSv1.3".into());
    let error = tlsbox::connect("localhost", port, options)
        .await
        .unwrap_err();
    assert_eq!(
        error.code(),
        "ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION",
        "{error}"
    );

    let (_p256, port) = openssl_server(&[
        "-cert",
        &path("agent1-cert.pem"),
        "-key",
        &path("agent1-key.pem"),
        "-groups",
        "P-256",
    ]);
    let mut options = ConnectOptions::with_ca(pem("ca1-cert.pem"));
    options.ecdh_curve = Some("P-384".into());
    let error = tlsbox::connect("localhost", port, options.clone())
        .await
        .unwrap_err();
    assert_eq!(
        error.code(),
        "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE",
        "{error}"
    );
    options.ecdh_curve = Some("X25519:P-256".into());
    let stream = tlsbox::connect("localhost", port, options).await.unwrap();
    let key = stream.ephemeral_key_info().expect("a key exchange");
    assert_eq!(
        (key.kind.as_str(), key.name.as_deref(), key.size),
        ("ECDH", Some("prime256v1"), 256)
    );
}

/// `sigalgs` against OpenSSL both ways: `s_client` sees the scheme a
/// narrowed tlsbox server signs with, and `alert handshake failure` from
/// one narrowed to schemes its key cannot use (the server reporting
/// `ERR_SSL_NO_SUITABLE_SIGNATURE_ALGORITHM`), in TLS 1.3 and 1.2; a
/// narrowed tlsbox client against `s_server` connects or fails with
/// Node's code for the alert.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signature_algorithms_against_openssl_both_ways() {
    let mut options = ServerOptions::new(identity("agent1"));
    options.sigalgs = Some("RSA-PSS+SHA384".into());
    let pss = tlsbox::create_server(options.clone()).unwrap();
    let port = pss.listen("127.0.0.1:0").await.unwrap().port();
    let client = tokio::task::spawn_blocking(move || {
        let mut client = s_client(port, &[]);
        client.wait_for_text("Peer signing digest: SHA384");
        client.wait_for_text("Peer signature type: RSA-PSS");
        client
    });
    next_connection(&pss).await.expect("a PSS-SHA384 handshake");
    drop(client.await.unwrap());

    options.sigalgs = Some("ECDSA+SHA256".into());
    let ecdsa_only = tlsbox::create_server(options).unwrap();
    let port = ecdsa_only.listen("127.0.0.1:0").await.unwrap().port();
    for version in ["-tls1_3", "-tls1_2"] {
        let mut client = s_client(port, &[version]);
        let error = next_connection(&ecdsa_only).await.unwrap_err();
        assert_eq!(
            error.code(),
            "ERR_SSL_NO_SUITABLE_SIGNATURE_ALGORITHM",
            "{version}: {error}"
        );
        tokio::task::spawn_blocking(move || client.wait_for_text("alert handshake failure"))
            .await
            .unwrap();
    }

    let (_server, port) = openssl_server(&[
        "-cert",
        &path("agent1-cert.pem"),
        "-key",
        &path("agent1-key.pem"),
    ]);
    for (sigalgs, outcome) in [
        ("RSA-PSS+SHA512", Ok(())),
        ("ECDSA+SHA256", Err("ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE")),
    ] {
        let mut options = ConnectOptions::with_ca(pem("ca1-cert.pem"));
        options.sigalgs = Some(sigalgs.into());
        let result = tlsbox::connect("localhost", port, options).await;
        assert_eq!(
            result.map(drop).map_err(|e| e.code()),
            outcome.map_err(str::to_string),
            "{sigalgs}"
        );
    }
}
