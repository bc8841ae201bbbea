//! Limits on each connection's sandbox, enforced by the host: a connection
//! over its limit ends with an error naming the limit, and nothing else is
//! touched — other connections keep every byte, the server keeps accepting.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::raw::Rng;
use common::{identity, pem};
use tlsbox::{ConnectOptions, Error, Limit, SandboxLimits, ServerEvent, ServerOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::{Barrier, mpsc};
use tokio::time::timeout;

const HANG: Duration = Duration::from_secs(30);

fn tiny_memory() -> SandboxLimits {
    SandboxLimits {
        memory_bytes: 64 << 10,
        ..SandboxLimits::default()
    }
}

fn no_cpu() -> SandboxLimits {
    SandboxLimits {
        call_deadline: Duration::ZERO,
        ..SandboxLimits::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tiny_memory_cap_fails_the_instance_not_the_process() {
    let options = ServerOptions {
        limits: tiny_memory(),
        ..ServerOptions::new(identity("agent1"))
    };
    let error = tlsbox::create_server(options).expect_err("64 KiB is too little");
    assert_eq!(error.limit(), Some(Limit::Memory), "{error}");
    assert_eq!(error.code(), "ERR_TLSBOX_LIMIT");
    assert!(error.to_string().contains("memory limit"), "{error}");
    assert!(error.to_string().contains("65536"), "{error}");

    let (server, port) = common::echo_server(ServerOptions::new(identity("agent1"))).await;
    let mut options = ConnectOptions::with_ca(pem("ca1-cert.pem"));
    options.limits = tiny_memory();
    let error = tlsbox::connect("localhost", port, options)
        .await
        .expect_err("a client sandbox with 64 KiB cannot start");
    assert_eq!(error.limit(), Some(Limit::Memory), "{error}");

    // The process, the engine and the server are fine.
    let mut client = tlsbox::connect(
        "localhost",
        port,
        ConnectOptions::with_ca(pem("ca1-cert.pem")),
    )
    .await
    .expect("default limits work");
    let mut welcome = [0u8; 9];
    client.read_exact(&mut welcome).await.unwrap();
    assert_eq!(&welcome, b"welcome!\n");
    drop(client);
    drop(server);
}

/// The smallest cap (in 64 KiB pages) with which a connection's engine
/// starts: it then traps inside a later call (setting up the pair or in the
/// handshake) rather than at start, and that is contained the same way.
/// The self-contained engine is the one that grows its memory during a
/// handshake (ring's key exchange and signing run in the guest); the
/// host-crypto engine handshakes in the memory it starts with.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_memory_cap_hit_inside_a_guest_call_ends_only_that_connection() {
    let cap = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let pick = cap.clone();
    let mut options = ServerOptions::new(identity("agent1")).limits_for(move |_| SandboxLimits {
        memory_bytes: pick.load(std::sync::atomic::Ordering::Relaxed),
        ..SandboxLimits::default()
    });
    options.crypto = tlsbox::Crypto::Guest;
    let server = tlsbox::create_server(options).unwrap();
    let port = server.listen("127.0.0.1:0").await.unwrap().port();
    let mut inside_a_call = None;
    for pages in 1..=256usize {
        cap.store(pages << 16, std::sync::atomic::Ordering::Relaxed);
        let client = tokio::spawn(tlsbox::connect(
            "localhost",
            port,
            ConnectOptions::with_ca(pem("ca1-cert.pem")),
        ));
        let event = timeout(HANG, server.next_event()).await.unwrap().unwrap();
        let client = timeout(HANG, client).await.unwrap().unwrap();
        match event {
            ServerEvent::ClientError { error, .. } => {
                assert!(client.is_err(), "the client sees its connection fail");
                if error.to_string().contains("cannot instantiate") {
                    continue;
                }
                inside_a_call = Some((pages, error));
                break;
            }
            ServerEvent::SecureConnection(_) => {
                panic!("{pages} pages are enough for a handshake: no call trapped")
            }
        }
    }
    let (pages, error) = inside_a_call.expect("some cap lets the engine start");
    assert_eq!(error.limit(), Some(Limit::Memory), "{error}");
    assert!(
        error
            .to_string()
            .contains(&format!("the limit is {} bytes", pages << 16)),
        "{error}"
    );
    // The next connection, with the default limits, is served.
    cap.store(
        SandboxLimits::default().memory_bytes,
        std::sync::atomic::Ordering::Relaxed,
    );
    let client = tokio::spawn(tlsbox::connect(
        "localhost",
        port,
        ConnectOptions::with_ca(pem("ca1-cert.pem")),
    ));
    let event = timeout(HANG, server.next_event()).await.unwrap().unwrap();
    assert!(
        matches!(event, ServerEvent::SecureConnection(_)),
        "{event:?}"
    );
    timeout(HANG, client)
        .await
        .unwrap()
        .unwrap()
        .expect("handshake");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zero_cpu_deadline_interrupts_the_guest() {
    let options = ConnectOptions {
        limits: no_cpu(),
        ..ConnectOptions::with_ca(pem("ca1-cert.pem"))
    };
    let error = tlsbox::connect("localhost", 1, options)
        .await
        .expect_err("no guest call may finish");
    assert_eq!(error.limit(), Some(Limit::CallDeadline), "{error}");
    assert!(error.to_string().contains("CPU deadline"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tiny_bytes_per_call_cap_still_carries_everything() {
    let limits = SandboxLimits {
        max_bytes_per_call: 7,
        ..SandboxLimits::default()
    };
    let server_limits = limits.clone();
    let options = ServerOptions::new(identity("agent1")).limits_for(move |_| server_limits.clone());
    let (_server, port) = common::echo_server(options).await;
    let options = ConnectOptions {
        limits,
        ..ConnectOptions::with_ca(pem("ca1-cert.pem"))
    };
    let mut client = tlsbox::connect("localhost", port, options)
        .await
        .expect("handshake seven bytes at a time");
    let message = Rng::new(3).bytes(50_000);
    client.write_all(&message).await.unwrap();
    client.shutdown().await.unwrap();
    let mut reply = Vec::new();
    timeout(HANG, client.read_to_end(&mut reply))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&reply[..9], b"welcome!\n");
    assert!(reply[9..] == message[..], "every byte echoed");
}

/// Connects from a known local port, so a `limits_for` hook can pick it out.
async fn connect_from_known_port() -> (TcpSocket, u16) {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let port = socket.local_addr().unwrap().port();
    (socket, port)
}

/// Echoes `total` random bytes in chunks, waiting at `halfway` in the middle.
async fn transfer(port: u16, seed: u64, total: usize, halfway: Arc<Barrier>) -> usize {
    let mut client = tlsbox::connect(
        "localhost",
        port,
        ConnectOptions::with_ca(pem("ca1-cert.pem")),
    )
    .await
    .expect("a well-behaved client connects");
    let mut welcome = [0u8; 9];
    client.read_exact(&mut welcome).await.unwrap();
    let data = Rng::new(seed).bytes(total);
    let (mut from, mut to) = tokio::io::split(client);
    let expected = data.clone();
    let reader = tokio::spawn(async move {
        let mut echoed = vec![0u8; expected.len()];
        from.read_exact(&mut echoed).await.unwrap();
        assert!(echoed == expected, "every byte comes back in order");
        echoed.len()
    });
    let (first, second) = data.split_at(total / 2);
    for chunk in first.chunks(16 * 1024) {
        to.write_all(chunk).await.unwrap();
    }
    to.flush().await.unwrap();
    halfway.wait().await;
    halfway.wait().await;
    for chunk in second.chunks(16 * 1024) {
        to.write_all(chunk).await.unwrap();
    }
    to.flush().await.unwrap();
    let echoed = timeout(HANG, reader).await.unwrap().unwrap();
    to.shutdown().await.unwrap();
    echoed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_connection_over_its_limit_leaves_the_others_whole() {
    // Connections from these local ports get these limits; all others the defaults.
    let special: Arc<Mutex<HashMap<u16, SandboxLimits>>> = Arc::default();
    let pick = special.clone();
    let options = ServerOptions::new(identity("agent1")).limits_for(move |peer| {
        let special = pick.lock().unwrap();
        special.get(&peer.port()).cloned().unwrap_or_default()
    });
    let server = Arc::new(tlsbox::create_server(options).unwrap());
    let port = server.listen("127.0.0.1:0").await.unwrap().port();
    let (errors_tx, mut errors) = mpsc::unbounded_channel();
    let events = server.clone();
    tokio::spawn(async move {
        while let Some(event) = events.next_event().await {
            match event {
                ServerEvent::SecureConnection(stream) => {
                    tokio::spawn(common::echo(*stream));
                }
                ServerEvent::ClientError { error, remote_addr } => {
                    let _ = errors_tx.send((remote_addr.map(|a| a.port()), error));
                }
            }
        }
    });

    // Four connections move 1 MiB each and stop halfway.
    const OTHERS: usize = 4;
    const TOTAL: usize = 1 << 20;
    let halfway = Arc::new(Barrier::new(OTHERS + 1));
    let others: Vec<_> = (0..OTHERS)
        .map(|i| tokio::spawn(transfer(port, 100 + i as u64, TOTAL, halfway.clone())))
        .collect();
    timeout(HANG, halfway.wait()).await.expect("all halfway");

    // Meanwhile: one connection whose sandbox may not have the memory it
    // needs, one whose guest may not run at all.
    let mut victims = HashMap::new();
    for (limits, limit) in [
        (tiny_memory(), Limit::Memory),
        (no_cpu(), Limit::CallDeadline),
    ] {
        let (socket, local_port) = connect_from_known_port().await;
        special.lock().unwrap().insert(local_port, limits);
        let mut tcp: TcpStream = socket.connect(([127, 0, 0, 1], port).into()).await.unwrap();
        victims.insert(local_port, limit);
        let (victim_port, error): (Option<u16>, Error) =
            timeout(HANG, errors.recv()).await.unwrap().unwrap();
        assert_eq!(victim_port, Some(local_port));
        assert_eq!(error.limit(), Some(limit), "{error}");
        assert_eq!(error.code(), "ERR_TLSBOX_LIMIT");
        // The victim's connection is closed.
        let mut buf = [0u8; 16];
        let read = timeout(HANG, tcp.read(&mut buf)).await.unwrap();
        assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    }

    // The others go on and lose nothing.
    halfway.wait().await;
    for other in others {
        assert_eq!(timeout(HANG, other).await.unwrap().unwrap(), TOTAL);
    }
    // And the server still accepts.
    let barrier = Arc::new(Barrier::new(1));
    assert_eq!(transfer(port, 7, 4096, barrier).await, 4096);
    assert!(errors.try_recv().is_err(), "no other connection failed");
}
