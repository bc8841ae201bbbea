//! `exportKeyingMaterial`: a tlsbox end and a Node end of one connection
//! export the same bytes for the same label and context, over TLS 1.3 and
//! TLS 1.2, with tlsbox as the server and as the client.

use crate::common::{fixture, identity, pem};
use tlsbox::{ConnectOptions, ServerOptions};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

const LABEL: &str = "EXPERIMENTAL tlsbox";
const CONTEXT: &[u8] = b"some context";

/// A Node client: connects (at most `maxVersion`), prints the hex of its
/// export with and without the context, and ends.
const NODE_CLIENT: &str = r#"
const tls = require('tls');
const fs = require('fs');
const [port, ca, maxVersion, label, context] = process.argv.slice(1);
const socket = tls.connect({ port: Number(port), host: '127.0.0.1', servername: 'localhost',
  ca: fs.readFileSync(ca), maxVersion }, () => {
  console.log(JSON.stringify({
    protocol: socket.getProtocol(),
    with: socket.exportKeyingMaterial(32, label, Buffer.from(context)).toString('hex'),
    without: socket.exportKeyingMaterial(48, label).toString('hex'),
  }));
  socket.end();
});
socket.on('data', () => {});
socket.on('error', (e) => { console.error(e); process.exit(1); });
"#;

/// A Node server: prints its port, then for its one connection the same
/// as [`NODE_CLIENT`], then waits for the client's end.
const NODE_SERVER: &str = r#"
const tls = require('tls');
const fs = require('fs');
const [key, cert, maxVersion, label, context] = process.argv.slice(1);
const server = tls.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert), maxVersion },
  (socket) => {
    console.log(JSON.stringify({
      protocol: socket.getProtocol(),
      with: socket.exportKeyingMaterial(32, label, Buffer.from(context)).toString('hex'),
      without: socket.exportKeyingMaterial(48, label).toString('hex'),
    }));
    socket.on('data', () => {});
    socket.on('end', () => { socket.end(); server.close(); });
  });
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
"#;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// tlsbox's side of the comparison: the protocol and both exports.
fn exports(stream: &mut tlsbox::CleartextStream) -> serde_json::Value {
    let with = stream
        .export_keying_material(32, LABEL, Some(CONTEXT))
        .expect("export with a context");
    let without = stream
        .export_keying_material(48, LABEL, None)
        .expect("export without");
    serde_json::json!({ "protocol": stream.protocol(), "with": hex(&with), "without": hex(&without) })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tlsbox_server_and_a_node_client_export_the_same_keying_material() {
    let server = tlsbox::create_server(ServerOptions::new(identity("agent1"))).unwrap();
    let port = server.listen("127.0.0.1:0").await.unwrap().port();
    let ca = fixture("ca1-cert.pem").display().to_string();
    for version in ["TLSv1.3", "TLSv1.2"] {
        let context = String::from_utf8_lossy(CONTEXT).to_string();
        let mut node = tokio::process::Command::new("node")
            .args([
                "-e",
                NODE_CLIENT,
                &port.to_string(),
                &ca,
                version,
                LABEL,
                &context,
            ])
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("node is needed (./test installs it)");
        let mut stream = server.accept().await.expect("a connection");
        let mut lines = BufReader::new(node.stdout.take().unwrap()).lines();
        let theirs: serde_json::Value =
            serde_json::from_str(&lines.next_line().await.unwrap().unwrap()).unwrap();
        let ours = exports(&mut stream);
        assert_eq!(ours["protocol"], version);
        assert_eq!(ours, theirs, "{version}");
        stream.shutdown().await.unwrap();
        assert!(node.wait().await.unwrap().success());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tlsbox_client_and_a_node_server_export_the_same_keying_material() {
    let (key, cert) = (fixture("agent1-key.pem"), fixture("agent1-cert.pem"));
    for version in ["TLSv1.3", "TLSv1.2"] {
        let context = String::from_utf8_lossy(CONTEXT).to_string();
        let mut node = tokio::process::Command::new("node")
            .arg("-e")
            .arg(NODE_SERVER)
            .arg(&key)
            .arg(&cert)
            .args([version, LABEL, &context])
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("node is needed (./test installs it)");
        let mut lines = BufReader::new(node.stdout.take().unwrap()).lines();
        let port: u16 = lines.next_line().await.unwrap().unwrap().parse().unwrap();
        let mut stream = tlsbox::connect(
            "localhost",
            port,
            ConnectOptions::with_ca(pem("ca1-cert.pem")),
        )
        .await
        .expect("handshake");
        let theirs: serde_json::Value =
            serde_json::from_str(&lines.next_line().await.unwrap().unwrap()).unwrap();
        let ours = exports(&mut stream);
        assert_eq!(ours["protocol"], version);
        assert_eq!(ours, theirs, "{version}");
        // A zero length is refused, as Node refuses it.
        let error = stream.export_keying_material(0, LABEL, None).unwrap_err();
        assert!(error.to_string().contains("greater than 0"), "{error}");
        stream.shutdown().await.unwrap();
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest).await;
    }
}
