//! The command component (`components/cli/`, `tlsbox-cli.wasm`): `server`
//! and `client` running inside a WebAssembly component that opens its own
//! sockets, here run by our host (`tlsbox run`, i.e.
//! `tlsbox::run_command`) against `openssl s_client` / `s_server`.
//!
//! The component is built for wasm32-wasip2 by a nested cargo into
//! `target/cli-component` (a no-op when it is up to date).

mod common;

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::peers::{Peer, openssl_client, openssl_server};
use serde_json::Value;

const TLSBOX: &str = env!("CARGO_BIN_EXE_tlsbox");

/// Builds the component (once per test process); returns the `.wasm`.
fn component() -> &'static Path {
    static WASM: OnceLock<PathBuf> = OnceLock::new();
    WASM.get_or_init(|| {
        let exe = std::env::current_exe().expect("test binary path");
        // target/<profile>/deps/cli_component-<hash>
        let target_dir = exe
            .ancestors()
            .nth(3)
            .expect("target dir")
            .join("cli-component");
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut cargo = Command::new(option_env!("CARGO").unwrap_or("cargo"));
        cargo
            .arg("build")
            .arg("--manifest-path")
            .arg(workspace.join("components/cli/Cargo.toml"))
            .args(["--target", "wasm32-wasip2", "--profile", "cli-component"])
            .arg("--target-dir")
            .arg(&target_dir);
        tlsbox_nested_cargo::clear_outer_build(&mut cargo);
        let status = cargo.status().expect("run cargo");
        assert!(status.success(), "building the command component failed");
        let wasm = target_dir
            .join("wasm32-wasip2")
            .join("cli-component")
            .join("tlsbox-cli.wasm");
        // Compile it once into tlsbox's cache, rather than in every test's
        // process at the same time.
        let warm = Command::new(TLSBOX)
            .arg("run")
            .arg(&wasm)
            .args(["--", "--version"])
            .output()
            .expect("run tlsbox");
        let version = String::from_utf8_lossy(&warm.stdout);
        assert!(version.starts_with("tlsbox-cli "), "{version:?} {warm:?}");
        wasm
    })
}

/// The fixtures directory, absolute and without `..` (it is preopened
/// under the same path, and the component opens files by that path).
fn fixtures() -> PathBuf {
    common::fixture("").canonicalize().expect("fixtures dir")
}

fn path(name: &str) -> String {
    fixtures().join(name).display().to_string()
}

fn json(line: &str) -> Value {
    serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
}

/// `tlsbox run --dir fixtures tlsbox-cli.wasm -- ARGS...`.
fn run_component(args: &[&str]) -> Peer {
    let fixtures = fixtures().display().to_string();
    let wasm = component().display().to_string();
    let mut all = vec!["run", "--dir", &fixtures, &wasm, "--"];
    all.extend_from_slice(args);
    Peer::spawn(TLSBOX, &all)
}

/// The component's echo server on a free port; returns it and the port.
fn component_server(extra: &[&str]) -> (Peer, u16) {
    let (cert, key) = (path("agent1-cert.pem"), path("agent1-key.pem"));
    let mut args = vec![
        "server",
        "--accept",
        "127.0.0.1:0",
        "--json",
        "--cert",
        &cert,
        "--key",
        &key,
    ];
    args.extend_from_slice(extra);
    let mut server = run_component(&args);
    let listening = json(&server.wait_for_text("\"listening\""));
    assert_eq!(listening["address"], "127.0.0.1");
    let port = listening["port"].as_u64().expect("port") as u16;
    (server, port)
}

/// `openssl s_client` verifying the server as `localhost` against ca1.
fn s_client(port: u16, extra: &[&str]) -> Peer {
    openssl_client(&format!("127.0.0.1:{port}"), &path("ca1-cert.pem"), extra)
}

#[test]
fn component_server_verifies_to_s_client_echoes_and_reports_json() {
    let (mut server, port) = component_server(&["--alpn", "h2,http/1.1"]);
    let mut client = s_client(port, &["-alpn", "http/1.1"]);
    client.wait_for_text("Verify return code: 0 (ok)");
    client.wait_for_text("welcome!");
    client.send(b"hello from openssl\n");
    client.wait_for("the echoed line", |line| line == "hello from openssl");

    let event = json(&server.wait_for_text("\"secureConnection\""));
    assert_eq!(event["authorized"], false, "no client certificate: {event}");
    assert_eq!(event["servername"], "localhost");
    assert_eq!(event["alpnProtocol"], "http/1.1");
    assert_eq!(event["protocol"], "TLSv1.3");
    assert!(
        event["cipher"]["name"]
            .as_str()
            .is_some_and(|n| n.starts_with("TLS_"))
    );
    assert_eq!(event["remoteAddress"], "127.0.0.1");
    assert_eq!(event["peerCertificate"], serde_json::json!({}));
}

#[test]
fn component_server_keeps_serving_while_one_client_stalls() {
    let (mut server, port) = component_server(&["--handshake-timeout", "60000"]);
    // Half a record header, then silence: this client never finishes.
    let mut stalled = TcpStream::connect(("127.0.0.1", port)).unwrap();
    std::io::Write::write_all(&mut stalled, &[0x16, 0x03]).unwrap();
    // A second one that completes its handshake and then sends nothing.
    let mut idle = s_client(port, &[]);
    idle.wait_for_text("welcome!");
    // Everyone else is still served.
    for n in 0..2 {
        let mut client = s_client(port, &[]);
        client.wait_for_text("Verify return code: 0 (ok)");
        client.wait_for_text("welcome!");
        let line = format!("client {n} is served");
        client.send(format!("{line}\n").as_bytes());
        client.wait_for("the echoed line", |l| l == line);
    }
    // The stalled one got no event: its handshake is still pending.
    server.wait_for_text("\"secureConnection\"");
    assert!(
        !server.seen.iter().any(|l| l.contains("clientError")),
        "{:?}",
        server.seen
    );
    drop(stalled);
}

#[test]
fn component_server_reports_a_failed_handshake_as_client_error() {
    let (mut server, port) = component_server(&[]);
    let mut plain = TcpStream::connect(("127.0.0.1", port)).unwrap();
    std::io::Write::write_all(&mut plain, b"GET / HTTP/1.1\r\n\r\n").unwrap();
    let event = json(&server.wait_for_text("\"clientError\""));
    assert_eq!(event["code"], "ERR_SSL_WRONG_VERSION_NUMBER", "{event}");
    // And the next client is served.
    let mut client = s_client(port, &[]);
    client.wait_for_text("welcome!");
}

#[test]
fn component_client_against_s_server_prints_what_the_native_client_prints() {
    let (mut s_server, port) = openssl_server(&[
        "-cert",
        &path("agent1-cert.pem"),
        "-key",
        &path("agent1-key.pem"),
    ]);
    let (connect, ca) = (format!("localhost:{port}"), path("ca1-cert.pem"));
    let args = ["client", "--connect", &connect, "--ca", &ca, "--json"];
    let mut client = run_component(&args);
    let event = json(&client.wait_for_text("\"secureConnect\""));
    assert_eq!(event["authorized"], true, "{event}");
    assert_eq!(event["servername"], "localhost");
    assert_eq!(event["peerCertificate"]["subject"]["CN"], "agent1");
    assert_eq!(
        event["peerCertificate"]["issuerCertificate"]["subject"]["CN"],
        "ca1"
    );
    client.send(b"hello s_server\n");
    s_server.wait_for("the client's line", |l| l == "hello s_server");
    s_server.send(b"hello component\n");
    client.wait_for("the server's line", |l| l == "hello component");
    // stdin ends: close_notify, the server closes, the client exits 0.
    client.close_stdin();
    assert_eq!(client.wait_exit(), Some(0), "{:?}", client.seen);

    // The native CLI prints the same line for the same server.
    let mut native = Peer::spawn(TLSBOX, &args);
    let native_event = json(&native.wait_for_text("\"secureConnect\""));
    assert_eq!(event, native_event);
}

#[test]
fn component_client_refuses_an_untrusted_server_with_nodes_code() {
    let (_s_server, port) = openssl_server(&[
        "-cert",
        &path("agent1-cert.pem"),
        "-key",
        &path("agent1-key.pem"),
    ]);
    let (connect, ca) = (format!("localhost:{port}"), path("ca2-cert.pem"));
    let mut client = run_component(&["client", "--connect", &connect, "--ca", &ca]);
    client.close_stdin();
    assert_eq!(client.wait_exit(), Some(1), "{:?}", client.seen);
    assert!(
        client
            .seen
            .iter()
            .any(|l| l.starts_with("tlsbox: UNABLE_TO_VERIFY_LEAF_SIGNATURE")),
        "{:?}",
        client.seen
    );
}

#[test]
fn component_without_a_preopened_dir_says_which_file_it_cannot_read() {
    let wasm = component().display().to_string();
    let cert = path("agent1-cert.pem");
    let mut server = Peer::spawn(
        TLSBOX,
        &[
            "run", &wasm, "--", "server", "--cert", &cert, "--key", &cert,
        ],
    );
    assert_eq!(server.wait_exit(), Some(1));
    assert!(
        server
            .seen
            .iter()
            .any(|l| l.contains("agent1-cert.pem") && l.contains("--dir")),
        "{:?}",
        server.seen
    );
}
