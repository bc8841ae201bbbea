//! `checkServerIdentity`: a client's override of the host-name check,
//! against a Node server, next to Node's client with the same override.

use crate::common::{fixture, pem};
use tlsbox::ConnectOptions;
use tokio::io::{AsyncBufReadExt, BufReader};

/// A Node server with agent1 (for `localhost`, issued by ca1): prints its port.
const NODE_SERVER: &str = r#"
const tls = require('tls'), fs = require('fs');
const [key, cert] = process.argv.slice(1);
const server = tls.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) },
  (socket) => { socket.on('error', () => {}); socket.end('hi\n'); });
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
"#;

/// Node's client with `checkServerIdentity` accepting only `fingerprint256
/// == pin`, connecting under `servername`: prints what it decided.
const NODE_CLIENT: &str = r#"
const tls = require('tls'), fs = require('fs');
const [port, ca, servername, pin] = process.argv.slice(1);
const socket = tls.connect({ port: Number(port), host: '127.0.0.1', servername, ca: fs.readFileSync(ca),
  checkServerIdentity: (host, cert) => cert.fingerprint256 === pin ? undefined : new Error(`${host}: not pinned`) },
  () => { console.log(JSON.stringify({ authorized: socket.authorized })); socket.destroy(); });
socket.on('error', (e) => console.log(JSON.stringify({ error: e.message })));
"#;

async fn node_client(port: u16, servername: &str, pin: &str) -> serde_json::Value {
    let output = tokio::process::Command::new("node")
        .args(["-e", NODE_CLIENT, &port.to_string()])
        .arg(fixture("ca1-cert.pem"))
        .args([servername, pin])
        .output()
        .await
        .expect("node");
    serde_json::from_slice(&output.stdout).expect("Node's line")
}

/// The override replaces the name check (a name the certificate does not
/// hold is accepted when the pin matches) and its refusal fails the
/// connection with its message, as Node's client does; with rejection
/// off it is the authorization error; a chain that does not verify never
/// reaches it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_server_identity_pins_as_in_node() {
    let mut node = tokio::process::Command::new("node")
        .args(["-e", NODE_SERVER])
        .arg(fixture("agent1-key.pem"))
        .arg(fixture("agent1-cert.pem"))
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node");
    let mut lines = BufReader::new(node.stdout.take().unwrap()).lines();
    let port: u16 = lines.next_line().await.unwrap().unwrap().parse().unwrap();
    let pinned = |pin: &'static str| {
        let mut options = ConnectOptions::with_ca(pem("ca1-cert.pem")).check_server_identity(
            move |host, cert| match cert.fingerprint256 == pin {
                true => Ok(()),
                false => Err(format!("{host}: not pinned")),
            },
        );
        options.servername = Some("not-in-the-cert.example".into());
        options
    };
    // Without the override, that name is not the certificate's.
    let mut plain = ConnectOptions::with_ca(pem("ca1-cert.pem"));
    plain.servername = Some("not-in-the-cert.example".into());
    let error = tlsbox::connect("127.0.0.1", port, plain).await.unwrap_err();
    assert_eq!(error.code(), "ERR_TLS_CERT_ALTNAME_INVALID", "{error}");
    // The pin: agent1's SHA-256 fingerprint.
    let mut probe = ConnectOptions::with_ca(pem("ca1-cert.pem"));
    probe.servername = Some("localhost".into());
    let mut stream = tlsbox::connect("127.0.0.1", port, probe).await.unwrap();
    let pin: &'static str = Box::leak(
        stream
            .peer_certificate()
            .unwrap()
            .fingerprint256
            .clone()
            .into_boxed_str(),
    );

    let stream = tlsbox::connect("127.0.0.1", port, pinned(pin))
        .await
        .expect("the pin replaces the name check");
    assert!(stream.authorized());
    assert_eq!(
        node_client(port, "not-in-the-cert.example", pin).await,
        serde_json::json!({ "authorized": true })
    );

    let error = tlsbox::connect("127.0.0.1", port, pinned("00:11"))
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .ends_with(": not-in-the-cert.example: not pinned"),
        "the closure's message: {error}"
    );
    assert_eq!(error.code(), "ERR_TLS_CERT_ALTNAME_INVALID");
    assert_eq!(
        node_client(port, "not-in-the-cert.example", "00:11").await,
        serde_json::json!({ "error": "not-in-the-cert.example: not pinned" })
    );

    let stream = tlsbox::connect(
        "127.0.0.1",
        port,
        pinned("00:11").dangerous_accept_unauthorized(),
    )
    .await
    .expect("rejection off");
    assert!(!stream.authorized());
    assert_eq!(
        stream.authorization_error().unwrap().to_string(),
        "not-in-the-cert.example: not pinned"
    );

    // An untrusted chain keeps its own error; the override is not asked.
    let called = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let seen = called.clone();
    let options =
        ConnectOptions::with_ca(pem("ca2-cert.pem")).check_server_identity(move |_, _| {
            seen.store(true, std::sync::atomic::Ordering::SeqCst);
            Ok(())
        });
    let error = tlsbox::connect("localhost", port, options)
        .await
        .unwrap_err();
    assert_eq!(error.code(), "UNABLE_TO_VERIFY_LEAF_SIGNATURE");
    assert!(!called.load(std::sync::atomic::Ordering::SeqCst));
}
