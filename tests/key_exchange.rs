//! The post-quantum hybrid X25519MLKEM768: offered first by the
//! host-crypto engine, agreed between tlsbox ends, and passed over for
//! X25519 by peers without ML-KEM (OpenSSL 3.0, Node 20) with no
//! HelloRetryRequest, since the client sends an X25519 share from the same
//! key. The self-contained engine does not offer it.

mod common;

use common::peers::openssl_server;
use common::{echo_server, fixture, identity, pem};
use tlsbox::{ConnectOptions, Crypto, ServerOptions};

fn group(stream: &tlsbox::CleartextStream) -> Option<String> {
    stream.ephemeral_key_info().and_then(|key| key.name.clone())
}

fn client(crypto: Crypto) -> ConnectOptions {
    let mut options = ConnectOptions::with_ca(pem("ca1-cert.pem"));
    options.crypto = crypto;
    options.handshake_timeout = std::time::Duration::from_secs(20);
    options
}

/// Between tlsbox ends, TLS 1.3 agrees on the hybrid, and reports it;
/// TLS 1.2 (where ML-KEM has no place) and the self-contained engine
/// agree on X25519; `ecdhCurve` may name it, or leave it out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tlsbox_ends_agree_on_x25519mlkem768() {
    let (_server, port) = echo_server(ServerOptions::new(identity("agent1"))).await;
    let stream = tlsbox::connect("localhost", port, client(Crypto::Host))
        .await
        .unwrap();
    let key = stream.ephemeral_key_info().expect("key info").clone();
    assert_eq!(
        (key.kind.as_str(), key.name.as_deref(), key.size),
        ("KEM", Some("X25519MLKEM768"), 768)
    );
    assert_eq!(stream.protocol(), Some("TLSv1.3"));

    let mut tls12 = client(Crypto::Host);
    tls12.max_version = Some("TLSv1.2".into());
    let stream = tlsbox::connect("localhost", port, tls12).await.unwrap();
    assert_eq!(group(&stream).as_deref(), Some("X25519"));

    let stream = tlsbox::connect("localhost", port, client(Crypto::Guest))
        .await
        .unwrap();
    assert_eq!(group(&stream).as_deref(), Some("X25519"));

    let mut classical = client(Crypto::Host);
    classical.ecdh_curve = Some("X25519:P-256".into());
    let stream = tlsbox::connect("localhost", port, classical).await.unwrap();
    assert_eq!(group(&stream).as_deref(), Some("X25519"));

    let mut only = ServerOptions::new(identity("agent1"));
    only.ecdh_curve = Some("X25519MLKEM768".into());
    let (_only, only_port) = echo_server(only).await;
    let stream = tlsbox::connect("localhost", only_port, client(Crypto::Host))
        .await
        .unwrap();
    assert_eq!(group(&stream).as_deref(), Some("X25519MLKEM768"));
}

/// Against OpenSSL 3.0 and Node 20, which have no ML-KEM, a tlsbox client
/// agrees on X25519 in one round trip (its ClientHello carries an X25519
/// share beside the hybrid's, so the server needs no HelloRetryRequest),
/// and a hybrid-only client fails with Node's code for OpenSSL's alert.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peers_without_ml_kem_agree_on_x25519() {
    let (mut server, port) = openssl_server(&[
        "-cert",
        &fixture("agent1-cert.pem").display().to_string(),
        "-key",
        &fixture("agent1-key.pem").display().to_string(),
        "-www",
        "-trace",
    ]);
    let stream = tlsbox::connect("localhost", port, client(Crypto::Host))
        .await
        .unwrap();
    assert_eq!(group(&stream).as_deref(), Some("X25519"));
    assert_eq!(stream.protocol(), Some("TLSv1.3"));
    // The ClientHello's key shares, as s_server traces them: the hybrid's
    // (0x11ec, which OpenSSL 3.0 does not name) and X25519's.
    let _server = tokio::task::spawn_blocking(move || {
        server.wait_for_text("NamedGroup: UNKNOWN (4588)");
        server.wait_for_text("NamedGroup: ecdh_x25519 (29)");
        server
    })
    .await
    .unwrap();
    // s_server serves one connection at a time.
    drop(stream);

    let mut only = client(Crypto::Host);
    only.ecdh_curve = Some("X25519MLKEM768".into());
    let error = tlsbox::connect("localhost", port, only)
        .await
        .expect_err("OpenSSL 3.0 has no ML-KEM");
    assert_eq!(error.code(), "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE");

    // Node's client offers X25519 first; the server takes it.
    let (_server, port) = echo_server(ServerOptions::new(identity("agent1"))).await;
    let script = r#"
const tls = require('tls'), fs = require('fs');
const [port, ca] = process.argv.slice(1);
const socket = tls.connect({ port: Number(port), host: '127.0.0.1', servername: 'localhost', ca: fs.readFileSync(ca) },
  () => { console.log(JSON.stringify(socket.getEphemeralKeyInfo())); socket.destroy(); });
socket.on('error', (e) => console.log(JSON.stringify({ error: e.code })));
"#;
    let output = tokio::process::Command::new("node")
        .args(["-e", script, &port.to_string()])
        .arg(fixture("ca1-cert.pem"))
        .output()
        .await
        .expect("node");
    let key: serde_json::Value = serde_json::from_slice(&output.stdout).expect("Node's line");
    assert_eq!(key["name"], "X25519", "{key}");
}
