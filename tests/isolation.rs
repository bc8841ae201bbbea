//! `Isolation::PerContext`: connections of one server share guest
//! instances, up to a count each, over real sockets. What the sharing
//! buys (fewer instances) and what must not change (every connection
//! served as before, contexts added later served to new connections).
//! Its blast radius, a broken instance ending exactly its own
//! connections, is tested in the sandbox's unit tests, where a guest can
//! be made to break the contract.
//!
//! The first test counts the process's live instances: the tests that
//! make instances run one at a time.

mod common;

use std::time::Duration;

use common::{echo_server, identity, pem};
use tlsbox::{ConnectOptions, Isolation, ServerOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::timeout;

const HANG: Duration = Duration::from_secs(30);

/// Held by each test that makes instances, so that counts are its own.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Connects as `servername` (checking the chain only when `ca` is given),
/// reads the greeting and checks one echo.
async fn echoing_client(port: u16, servername: &str, ca: Option<&str>) -> tlsbox::CleartextStream {
    let mut options = match ca {
        Some(ca) => ConnectOptions::with_ca(pem(ca)),
        None => ConnectOptions::default().dangerous_accept_unauthorized(),
    };
    options.servername = Some(servername.into());
    let mut stream = timeout(HANG, tlsbox::connect("localhost", port, options))
        .await
        .expect("no hang")
        .expect("handshake");
    let mut greeting = [0u8; 9];
    stream.read_exact(&mut greeting).await.unwrap();
    assert_eq!(&greeting, b"welcome!\n");
    stream.write_all(b"ping").await.unwrap();
    let mut echoed = [0u8; 4];
    stream.read_exact(&mut echoed).await.unwrap();
    assert_eq!(&echoed, b"ping");
    stream
}

/// The CN of the certificate a stream's peer presented.
fn peer_cn(stream: &mut tlsbox::CleartextStream) -> String {
    let certificate = stream.peer_certificate().expect("a certificate");
    certificate
        .subject
        .iter()
        .find(|attribute| attribute.key == "CN")
        .map(|attribute| attribute.value.clone())
        .expect("a CN")
}

async fn eventually(what: &str, done: impl Fn() -> bool) {
    let waited = timeout(HANG, async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert!(waited.is_ok(), "timed out waiting for {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_share_instances_up_to_the_count_and_see_new_contexts() {
    let _alone = ONE_AT_A_TIME.lock().await;
    const PER_INSTANCE: usize = 4;
    const CLIENTS: usize = 10;
    let options = ServerOptions {
        isolation: Isolation::PerContext {
            max_connections_per_instance: PER_INSTANCE,
        },
        ..ServerOptions::new(identity("agent1"))
    };
    // What another test left goes with its runtime, just after it ends.
    eventually("no instance left by another test", || {
        tlsbox::live_sandboxes() == 0
    })
    .await;
    let (server, port) = echo_server(options).await;
    assert_eq!(
        tlsbox::live_sandboxes(),
        0,
        "nothing runs before the first client"
    );

    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        clients.push(echoing_client(port, "agent1.test", Some("ca1-cert.pem")).await);
    }
    // Each client has an instance of its own; the server's connections
    // fill instances of four: 4 + 4 + 2.
    let server_instances = CLIENTS.div_ceil(PER_INSTANCE);
    assert_eq!(tlsbox::live_sandboxes(), CLIENTS + server_instances);
    for client in &mut clients {
        assert_eq!(peer_cn(client), "agent1");
    }

    drop(clients);
    eventually("the connections closing", || server.connections() == 0).await;
    // The two full instances went with their connections; the third
    // still takes connections, and waits for them.
    eventually("the full instances dropped", || {
        tlsbox::live_sandboxes() == 1
    })
    .await;

    // A context added now is served to the next connections: they get an
    // instance that holds it.
    server
        .add_context("agent2.test", identity("agent2"))
        .unwrap();
    let mut agent2 = echoing_client(port, "agent2.test", None).await;
    assert_eq!(peer_cn(&mut agent2), "agent2");
    let mut agent1 = echoing_client(port, "agent1.test", Some("ca1-cert.pem")).await;
    assert_eq!(peer_cn(&mut agent1), "agent1");
    // The two clients, and one server instance made after the change (the
    // one made before it was let go).
    assert_eq!(tlsbox::live_sandboxes(), 2 + 1);
}

/// What else a server does, done from shared instances: the
/// self-contained build's tickets (its keys handed to the instance) resume
/// a client, and an SNI callback's credentials are served to the
/// connection that asked for them only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_instances_resume_and_answer_sni_callbacks() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let options = ServerOptions {
        isolation: Isolation::PerContext {
            max_connections_per_instance: 2,
        },
        crypto: tlsbox::Crypto::Guest,
        ..ServerOptions::new(identity("agent1")).sni_callback(|name: String| async move {
            Ok((name == "agent2.test").then(|| identity("agent2")))
        })
    };
    let (_server, port) = echo_server(options).await;
    let mut options = ConnectOptions::with_ca(pem("ca1-cert.pem"));
    options.servername = Some("agent1.test".into());
    let mut reused = Vec::new();
    for _ in 0..3 {
        let mut stream = timeout(HANG, tlsbox::connect("localhost", port, options.clone()))
            .await
            .expect("no hang")
            .expect("handshake");
        let mut greeting = [0u8; 9];
        stream.read_exact(&mut greeting).await.unwrap();
        reused.push(stream.is_session_reused());
        options.session = stream.session();
    }
    assert_eq!(reused, [false, true, true], "across the server's instances");
    let mut agent2 = echoing_client(port, "agent2.test", None).await;
    assert_eq!(peer_cn(&mut agent2), "agent2");
    let mut agent1 = echoing_client(port, "agent1.test", Some("ca1-cert.pem")).await;
    assert_eq!(peer_cn(&mut agent1), "agent1");
}

#[test]
fn isolation_is_spelled_as_the_cli_takes_it() {
    assert_eq!("connection".parse(), Ok(Isolation::PerConnection));
    assert_eq!(
        "context:64".parse(),
        Ok(Isolation::PerContext {
            max_connections_per_instance: 64
        })
    );
    for bad in ["context:0", "context:", "context:x", "per-connection"] {
        let error = bad.parse::<Isolation>().unwrap_err();
        assert!(
            error.contains("expected connection or context:N"),
            "{error}"
        );
    }
}
