//! A server's per-connection decisions against Node, each side by side
//! with Node doing the same: `ALPNCallback` (a tlsbox server with Node's
//! clients, a Node server with tlsbox's clients) and OCSP stapling (a
//! tlsbox server's `OCSPRequest` callback and static response with Node's
//! `requestOCSP` client; a Node server's `OCSPRequest` with tlsbox's).

use std::sync::{Arc, Mutex};

use crate::common::{fixture, identity, pem};
use serde_json::{Value, json};
use tlsbox::{ConnectOptions, ServerEvent, ServerOptions};
use tokio::io::{AsyncBufReadExt, BufReader};

/// A Node server with agent1, printing its port. `mode` picks its hook:
/// `alpn` chooses `x` when offered and refuses otherwise (as the tlsbox
/// server below); `ocsp` staples the file `extra` names.
const NODE_SERVER: &str = r#"
const tls = require('tls'), fs = require('fs');
const [key, cert, mode, extra] = process.argv.slice(1);
const options = { key: fs.readFileSync(key), cert: fs.readFileSync(cert) };
if (mode === 'alpn') options.ALPNCallback = ({ protocols }) => protocols.includes('x') ? 'x' : undefined;
const server = tls.createServer(options, (socket) => { socket.on('error', () => {}); socket.end('hi\n'); });
if (mode === 'ocsp') server.on('OCSPRequest', (cert, issuer, cb) => cb(null, fs.readFileSync(extra)));
server.on('tlsClientError', (e) => console.log(JSON.stringify({ serverError: e.code })));
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
"#;

/// Node's client: offers the ALPN protocols in `alpn` (comma-separated,
/// none when empty), asks for OCSP when `ocsp` is `1`, and prints one line:
/// what it agreed on and the stapled response in hex, or its error code.
const NODE_CLIENT: &str = r#"
const tls = require('tls'), fs = require('fs');
const [port, ca, alpn, ocsp] = process.argv.slice(1);
const options = { port: Number(port), host: '127.0.0.1', servername: 'localhost', ca: fs.readFileSync(ca) };
if (alpn) options.ALPNProtocols = alpn.split(',');
if (ocsp === '1') options.requestOCSP = true;
let stapled = null;
const socket = tls.connect(options, () => {
  console.log(JSON.stringify({ alpnProtocol: socket.alpnProtocol, ocspResponse: stapled }));
  // close_notify, not a reset: the server must see the handshake finish.
  socket.end();
});
socket.on('data', () => {});
socket.on('OCSPResponse', (response) => { stapled = response ? response.toString('hex') : null; });
socket.on('error', (e) => console.log(JSON.stringify({ error: e.code })));
"#;

async fn node_client(port: u16, alpn: &str, ocsp: bool) -> Value {
    let output = tokio::process::Command::new("node")
        .args(["-e", NODE_CLIENT, &port.to_string()])
        .arg(fixture("ca1-cert.pem"))
        .args([alpn, if ocsp { "1" } else { "0" }])
        .output()
        .await
        .expect("node");
    serde_json::from_slice(&output.stdout).expect("Node's line")
}

/// A Node server in `mode`, its port, and its output lines.
async fn node_server(
    mode: &str,
    extra: &str,
) -> (
    tokio::process::Child,
    u16,
    tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
) {
    let mut node = tokio::process::Command::new("node")
        .args(["-e", NODE_SERVER])
        .arg(fixture("agent1-key.pem"))
        .arg(fixture("agent1-cert.pem"))
        .args([mode, extra])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node");
    let mut lines = BufReader::new(node.stdout.take().unwrap()).lines();
    let port = lines.next_line().await.unwrap().unwrap().parse().unwrap();
    (node, port, lines)
}

/// What a tlsbox client reports against `port`: the same line as Node's.
async fn tlsbox_client(port: u16, alpn: &[&str], ocsp: bool) -> Value {
    let mut options = ConnectOptions::with_ca(pem("ca1-cert.pem"));
    options.servername = Some("localhost".into());
    options.alpn_protocols = alpn.iter().map(|p| p.to_string()).collect();
    options.request_ocsp = ocsp;
    match tlsbox::connect("127.0.0.1", port, options).await {
        Ok(stream) => json!({
            "alpnProtocol": stream.alpn_protocol().map_or(json!(false), |p| json!(p)),
            "ocspResponse": stream.ocsp_response().map(hex),
        }),
        Err(error) => json!({ "error": error.code() }),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn ocsp_der() -> Vec<u8> {
    std::fs::read(fixture("agent1-ocsp.der")).unwrap()
}

/// What an ALPN callback was given: the SNI name and the client's list.
type Offer = (Option<String>, Vec<String>);

/// `ALPNCallback` as Node's: it sees the SNI name and the client's list,
/// its choice is agreed, `None` refuses the client with
/// `no_application_protocol` (the server reports
/// `ERR_SSL_NO_APPLICATION_PROTOCOL` and keeps serving), and a client
/// without ALPN never reaches it. Node's server with the same callback
/// gives tlsbox's client the same answers; both callback and protocols
/// is an error, as in Node.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alpn_callback_decides_as_nodes_does() {
    let seen: Arc<Mutex<Vec<Offer>>> = Arc::default();
    let record = seen.clone();
    let options = ServerOptions::new(identity("agent1")).alpn_callback(move |name, protocols| {
        record
            .lock()
            .unwrap()
            .push((name.map(str::to_string), protocols.to_vec()));
        protocols.iter().find(|p| *p == "x").cloned()
    });
    let mut both = options.clone();
    both.alpn_protocols = vec!["a".into()];
    let error = tlsbox::create_server(both).expect_err("refused");
    assert_eq!(error.code(), "ERR_TLS_ALPN_CALLBACK_WITH_PROTOCOLS");

    let server = tlsbox::create_server(options).unwrap();
    let port = server.listen("127.0.0.1:0").await.unwrap().port();
    let (_node, node_port, mut node_lines) = node_server("alpn", "").await;

    let refused = json!({ "error": "ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL" });
    for (offer, expected) in [
        ("a,b", refused.clone()),
        ("a,x", json!({ "alpnProtocol": "x", "ocspResponse": null })),
        ("", json!({ "alpnProtocol": false, "ocspResponse": null })),
    ] {
        // The server's side is taken (and its stream dropped, closing it)
        // while Node's client waits for the end.
        let (node, outcome) = tokio::join!(node_client(port, offer, false), async {
            match server.next_event().await.expect("an event") {
                ServerEvent::ClientError { error, .. } => Some(error.code()),
                ServerEvent::SecureConnection(_) => None,
            }
        });
        assert_eq!(node, expected, "{offer}");
        let refusal = (expected == refused).then(|| "ERR_SSL_NO_APPLICATION_PROTOCOL".to_string());
        assert_eq!(outcome, refusal, "{offer}");
        let offered: Vec<&str> = offer.split(',').filter(|p| !p.is_empty()).collect();
        assert_eq!(
            tlsbox_client(node_port, &offered, false).await,
            expected,
            "{offer} against Node"
        );
        if expected == refused {
            let line = node_lines.next_line().await.unwrap().unwrap();
            assert_eq!(
                serde_json::from_str::<Value>(&line).unwrap(),
                json!({ "serverError": "ERR_SSL_NO_APPLICATION_PROTOCOL" })
            );
        }
    }
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        vec![
            (Some("localhost".into()), vec!["a".into(), "b".into()]),
            (Some("localhost".into()), vec!["a".into(), "x".into()]),
        ],
        "called once per client that offers ALPN"
    );
}

/// OCSP stapling against Node both ways: Node's `requestOCSP` client gets
/// what a tlsbox server's callback answers (the callback is handed the
/// server's certificate) and what its credentials staple; tlsbox's
/// `request_ocsp` client gets what Node's `OCSPRequest` handler answers.
/// A client that does not ask keeps nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ocsp_stapling_against_node_both_ways() {
    let der = ocsp_der();
    let stapled = json!({ "alpnProtocol": false, "ocspResponse": hex(&der) });
    let asked: Arc<Mutex<Vec<tlsbox::OcspRequest>>> = Arc::default();
    let record = asked.clone();
    let response = der.clone();
    let options = ServerOptions::new(identity("agent1")).ocsp_callback(move |request| {
        record.lock().unwrap().push(request);
        let response = response.clone();
        async move { Ok(Some(response)) }
    });
    let (_server, port) = crate::common::echo_server(options).await;
    assert_eq!(node_client(port, "", true).await, stapled);
    let asked = asked.lock().unwrap().clone();
    assert_eq!(asked.len(), 1);
    let agent1 = agent1_der();
    assert_eq!(asked[0].certificate, agent1);
    assert_eq!(asked[0].issuer, None, "agent1-cert.pem holds no issuer");

    let mut credentials = identity("agent1");
    credentials.ocsp_response = Some(der.clone());
    let (_server, port) = crate::common::echo_server(ServerOptions::new(credentials)).await;
    assert_eq!(node_client(port, "", true).await, stapled);
    let not_asked = json!({ "alpnProtocol": false, "ocspResponse": null });
    assert_eq!(node_client(port, "", false).await, not_asked);

    let (_node, node_port, _lines) =
        node_server("ocsp", &fixture("agent1-ocsp.der").display().to_string()).await;
    assert_eq!(tlsbox_client(node_port, &[], true).await, stapled);
    assert_eq!(tlsbox_client(node_port, &[], false).await, not_asked);
}

/// agent1's certificate, DER.
fn agent1_der() -> Vec<u8> {
    use rustls_pki_types::pem::PemObject;
    rustls_pki_types::CertificateDer::from_pem_slice(pem("agent1-cert.pem").as_bytes())
        .expect("agent1-cert.pem")
        .to_vec()
}
