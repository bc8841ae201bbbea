//! The `tlsbox` binary, driven as a user would drive it.

mod common;

use common::fixture;
use common::peers::{Peer, openssl_client, openssl_server};
use serde_json::Value;

const TLSBOX: &str = env!("CARGO_BIN_EXE_tlsbox");

fn path(name: &str) -> String {
    fixture(name).display().to_string()
}

fn json(line: &str) -> Value {
    serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
}

#[test]
fn demo_prints_nodes_example_output_and_exits_zero() {
    let output = std::process::Command::new(TLSBOX)
        .arg("demo")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for expected in [
        "server connected authorized",
        "client connected authorized",
        "subject: C=US, ST=CA, L=SF, O=Joyent, OU=Node.js, CN=agent1",
        "issuer: C=US, ST=CA, L=SF, O=Joyent, OU=Node.js, CN=ca1",
        "welcome!",
        "hello through the sandbox",
    ] {
        assert!(
            stdout.lines().any(|l| l == expected),
            "missing {expected:?} in:\n{stdout}"
        );
    }
}

/// Starts `tlsbox server --json` on a free port; returns it and the port.
fn tlsbox_server(extra: &[&str]) -> (Peer, u16) {
    let mut args = vec!["server", "--accept", "127.0.0.1:0", "--json"];
    args.extend_from_slice(extra);
    let mut server = Peer::spawn(TLSBOX, &args);
    let listening = json(&server.wait_for_text("\"listening\""));
    assert_eq!(listening["address"], "127.0.0.1");
    let port = listening["port"].as_u64().expect("port") as u16;
    (server, port)
}

#[test]
fn cli_server_and_cli_client_report_json_and_echo() {
    let (cert, key, ca) = (
        path("agent1-cert.pem"),
        path("agent1-key.pem"),
        path("ca1-cert.pem"),
    );
    let (mut server, port) = tlsbox_server(&["--cert", &cert, "--key", &key, "--alpn", "b,a"]);
    let connect = format!("localhost:{port}");
    let mut client = Peer::spawn(
        TLSBOX,
        &[
            "client",
            "--connect",
            &connect,
            "--ca",
            &ca,
            "--alpn",
            "a,b",
            "--json",
        ],
    );
    let connected = json(&client.wait_for_text("\"secureConnect\""));
    assert_eq!(connected["authorized"], true);
    assert_eq!(connected["authorizationError"], Value::Null);
    assert_eq!(connected["servername"], "localhost");
    assert_eq!(
        connected["alpnProtocol"], "b",
        "the server's preference wins"
    );
    assert_eq!(connected["protocol"], "TLSv1.3");
    assert_eq!(connected["peerCertificate"]["subject"]["CN"], "agent1");
    assert_eq!(
        connected["peerCertificate"]["issuerCertificate"]["subject"]["CN"],
        "ca1"
    );

    client.wait_for_text("welcome!");
    client.send(b"over the wire\n");
    client.wait_for("the echo", |l| l == "over the wire");
    client.close_stdin();
    assert_eq!(client.wait_exit(), Some(0), "clean close exits 0");

    let accepted = json(&server.wait_for_text("\"secureConnection\""));
    assert_eq!(accepted["servername"], "localhost");
    assert_eq!(accepted["alpnProtocol"], "b");
    assert_eq!(accepted["remoteAddress"], "127.0.0.1");
    assert!(accepted["remotePort"].as_u64().is_some());
    assert_eq!(
        accepted["peerCertificate"],
        serde_json::json!({}),
        "no client certificate"
    );
}

#[test]
fn cli_client_fails_with_nodes_code_and_a_non_zero_exit() {
    let (cert, key) = (path("agent1-cert.pem"), path("agent1-key.pem"));
    let (mut server, port) = tlsbox_server(&["--cert", &cert, "--key", &key]);
    let connect = format!("localhost:{port}");
    let mut client = Peer::spawn(
        TLSBOX,
        &[
            "client",
            "--connect",
            &connect,
            "--ca",
            &path("ca2-cert.pem"),
        ],
    );
    assert_ne!(client.wait_exit(), Some(0));
    assert!(
        client
            .seen
            .iter()
            .any(|l| l.contains("UNABLE_TO_VERIFY_LEAF_SIGNATURE")),
        "{:?}",
        client.seen
    );
    let error = json(&server.wait_for_text("\"clientError\""));
    assert!(
        error["code"].as_str().is_some_and(|c| !c.is_empty()),
        "{error}"
    );

    // --insecure: the same server is accepted, and the reason reported.
    let mut client = Peer::spawn(
        TLSBOX,
        &[
            "client",
            "--connect",
            &connect,
            "--ca",
            &path("ca2-cert.pem"),
            "--insecure",
            "--json",
        ],
    );
    let connected = json(&client.wait_for_text("\"secureConnect\""));
    assert_eq!(connected["authorized"], false);
    assert_eq!(
        connected["authorizationError"],
        "UNABLE_TO_VERIFY_LEAF_SIGNATURE"
    );
}

#[test]
fn openssl_s_client_against_the_cli_server_sees_junk_handled_and_keeps_serving() {
    let (cert, key) = (path("agent1-cert.pem"), path("agent1-key.pem"));
    let (mut server, port) = tlsbox_server(&["--cert", &cert, "--key", &key]);
    // Junk instead of a ClientHello: a clientError, and the server keeps serving.
    {
        use std::io::Write;
        let mut junk = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        junk.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
        let error = json(&server.wait_for_text("\"clientError\""));
        assert_eq!(error["code"], "ERR_SSL_WRONG_VERSION_NUMBER", "{error}");
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .contains("wrong version number")
        );
    }
    let connect = format!("127.0.0.1:{port}");
    let ca = path("ca1-cert.pem");
    let mut client = Peer::spawn(
        "openssl",
        &[
            "s_client",
            "-connect",
            &connect,
            "-CAfile",
            &ca,
            "-verify_hostname",
            "localhost",
        ],
    );
    client.wait_for_text("Verify return code: 0 (ok)");
    client.wait_for_text("welcome!");
    server.wait_for_text("\"secureConnection\"");
}

#[test]
fn cli_client_against_openssl_s_server() {
    let (mut server, port) = openssl_server(&[
        "-cert",
        &path("agent1-cert.pem"),
        "-key",
        &path("agent1-key.pem"),
    ]);
    let connect = format!("localhost:{port}");
    let mut client = Peer::spawn(
        TLSBOX,
        &[
            "client",
            "--connect",
            &connect,
            "--ca",
            &path("ca1-cert.pem"),
        ],
    );
    client.wait_for_text("client connected authorized");
    client.send(b"to openssl\n");
    server.wait_for_text("to openssl");
}

#[test]
fn cli_server_times_out_silent_peers_and_logs_keys_only_to_the_named_file() {
    let (cert, key) = (path("agent1-cert.pem"), path("agent1-key.pem"));
    let keylog = std::env::temp_dir().join(format!("tlsbox-cli-keylog-{}", std::process::id()));
    let _ = std::fs::remove_file(&keylog);
    let keylog_arg = keylog.display().to_string();
    let (mut server, port) = tlsbox_server(&[
        "--cert",
        &cert,
        "--key",
        &key,
        "--handshake-timeout",
        // Short for the silent peer, long enough for openssl on a loaded machine.
        "1500",
        "--keylog",
        &keylog_arg,
    ]);
    let _silent = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let error = json(&server.wait_for_text("\"clientError\""));
    assert_eq!(error["code"], "ERR_TLS_HANDSHAKE_TIMEOUT", "{error}");
    let empty = std::fs::read_to_string(&keylog).unwrap_or_default();
    assert!(empty.is_empty(), "no handshake, no secrets: {empty}");

    let connect = format!("127.0.0.1:{port}");
    let ca = path("ca1-cert.pem");
    let mut client = Peer::spawn(
        "openssl",
        &["s_client", "-connect", &connect, "-CAfile", &ca],
    );
    client.wait_for_text("welcome!");
    server.wait_for_text("\"secureConnection\"");
    let logged = std::fs::read_to_string(&keylog).unwrap();
    assert_eq!(logged.lines().count(), 5, "{logged}");
    assert!(logged.contains("CLIENT_TRAFFIC_SECRET_0 "), "{logged}");
    let _ = std::fs::remove_file(&keylog);
}

#[test]
fn cli_server_with_too_little_memory_says_so_and_exits_non_zero() {
    let output = std::process::Command::new(TLSBOX)
        .args(["server", "--accept", "127.0.0.1:0", "--max-memory", "0"])
        .args([
            "--cert",
            &path("agent1-cert.pem"),
            "--key",
            &path("agent1-key.pem"),
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("ERR_TLSBOX_LIMIT"), "{stderr}");
    assert!(stderr.contains("memory limit"), "{stderr}");
}

#[test]
fn an_unknown_engine_build_is_a_one_line_error_naming_the_choices() {
    let output = std::process::Command::new(TLSBOX)
        .args(["client", "--connect", "127.0.0.1:1", "--crypto", "wasm"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("unknown engine build \"wasm\": expected host or guest"),
        "{stderr}"
    );
}

/// `tlsbox server` under `prlimit`, with `limit` (`--nofile=...`,
/// `--as=...`): returns it and its port.
fn limited_tlsbox_server(limit: &str) -> (Peer, u16) {
    let (cert, key) = (path("agent1-cert.pem"), path("agent1-key.pem"));
    let mut server = Peer::spawn(
        "prlimit",
        &[
            limit,
            TLSBOX,
            "server",
            "--accept",
            "127.0.0.1:0",
            "--json",
            "--cert",
            &cert,
            "--key",
            &key,
        ],
    );
    let listening = json(&server.wait_for_text("\"listening\""));
    let port = listening["port"].as_u64().expect("port") as u16;
    (server, port)
}

/// Out of file descriptors, the server says which limit it ran into and
/// how to raise it, once, and serves again when connections go.
#[test]
fn a_server_out_of_files_names_the_open_files_limit() {
    let (mut server, port) = limited_tlsbox_server("--nofile=64:64");
    let held: Vec<_> = (0..100)
        .filter_map(|_| std::net::TcpStream::connect(("127.0.0.1", port)).ok())
        .collect();
    let line = server.wait_for_text("RLIMIT_NOFILE");
    assert!(line.contains("may have 64 files open"), "{line}");
    assert!(line.contains("ulimit -n"), "{line}");
    drop(held);
    // Once the held connections are gone, a client is served.
    let mut client = Peer::spawn(
        TLSBOX,
        &[
            "client",
            "--connect",
            &format!("localhost:{port}"),
            "--ca",
            &path("ca1-cert.pem"),
        ],
    );
    client.wait_for_text("welcome!");
    let reported = server
        .seen
        .iter()
        .filter(|line| line.contains("RLIMIT_NOFILE"))
        .count();
    assert_eq!(reported, 1, "reported once: {:?}", server.seen);
}

/// When the kernel will not map another sandbox's memory, the error names
/// the mapping limit and what to do. The address-space limit stands in for
/// `vm.max_map_count` here (a test cannot lower a sysctl): both make the
/// instance's reservation fail with ENOMEM, each a little over 4 GiB.
#[test]
fn a_sandbox_the_kernel_will_not_map_names_the_mapping_limit() {
    let (cert, key) = (path("agent1-cert.pem"), path("agent1-key.pem"));
    let address_space = format!("--as={}", 9u64 << 30);
    let mut server = Peer::spawn(
        "prlimit",
        &[
            &address_space,
            TLSBOX,
            "server",
            "--accept",
            "127.0.0.1:0",
            "--json",
            "--cert",
            &cert,
            "--key",
            &key,
        ],
    );
    let first = server.wait_for("listening or refused", |line| {
        line.contains("\"listening\"") || line.contains("vm.max_map_count")
    });
    // Each connection's sandbox is made on accept, before any byte: raw
    // connections hold one each, until the kernel refuses the next.
    let mut held = Vec::new();
    if first.contains("\"listening\"") {
        let port = json(&first)["port"].as_u64().expect("port") as u16;
        held.extend((0..6).filter_map(|_| std::net::TcpStream::connect(("127.0.0.1", port)).ok()));
    }
    let refused = server.wait_for_text("vm.max_map_count");
    assert!(refused.contains("ENOMEM"), "{refused}");
    assert!(refused.contains("sysctl -w vm.max_map_count="), "{refused}");
    assert!(refused.contains("--isolation context:N"), "{refused}");
    drop(held);
}

/// Runs `curl` against `url` trusting `ca`, with `extra` arguments; returns
/// the response's head and body.
fn curl(url: &str, ca: &str, extra: &[&str]) -> (String, String) {
    let output = std::process::Command::new("curl")
        .args(["--silent", "--show-error", "--include", "--max-time", "20"])
        .args(["--cacert", ca])
        .args(extra)
        .arg(url)
        .output()
        .expect("curl is needed (./test installs it)");
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        output.status.success(),
        "curl: {}\n{text}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (head, body) = text.split_once("\r\n\r\n").expect("a head and a body");
    (head.to_string(), body.to_string())
}

/// `tlsbox server --www`: curl and Node's https client each get
/// `HTTP/1.0 200` whose body is the connection's JSON, the object the
/// server prints for that connection; another method gets 405.
#[test]
fn the_cli_server_answers_http_with_its_status_page() {
    let (cert, key, ca) = (
        path("agent1-cert.pem"),
        path("agent1-key.pem"),
        path("ca1-cert.pem"),
    );
    let (mut server, port) = tlsbox_server(&["--cert", &cert, "--key", &key, "--www"]);
    let url = format!("https://localhost:{port}/");

    let (head, body) = curl(&url, &ca, &[]);
    assert!(head.starts_with("HTTP/1.0 200 OK\r\n"), "{head}");
    assert!(head.contains("Content-Type: application/json"), "{head}");
    let page = json(body.trim_end());
    let printed = json(&server.wait_for_text("\"secureConnection\""));
    assert_eq!(page, printed, "the page is the secureConnection object");
    assert_eq!(page["servername"], "localhost");
    assert_eq!(page["protocol"], "TLSv1.3");

    let (head, _) = curl(&url, &ca, &["--request", "POST", "--data", "x"]);
    assert!(head.starts_with("HTTP/1.0 405"), "{head}");
    assert!(head.contains("Allow: GET"), "{head}");

    // Node's HTTP parser reads the same response.
    let node = std::process::Command::new("node")
        .arg("-e")
        .arg(
            r#"const https = require('https'), fs = require('fs');
const [port, ca] = process.argv.slice(1);
https.get({ host: '127.0.0.1', port: Number(port), servername: 'localhost', ca: fs.readFileSync(ca),
            checkServerIdentity: () => undefined, path: '/' }, (res) => {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (chunk) => { body += chunk; });
  res.on('end', () => console.log(JSON.stringify({ status: res.statusCode, page: JSON.parse(body) })));
}).on('error', (e) => { console.error(e); process.exit(1); });"#,
        )
        .args([&port.to_string(), &ca])
        .output()
        .expect("node is needed (./test installs it)");
    let stdout = String::from_utf8_lossy(&node.stdout);
    assert!(
        node.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&node.stderr)
    );
    let seen = json(stdout.trim());
    assert_eq!(seen["status"], 200);
    assert_eq!(seen["page"]["event"], "secureConnection");
    assert_eq!(
        seen["page"]["authorized"], false,
        "no client certificate asked"
    );
}

/// `tlsbox server --no-greeting`: the echo's first line back is the
/// client's own.
#[test]
fn the_cli_server_without_a_greeting_echoes_first() {
    let (cert, key, ca) = (
        path("agent1-cert.pem"),
        path("agent1-key.pem"),
        path("ca1-cert.pem"),
    );
    let (_server, port) = tlsbox_server(&["--cert", &cert, "--key", &key, "--no-greeting"]);
    let connect = format!("localhost:{port}");
    let mut client = Peer::spawn(TLSBOX, &["client", "--connect", &connect, "--ca", &ca]);
    client.wait_for_text("client connected");
    client.send(b"first words\n");
    client.wait_for("the echo", |l| l == "first words");
    client.close_stdin();
    assert_eq!(client.wait_exit(), Some(0));
    assert!(
        !client.seen.iter().any(|l| l.contains("welcome!")),
        "{:?}",
        client.seen
    );
}

/// `--min-version`, `--max-version` and `--ecdh-curve`: a value out of
/// range is a one-line error naming what is allowed; in range, the client
/// and server agree on what was asked for.
#[test]
fn the_cli_takes_versions_and_groups() {
    let (cert, key, ca) = (
        path("agent1-cert.pem"),
        path("agent1-key.pem"),
        path("ca1-cert.pem"),
    );
    let output = std::process::Command::new(TLSBOX)
        .args(["server", "--accept", "127.0.0.1:0", "--cert", &cert])
        .args(["--key", &key, "--min-version", "TLSv1"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("ERR_TLS_INVALID_PROTOCOL_VERSION")
            && stderr.contains("TLSv1.2 or TLSv1.3"),
        "{stderr}"
    );

    let (_server, port) =
        tlsbox_server(&["--cert", &cert, "--key", &key, "--max-version", "TLSv1.2"]);
    let connect = format!("localhost:{port}");
    let mut client = Peer::spawn(
        TLSBOX,
        &[
            "client",
            "--connect",
            &connect,
            "--ca",
            &ca,
            "--json",
            "--ecdh-curve",
            "P-384",
        ],
    );
    let connected = json(&client.wait_for_text("\"secureConnect\""));
    assert_eq!(connected["protocol"], "TLSv1.2");
    assert_eq!(connected["ephemeralKeyInfo"]["name"], "secp384r1");
    client.close_stdin();
    assert_eq!(client.wait_exit(), Some(0));

    // --sigalgs: a client that accepts only ECDSA from an RSA server.
    let output = std::process::Command::new(TLSBOX)
        .args(["client", "--connect", &connect, "--ca", &ca])
        .args(["--sigalgs", "ECDSA+SHA256"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE"),
        "{stderr}"
    );
}

fn ocsp_hex() -> String {
    let der = std::fs::read(path("agent1-ocsp.der")).unwrap();
    der.iter().map(|b| format!("{b:02x}")).collect()
}

/// OCSP stapling through both CLIs, with OpenSSL as the peer each way:
/// `openssl s_client -status` reads the response `tlsbox server
/// --ocsp-response` staples, in TLS 1.3 and TLS 1.2; `tlsbox client
/// --request-ocsp` (alias `--status`) reports what `openssl s_server
/// -status_file` staples, as text and as JSON, and says when none came.
#[test]
fn the_cli_staples_ocsp_and_reads_a_staple_against_openssl() {
    let (cert, key, ca, der) = (
        path("agent1-cert.pem"),
        path("agent1-key.pem"),
        path("ca1-cert.pem"),
        path("agent1-ocsp.der"),
    );
    let (_server, port) = tlsbox_server(&["--cert", &cert, "--key", &key, "--ocsp-response", &der]);
    let connect = format!("127.0.0.1:{port}");
    for version in ["-tls1_3", "-tls1_2"] {
        let mut client = openssl_client(&connect, &ca, &["-status", version]);
        client.wait_for_text("OCSP Response Status: successful");
        client.wait_for_text("Cert Status: good");
        client.wait_for_text("Verify return code: 0 (ok)");
    }

    let output = std::process::Command::new(TLSBOX)
        .args([
            "server",
            "--accept",
            "127.0.0.1:0",
            "--cert",
            &cert,
            "--key",
            &key,
        ])
        .args(["--ocsp-response", &ca])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("OCSP response is not a DER"), "{stderr}");

    let (_stapling, port) = openssl_server(&["-cert", &cert, "-key", &key, "-status_file", &der]);
    let (_plain, plain_port) = openssl_server(&["-cert", &cert, "-key", &key]);
    let client = |port: u16, extra: &[&str]| {
        let connect = format!("localhost:{port}");
        let mut args = vec!["client", "--connect", &connect, "--ca", &ca];
        args.extend_from_slice(extra);
        Peer::spawn(TLSBOX, &args)
    };
    let mut text = client(port, &["--request-ocsp"]);
    text.wait_for_text("client connected authorized");
    let line = text.wait_for_text("OCSP response:");
    let hex = ocsp_hex();
    assert_eq!(
        line,
        format!("OCSP response: {} bytes {hex}", hex.len() / 2)
    );
    // s_server serves one connection at a time.
    drop(text);
    let mut json_client = client(port, &["--status", "--json", "--max-version", "TLSv1.2"]);
    let connected = json(&json_client.wait_for_text("\"secureConnect\""));
    assert_eq!(connected["protocol"], "TLSv1.2");
    assert_eq!(connected["ocspResponse"], ocsp_hex());
    drop(json_client);
    let mut none = client(plain_port, &["--request-ocsp"]);
    none.wait_for_text("OCSP response: no response sent");
    let mut not_asked = client(port, &["--json"]);
    let connected = json(&not_asked.wait_for_text("\"secureConnect\""));
    assert!(connected.get("ocspResponse").is_none(), "{connected}");
}
