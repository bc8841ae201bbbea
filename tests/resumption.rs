//! Session resumption on the server side, against `openssl s_client`: a
//! client that saved its session (`-sess_out`) resumes it (`-sess_in`)
//! through a fresh sandbox, over TLS 1.3 and TLS 1.2 tickets sealed by the
//! host; servers in separate processes that share a `--ticket-keys` file
//! resume each other's clients; tickets under other or retired keys, and a
//! server without tickets, give full handshakes and nothing else.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::peers::{Peer, openssl_client};
use common::{fixture, identity};
use serde_json::Value;
use tlsbox::{Crypto, Server, ServerOptions};

const TLSBOX: &str = env!("CARGO_BIN_EXE_tlsbox");

fn ca1() -> String {
    fixture("ca1-cert.pem").display().to_string()
}

/// A scratch directory for session files, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("tlsbox-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn file(&self, name: &str) -> String {
        self.0.join(name).display().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One `openssl s_client` connection to `port`, verifying the server, that
/// reads the greeting and closes; `extra` adds `-sess_out`/`-sess_in` and
/// the version. Returns s_client's `New, ...` or `Reused, ...` line.
fn connect(port: u16, extra: &[&str]) -> String {
    let mut client = openssl_client(&format!("127.0.0.1:{port}"), &ca1(), extra);
    let outcome = client.wait_for("New or Reused", |line| {
        line.starts_with("New, ") || line.starts_with("Reused, ")
    });
    // The tickets come before the greeting: once it is here, the session
    // s_client writes out at exit carries one.
    client.wait_for_text("welcome!");
    client.close_stdin();
    assert_eq!(client.wait_exit(), Some(0), "{}", client.seen.join("\n"));
    assert!(
        client
            .seen
            .iter()
            .any(|l| l.contains("Verify return code: 0 (ok)")),
        "{}",
        client.seen.join("\n")
    );
    outcome
}

/// [`connect`] off the async runtime's threads.
async fn connect_async(port: u16, args: &[&str]) -> String {
    let args: Vec<String> = args.iter().map(|arg| arg.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        connect(port, &args)
    })
    .await
    .unwrap()
}

/// A library server that reports, for each connection, whether it resumed.
async fn reporting_server(
    options: ServerOptions,
) -> (Arc<Server>, u16, tokio::sync::mpsc::UnboundedReceiver<bool>) {
    let server = Arc::new(tlsbox::create_server(options).expect("server options"));
    let port = server.listen("127.0.0.1:0").await.unwrap().port();
    let (reused_tx, reused) = tokio::sync::mpsc::unbounded_channel();
    let accepting = server.clone();
    tokio::spawn(async move {
        while let Some(stream) = accepting.accept().await {
            let _ = reused_tx.send(stream.is_session_reused());
            tokio::spawn(common::echo(stream));
        }
    });
    (server, port, reused)
}

/// Connects with `-sess_out`, then again with `-sess_in`: both outcomes.
async fn full_then_resumed(port: u16, session: &str, version: &'static str) -> (String, String) {
    full_then_resumed_with(port, session, &[version]).await
}

/// [`full_then_resumed`] with more s_client arguments.
async fn full_then_resumed_with(
    port: u16,
    session: &str,
    args: &[&'static str],
) -> (String, String) {
    let session = session.to_string();
    let args = args.to_vec();
    tokio::task::spawn_blocking(move || {
        let with = |flag: &'static str| {
            let mut all = args.clone();
            all.extend([flag, session.as_str()]);
            connect(port, &all)
        };
        (with("-sess_out"), with("-sess_in"))
    })
    .await
    .unwrap()
}

/// Both engine builds: with host crypto the host seals the tickets, the
/// self-contained one seals them in the sandbox with keys it is handed.
#[tokio::test]
async fn openssl_resumes_tls13_and_tls12_sessions_through_fresh_sandboxes() {
    let scratch = Scratch::new("resume");
    for crypto in [Crypto::Host, Crypto::Guest] {
        let options = ServerOptions {
            crypto,
            ..ServerOptions::new(identity("agent1"))
        };
        let (_server, port, mut reused) = reporting_server(options).await;
        for (version, name) in [("-tls1_3", "TLSv1.3"), ("-tls1_2", "TLSv1.2")] {
            let session = scratch.file(&format!("{crypto:?}-{name}.pem"));
            let (first, second) = full_then_resumed(port, &session, version).await;
            assert!(
                first.starts_with(&format!("New, {name}")),
                "{crypto:?}: {first}"
            );
            assert!(
                second.starts_with(&format!("Reused, {name}")),
                "{crypto:?}: {second}"
            );
            assert_eq!(reused.recv().await, Some(false), "{crypto:?} {name}: full");
            assert_eq!(
                reused.recv().await,
                Some(true),
                "{crypto:?} {name}: resumed"
            );
        }
        if crypto == Crypto::Host {
            // A TLS 1.2 client that asks for no ticket resumes by session
            // ID, from the host's store.
            let session = scratch.file("session-id.pem");
            let (first, second) =
                full_then_resumed_with(port, &session, &["-tls1_2", "-no_ticket"]).await;
            assert!(first.starts_with("New, TLSv1.2"), "{first}");
            assert!(second.starts_with("Reused, TLSv1.2"), "by ID: {second}");
            assert_eq!(reused.recv().await, Some(false));
            assert_eq!(reused.recv().await, Some(true));
        }
    }
}

#[tokio::test]
async fn tickets_under_retired_keys_and_servers_without_tickets_give_full_handshakes() {
    let scratch = Scratch::new("retired");
    let session = scratch.file("session.pem");
    let options = ServerOptions::new(identity("agent1")).ticket_keys(&[1; 48]);
    let (server, port, _) = reporting_server(options).await;
    assert_eq!(server.ticket_keys(), Some([1; 48]));
    let (first, _) = full_then_resumed(port, &session, "-tls1_3").await;
    assert!(first.starts_with("New, "), "{first}");

    // New keys: the session still resumes (the keys before are kept) ...
    server.set_ticket_keys(&[2; 48]).unwrap();
    let resumed = connect_async(port, &["-sess_in", &session]).await;
    assert!(resumed.starts_with("Reused, "), "{resumed}");
    // ... until they change again: then it is a full handshake, no error.
    server.set_ticket_keys(&[3; 48]).unwrap();
    let retired = connect_async(port, &["-sess_in", &session]).await;
    assert!(retired.starts_with("New, "), "{retired}");

    // A server with no tickets: nothing to resume, and no keys to set.
    let options = ServerOptions::new(identity("agent1")).no_tickets();
    let (server, port, mut reused) = reporting_server(options).await;
    assert_eq!(server.ticket_keys(), None);
    assert!(server.set_ticket_keys(&[4; 48]).is_err());
    // No ticket, and no session ID worth keeping (nothing outside the
    // closed sandbox would remember it): s_client has no session to save.
    for version in ["-tls1_3", "-tls1_2"] {
        let session = scratch.file(&format!("none{version}.pem"));
        let first = connect_async(port, &[version, "-sess_out", &session]).await;
        assert!(first.starts_with("New, "), "{first}");
        assert!(
            !Path::new(&session).exists(),
            "{version}: nothing to resume"
        );
        assert_eq!(reused.recv().await, Some(false));
    }
}

/// `tlsbox server --json` with `extra` flags; the process and its port.
fn cli_server(extra: &[&str]) -> (Peer, u16) {
    let (cert, key) = (fixture("agent1-cert.pem"), fixture("agent1-key.pem"));
    let mut args = vec!["server", "--accept", "127.0.0.1:0", "--json"];
    let (cert, key) = (cert.display().to_string(), key.display().to_string());
    args.extend_from_slice(&["--cert", &cert, "--key", &key]);
    args.extend_from_slice(extra);
    let mut server = Peer::spawn(TLSBOX, &args);
    let listening: Value =
        serde_json::from_str(&server.wait_for_text("\"listening\"")).expect("JSON");
    (server, listening["port"].as_u64().expect("port") as u16)
}

fn write_keys(path: &Path, byte: u8) {
    std::fs::write(path, [byte; 48]).unwrap();
}

#[test]
fn servers_sharing_a_ticket_keys_file_resume_each_others_clients() {
    let scratch = Scratch::new("shared-keys");
    let keys = scratch.0.join("ticket-keys");
    let other_keys = scratch.0.join("other-keys");
    write_keys(&keys, 7);
    write_keys(&other_keys, 8);
    let keys = keys.display().to_string();
    let other_keys = other_keys.display().to_string();
    // One of each engine build: their tickets are in one format.
    let (_a, port_a) = cli_server(&["--ticket-keys", &keys]);
    let (mut b, port_b) = cli_server(&["--ticket-keys", &keys, "--crypto", "guest"]);
    let (_c, port_c) = cli_server(&["--ticket-keys", &other_keys]);
    let session = scratch.file("session.pem");

    let first = connect(port_a, &["-sess_out", &session]);
    assert!(first.starts_with("New, TLSv1.3"), "{first}");
    let second = connect(port_b, &["-sess_in", &session]);
    assert!(
        second.starts_with("Reused, TLSv1.3"),
        "the other process: {second}"
    );
    let event: Value =
        serde_json::from_str(&b.wait_for_text("\"secureConnection\"")).expect("JSON");
    assert_eq!(event["sessionReused"], true, "{event}");
    // A server with other keys cannot open the ticket: a full handshake.
    let third = connect(port_c, &["-sess_in", &session]);
    assert!(third.starts_with("New, TLSv1.3"), "{third}");

    // A Node client keeps its session from one process and resumes it on
    // the other.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let node = runtime.block_on(node_resuming_client(port_a, port_b));
    assert_eq!(node["first"]["reused"], false, "{node}");
    assert_eq!(node["second"]["reused"], true, "{node}");
}

/// `openssl s_client -reconnect`: after the first connection, five more
/// with the same session, each through a fresh sandbox.
#[test]
fn openssl_reconnects_five_times_on_one_session() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (_server, port, _) =
        runtime.block_on(reporting_server(ServerOptions::new(identity("agent1"))));
    let mut client = openssl_client(
        &format!("127.0.0.1:{port}"),
        &ca1(),
        &["-tls1_2", "-reconnect"],
    );
    client.close_stdin();
    client.wait_exit();
    let count = |prefix: &str| client.seen.iter().filter(|l| l.starts_with(prefix)).count();
    assert_eq!(
        (count("New, TLSv1.2"), count("Reused, TLSv1.2")),
        (1, 5),
        "{}",
        client.seen.join("\n")
    );
}

#[test]
fn a_ticket_keys_file_of_the_wrong_length_is_a_one_line_error() {
    let scratch = Scratch::new("bad-keys");
    let keys = scratch.0.join("short");
    std::fs::write(&keys, [0; 32]).unwrap();
    let (cert, key) = (fixture("agent1-cert.pem"), fixture("agent1-key.pem"));
    let output = std::process::Command::new(TLSBOX)
        .args(["server", "--accept", "127.0.0.1:0", "--cert"])
        .arg(cert)
        .arg("--key")
        .arg(key)
        .arg("--ticket-keys")
        .arg(&keys)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("32 bytes") && stderr.contains("exactly 48 bytes"),
        "{stderr}"
    );
}

/// A Node client that connects to the first port, keeps the session from
/// its `'session'` event, and connects again with it (Node's `session`
/// option) to the second port; prints what `isSessionReused()` and
/// `authorized` said each time.
const NODE_RESUMING_CLIENT: &str = r#"
const tls = require('tls');
const fs = require('fs');
const [firstPort, secondPort, ca] = process.argv.slice(1);
function connect(port, session) {
  return new Promise((resolve, reject) => {
    let saved = null;
    const socket = tls.connect({ port: Number(port), host: '127.0.0.1',
      servername: 'localhost', ca: fs.readFileSync(ca), session });
    socket.on('session', (s) => { saved = s; });
    socket.once('data', () => {
      const facts = { reused: socket.isSessionReused(), authorized: socket.authorized,
        cn: (socket.getPeerCertificate().subject || {}).CN ?? null };
      socket.end();
      socket.on('close', () => resolve({ facts, saved }));
    });
    socket.on('error', reject);
  });
}
(async () => {
  const first = await connect(firstPort, undefined);
  const second = await connect(secondPort, first.saved);
  console.log(JSON.stringify({ first: first.facts, second: second.facts }));
})().catch((e) => { console.error(e); process.exit(1); });
"#;

/// Node's own echo server on a free port, presenting agent1: prints the
/// port, serves for 20 s.
const NODE_SERVER: &str = r#"
const tls = require('tls');
const fs = require('fs');
const [key, cert] = process.argv.slice(1);
const server = tls.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) },
  (socket) => { socket.write('welcome!\n'); socket.on('data', (d) => socket.write(d));
    socket.on('end', () => socket.end()); });
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
setTimeout(() => process.exit(0), 20000);
"#;

/// What [`NODE_RESUMING_CLIENT`] reports against `port`.
async fn node_resuming_client(first_port: u16, second_port: u16) -> Value {
    let (first, second) = (first_port.to_string(), second_port.to_string());
    let output = tokio::process::Command::new("node")
        .args(["-e", NODE_RESUMING_CLIENT, &first, &second, &ca1()])
        .output()
        .await
        .expect("node is needed (./test installs it)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(stdout.trim()).expect("one JSON line")
}

#[tokio::test]
async fn a_node_client_resumes_with_its_session_and_sees_what_a_node_server_shows() {
    let (_server, port, mut reused) =
        reporting_server(ServerOptions::new(identity("agent1"))).await;
    let ours = node_resuming_client(port, port).await;
    assert_eq!(ours["first"]["reused"], false, "{ours}");
    assert_eq!(ours["second"]["reused"], true, "{ours}");
    assert_eq!(reused.recv().await, Some(false));
    assert_eq!(reused.recv().await, Some(true));

    // The same client against Node's own server: a resumed connection's
    // facts (`authorized` kept, the peer certificate not, in Node's client)
    // are the same with either server.
    let (key, cert) = (fixture("agent1-key.pem"), fixture("agent1-cert.pem"));
    let mut node_server = Peer::spawn(
        "node",
        &[
            "-e",
            NODE_SERVER,
            &key.display().to_string(),
            &cert.display().to_string(),
        ],
    );
    let node_port: u16 = node_server
        .wait_for("a port", |line| line.trim().parse::<u16>().is_ok())
        .trim()
        .parse()
        .unwrap();
    let theirs = node_resuming_client(node_port, node_port).await;
    assert_eq!(ours, theirs);
}

/// A library server that sends each connection's JSON state (Node's
/// names: `authorized`, `peerCertificate`, `sessionReused`, ...).
async fn describing_server(
    options: ServerOptions,
) -> (u16, tokio::sync::mpsc::UnboundedReceiver<Value>) {
    let server = Arc::new(tlsbox::create_server(options).expect("server options"));
    let port = server.listen("127.0.0.1:0").await.unwrap().port();
    let (tx, states) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(mut stream) = server.accept().await {
            let _ = tx.send(stream.to_json());
            tokio::spawn(common::echo(stream));
        }
    });
    (port, states)
}

/// A server that asks for client certificates resumes too, and a resumed
/// connection reports what the full one did: the chain the session kept is
/// verified again, so `authorized`, `authorizationError` and the peer's
/// certificate come from a verification, as Node's resumed sessions keep
/// theirs.
#[tokio::test]
async fn a_resumed_client_certificate_is_verified_again_and_reported_as_before() {
    let scratch = Scratch::new("client-certs");
    let agent1 = fixture("agent1-cert.pem").display().to_string();
    let agent1_key = fixture("agent1-key.pem").display().to_string();
    // agent1 is signed by ca1: trusted by the first server, not the second
    // (agent1's file carries ca1 too, a self-signed root ca2 does not
    // trust: OpenSSL's and Node's code for that).
    for (ca, authorized, error) in [
        ("ca1", true, Value::Null),
        ("ca2", false, Value::from("SELF_SIGNED_CERT_IN_CHAIN")),
    ] {
        let options = ServerOptions {
            request_cert: true,
            ..ServerOptions::new(common::identity_trusting("agent1", ca))
        };
        let (port, mut states) = describing_server(options).await;
        for version in ["-tls1_3", "-tls1_2"] {
            let session = scratch.file(&format!("{ca}{version}.pem"));
            let (first, second) = full_then_resumed_with(
                port,
                &session,
                &[version, "-cert", leak(&agent1), "-key", leak(&agent1_key)],
            )
            .await;
            assert!(first.starts_with("New, "), "{ca} {version}: {first}");
            assert!(second.starts_with("Reused, "), "{ca} {version}: {second}");
            let full = states.recv().await.expect("the full handshake's state");
            let resumed = states.recv().await.expect("the resumed handshake's state");
            assert_eq!(full["sessionReused"], false);
            assert_eq!(resumed["sessionReused"], true);
            for state in [&full, &resumed] {
                assert_eq!(state["authorized"], authorized, "{ca} {version}: {state}");
                assert_eq!(
                    state["authorizationError"], error,
                    "{ca} {version}: {state}"
                );
                assert_eq!(
                    state["peerCertificate"]["subject"]["CN"], "agent1",
                    "{state}"
                );
            }
            assert_eq!(full["peerCertificate"], resumed["peerCertificate"]);
        }
    }
}

/// An owned string as the `'static` argument s_client's argument lists take.
fn leak(text: &str) -> &'static str {
    Box::leak(text.to_string().into_boxed_str())
}

/// A port free on loopback just now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Two processes on one port (`--reuse-port`) with one keys file: the
/// kernel spreads connections across them, and every connection after the
/// first resumes, whichever process it reaches.
#[test]
fn processes_sharing_a_port_and_keys_resume_every_client() {
    let scratch = Scratch::new("reuse-port");
    let keys = scratch.0.join("ticket-keys");
    write_keys(&keys, 9);
    let keys = keys.display().to_string();
    let port = free_port();
    let accept = format!("127.0.0.1:{port}");
    let (cert, key) = (fixture("agent1-cert.pem"), fixture("agent1-key.pem"));
    let (cert, key) = (cert.display().to_string(), key.display().to_string());
    let spawn = || {
        let mut server = Peer::spawn(
            TLSBOX,
            &[
                "server",
                "--accept",
                &accept,
                "--json",
                "--cert",
                &cert,
                "--key",
                &key,
                "--ticket-keys",
                &keys,
                "--reuse-port",
            ],
        );
        server.wait_for_text("\"listening\"");
        server
    };
    let mut servers = [spawn(), spawn()];
    let session = scratch.file("session.pem");
    let first = connect(port, &["-sess_out", &session]);
    assert!(first.starts_with("New, "), "{first}");
    // Twenty connections: the chance that one process gets none is 2^-19.
    for n in 0..20 {
        let again = connect(port, &["-sess_in", &session]);
        assert!(again.starts_with("Reused, "), "connection {n}: {again}");
    }
    for (n, server) in servers.iter_mut().enumerate() {
        server.wait_for("a resumed connection", |line| {
            line.contains("\"sessionReused\":true")
        });
        let served = server
            .seen
            .iter()
            .filter(|l| l.contains("secureConnection"))
            .count();
        assert!(served >= 1, "process {n} served none");
    }
}

/// A client session store that hands out what it holds whatever server
/// name it is asked for, as a client that mixed up its sessions would:
/// the server must notice. It keeps the sessions of the first connection
/// only (so that what it offers is always that connection's), and counts
/// the TLS 1.3 tickets and TLS 1.2 sessions it hands out, so the test
/// knows each was offered.
#[derive(Debug)]
struct AnyNameSessions {
    store: rustls::client::ClientSessionMemoryCache,
    handed_out: std::sync::atomic::AtomicUsize,
    frozen: std::sync::atomic::AtomicBool,
}

impl AnyNameSessions {
    fn new() -> Self {
        Self {
            store: rustls::client::ClientSessionMemoryCache::new(8),
            handed_out: Default::default(),
            frozen: Default::default(),
        }
    }

    /// Keeps no more sessions from now on.
    fn freeze(&self) {
        self.frozen.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    fn frozen(&self) -> bool {
        self.frozen.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The one name every session is kept under.
    fn name() -> rustls::pki_types::ServerName<'static> {
        rustls::pki_types::ServerName::try_from("localhost").unwrap()
    }

    fn handed_out(&self) -> usize {
        self.handed_out.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn count<T>(&self, value: Option<T>) -> Option<T> {
        if value.is_some() {
            self.handed_out
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        value
    }
}

impl rustls::client::ClientSessionStore for AnyNameSessions {
    fn set_kx_hint(&self, _: rustls::pki_types::ServerName<'static>, group: rustls::NamedGroup) {
        self.store.set_kx_hint(Self::name(), group);
    }

    fn kx_hint(&self, _: &rustls::pki_types::ServerName<'_>) -> Option<rustls::NamedGroup> {
        self.store.kx_hint(&Self::name())
    }

    fn set_tls12_session(
        &self,
        _: rustls::pki_types::ServerName<'static>,
        value: rustls::client::Tls12ClientSessionValue,
    ) {
        if !self.frozen() {
            self.store.set_tls12_session(Self::name(), value);
        }
    }

    fn tls12_session(
        &self,
        _: &rustls::pki_types::ServerName<'_>,
    ) -> Option<rustls::client::Tls12ClientSessionValue> {
        self.count(self.store.tls12_session(&Self::name()))
    }

    fn remove_tls12_session(&self, _: &rustls::pki_types::ServerName<'static>) {
        if !self.frozen() {
            self.store.remove_tls12_session(&Self::name());
        }
    }

    fn insert_tls13_ticket(
        &self,
        _: rustls::pki_types::ServerName<'static>,
        value: rustls::client::Tls13ClientSessionValue,
    ) {
        if !self.frozen() {
            self.store.insert_tls13_ticket(Self::name(), value);
        }
    }

    fn take_tls13_ticket(
        &self,
        _: &rustls::pki_types::ServerName<'static>,
    ) -> Option<rustls::client::Tls13ClientSessionValue> {
        self.count(self.store.take_tls13_ticket(&Self::name()))
    }
}

/// One rustls connection to `port` as `name`, reading the greeting (the
/// TLS 1.3 tickets come before it): whether it resumed.
fn rustls_connect(port: u16, name: &str, config: &Arc<rustls::ClientConfig>) -> bool {
    use std::io::{Read, Write};
    let name = rustls::pki_types::ServerName::try_from(name.to_string()).unwrap();
    let connection = rustls::ClientConnection::new(config.clone(), name).unwrap();
    let tcp = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let mut tls = rustls::StreamOwned::new(connection, tcp);
    let mut greeting = [0u8; 9];
    tls.read_exact(&mut greeting).expect("the greeting");
    assert_eq!(&greeting, b"welcome!\n");
    let resumed = tls.conn.handshake_kind() == Some(rustls::HandshakeKind::Resumed);
    tls.conn.send_close_notify();
    let _ = tls.flush();
    resumed
}

/// A session is bound to the server name it was made for (RFC 8446 §4.6.1,
/// RFC 6066 §3): offered under another name, it gives a full handshake and
/// no error; under its own name it still resumes. Both builds, both
/// versions, rustls as the client that offers it.
#[tokio::test]
async fn a_session_offered_for_another_server_name_gives_a_full_handshake() {
    for crypto in [Crypto::Host, Crypto::Guest] {
        let options = ServerOptions {
            crypto,
            ..ServerOptions::new(identity("agent1"))
        };
        let (_server, port, mut reused) = reporting_server(options).await;
        for version in [&rustls::version::TLS13, &rustls::version::TLS12] {
            let sessions = Arc::new(AnyNameSessions::new());
            let mut roots = rustls::RootCertStore::empty();
            let ca = common::pem("ca1-cert.pem");
            for cert in rustls::pki_types::pem::PemObject::pem_slice_iter(ca.as_bytes()) {
                roots.add(cert.unwrap()).unwrap();
            }
            let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_protocol_versions(&[version])
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
            config.resumption = rustls::client::Resumption::store(sessions.clone());
            let config = Arc::new(config);
            let context = format!("{crypto:?} {:?}", version.version);

            let connect = |name: &'static str| {
                let config = config.clone();
                tokio::task::spawn_blocking(move || rustls_connect(port, name, &config))
            };
            // agent1's certificate names both `localhost` and `agent1.test`.
            assert!(!connect("localhost").await.unwrap(), "{context}: full");
            assert_eq!(reused.recv().await, Some(false), "{context}");
            assert_eq!(sessions.handed_out(), 0, "{context}: nothing to offer yet");
            sessions.freeze();

            let other = connect("agent1.test").await.unwrap();
            assert_eq!(
                sessions.handed_out(),
                1,
                "{context}: the session was offered"
            );
            assert!(!other, "{context}: another name does not resume");
            assert_eq!(
                reused.recv().await,
                Some(false),
                "{context}: the server's view"
            );

            assert!(
                connect("localhost").await.unwrap(),
                "{context}: its own name resumes"
            );
            assert_eq!(reused.recv().await, Some(true), "{context}");
        }
    }
}

/// A client keeps the sessions a server gives it and resumes with them:
/// `CleartextStream::session` into `ConnectOptions::session` (Node's
/// `getSession()` and `session` option), with each client build. A
/// resumed connection reports what Node's client reports: what the full
/// one did for `authorized`, or the same `authorizationError` for a server
/// it does not trust (Node keeps a session's verification result), and no
/// peer certificate.
#[tokio::test]
async fn a_client_resumes_with_the_session_of_its_last_connection() {
    use tokio::io::AsyncReadExt;
    let (_server, port, mut reused) =
        reporting_server(ServerOptions::new(identity("agent1"))).await;
    let trusting = tlsbox::ConnectOptions::with_ca(common::pem("ca1-cert.pem"));
    let untrusting = tlsbox::ConnectOptions::default().dangerous_accept_unauthorized();
    for crypto in [Crypto::Host, Crypto::Guest] {
        for (options, authorized, error) in [
            (&trusting, true, None),
            (&untrusting, false, Some("UNABLE_TO_VERIFY_LEAF_SIGNATURE")),
        ] {
            let mut options = tlsbox::ConnectOptions {
                crypto,
                ..options.clone()
            };
            let mut outcomes = Vec::new();
            for _ in 0..3 {
                let mut stream = tlsbox::connect("localhost", port, options.clone())
                    .await
                    .expect("handshake");
                let mut greeting = [0u8; 9];
                stream.read_exact(&mut greeting).await.unwrap();
                let code = stream.authorization_error().map(|e| e.code().to_string());
                assert_eq!(stream.authorized(), authorized, "{crypto:?}");
                assert_eq!(code.as_deref(), error, "{crypto:?}");
                let resumed = stream.is_session_reused();
                let certificate = stream.peer_certificate().is_some();
                assert_eq!(
                    certificate, !resumed,
                    "{crypto:?}: as Node's client shows it"
                );
                outcomes.push(stream.is_session_reused());
                assert_eq!(reused.recv().await, Some(stream.is_session_reused()));
                options.session = stream.session();
            }
            assert_eq!(outcomes, [false, true, true], "{crypto:?} {error:?}");
        }
    }
}

/// `tlsbox client --reconnect 2` against `openssl s_server` (TLS 1.3 and
/// TLS 1.2) and a Node server: one full handshake, then two resumed, as
/// the `sessionReused` of each `secureConnect` line says.
#[test]
fn the_cli_client_reconnects_resuming_against_openssl_and_node() {
    let reconnect = |port: u16| {
        let mut client = Peer::spawn(
            TLSBOX,
            &[
                "client",
                "--connect",
                &format!("localhost:{port}"),
                "--ca",
                &ca1(),
                "--reconnect",
                "2",
                "--json",
            ],
        );
        // The last connection carries stdin: closed, it ends.
        client.close_stdin();
        assert_eq!(client.wait_exit(), Some(0), "{}", client.seen.join("\n"));
        client
            .seen
            .iter()
            .filter(|line| line.contains("\"secureConnect\""))
            .map(|line| {
                let event: Value = serde_json::from_str(line).expect("JSON");
                assert_eq!(event["authorized"], true, "{line}");
                event["sessionReused"].as_bool().expect("sessionReused")
            })
            .collect::<Vec<_>>()
    };
    let (cert, key) = (fixture("agent1-cert.pem"), fixture("agent1-key.pem"));
    let (cert, key) = (cert.display().to_string(), key.display().to_string());
    for version in ["-tls1_3", "-tls1_2"] {
        let (_server, port) =
            common::peers::openssl_server(&["-cert", &cert, "-key", &key, version]);
        assert_eq!(reconnect(port), [false, true, true], "openssl {version}");
    }
    let node = common::interop::node_servers(
        &serde_json::json!([{ "id": "r", "cert": "agent1-cert.pem", "key": "agent1-key.pem" }]),
    );
    assert_eq!(reconnect(node.ports["r"]), [false, true, true], "node");
}
