//! Load and soak on loopback: hundreds of concurrent clients echoing
//! random-sized messages, some aborting mid-stream. Every byte that should
//! arrive does; the live connection and sandbox counts return to zero; the
//! process's memory returns to its baseline. Bounded in count and time, and
//! alone in its binary so that no other test moves the counts it checks.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::raw::Rng;
use common::rss::{release_free_memory, rss_bytes};
use common::{identity, pem};
use tlsbox::{ConnectOptions, ServerOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Barrier;
use tokio::time::timeout;

const CLIENTS: usize = 200;
const ROUNDS: u64 = 2;
/// How much a second round may add to what the first left.
const ROUND_GROWTH: usize = 4 << 20;
const MAX_MESSAGES: usize = 8;
const MAX_MESSAGE: usize = 32 << 10;
/// One client in this many aborts mid-stream.
const ABORT_ONE_IN: u64 = 8;
/// How far above its baseline the process may end, once the allocator has
/// returned its free memory (400 connections' sandboxes and buffers are
/// ~50 MiB: a leak of a tenth of them shows).
const RSS_MARGIN: usize = 8 << 20;
/// The whole run must finish within this (a hang guard, not a benchmark).
const RUN_LIMIT: Duration = Duration::from_secs(240);

#[derive(Default)]
struct Outcome {
    sent: usize,
    echoed: usize,
    aborted: bool,
}

/// One client: connect, wait until every client is connected, then echo
/// random-sized messages; an aborting client stops mid-message and drops
/// the connection, with a TCP reset half of the time.
async fn client(port: u16, id: u64, all_connected: Arc<Barrier>) -> Outcome {
    let mut rng = Rng::new(0xC0FFEE + id);
    let mut options = ConnectOptions::with_ca(pem("ca1-cert.pem"));
    options.handshake_timeout = Duration::from_secs(60);
    let mut stream = tlsbox::connect("localhost", port, options)
        .await
        .unwrap_or_else(|e| panic!("client {id} connects: {e}"));
    let mut welcome = [0u8; 9];
    stream.read_exact(&mut welcome).await.unwrap();
    assert_eq!(&welcome, b"welcome!\n");
    all_connected.wait().await;

    let messages = rng.range(1, MAX_MESSAGES);
    let abort_at = rng
        .next_u64()
        .is_multiple_of(ABORT_ONE_IN)
        .then(|| rng.range(0, messages - 1));
    let mut outcome = Outcome::default();
    for index in 0..messages {
        let size = rng.range(1, MAX_MESSAGE);
        let message = rng.bytes(size);
        if abort_at == Some(index) {
            let part = &message[..message.len() / 2];
            stream.write_all(part).await.unwrap();
            if rng.next_u64().is_multiple_of(2) {
                stream.get_ref().set_zero_linger().unwrap();
            }
            outcome.aborted = true;
            return outcome;
        }
        let (mut from, mut to) = tokio::io::split(stream);
        let expected = message.clone();
        let reader = async move {
            let mut echoed = vec![0u8; expected.len()];
            from.read_exact(&mut echoed).await.unwrap();
            assert!(echoed == expected, "client {id}: the echo matches");
            (from, echoed.len())
        };
        let writer = async move {
            to.write_all(&message).await.unwrap();
            to.flush().await.unwrap();
            (to, message.len())
        };
        let ((from, echoed), (to, sent)) = tokio::join!(reader, writer);
        stream = from.unsplit(to);
        outcome.sent += sent;
        outcome.echoed += echoed;
    }
    stream.shutdown().await.unwrap();
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).await.unwrap();
    assert!(rest.is_empty(), "nothing after the last echo");
    outcome
}

/// Waits (bounded) until `done` holds.
async fn eventually(what: &str, done: impl Fn() -> bool) {
    for _ in 0..400 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what} did not happen within 20 s");
}

/// `clients` concurrent clients; returns (sent, echoed, aborted).
async fn run(port: u16, clients: usize, first_id: u64) -> (usize, usize, usize) {
    let all_connected = Arc::new(Barrier::new(clients));
    let tasks: Vec<_> = (0..clients as u64)
        .map(|i| tokio::spawn(client(port, first_id + i, all_connected.clone())))
        .collect();
    let (mut sent, mut echoed, mut aborted) = (0, 0, 0);
    for task in tasks {
        let outcome = task.await.expect("client task");
        sent += outcome.sent;
        echoed += outcome.echoed;
        aborted += usize::from(outcome.aborted);
    }
    (sent, echoed, aborted)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundreds_of_clients_echo_abort_and_leave_nothing_behind() {
    let started = Instant::now();
    let mut options = ServerOptions::new(identity("agent1"));
    options.handshake_timeout = Duration::from_secs(60);
    let (server, port) = common::echo_server(options).await;

    // Warm up: the engine, the compiled component, the thread pools.
    run(port, 8, 1_000_000).await;
    eventually("warm-up connections closing", || {
        server.connections() == 0 && tlsbox::live_sandboxes() == 0
    })
    .await;
    release_free_memory();
    let baseline = rss_bytes();

    // Two rounds: the first shows memory returning near its baseline, the
    // second that a round leaves nothing behind for the next (memory the
    // allocator keeps for reuse is reused, not grown).
    let mut after = Vec::new();
    let peak = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let sampling = {
        let peak = peak.clone();
        tokio::spawn(async move {
            loop {
                peak.fetch_max(rss_bytes(), std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let (mut sent, mut echoed, mut aborted) = (0, 0, 0);
    for round in 0..ROUNDS {
        let load = timeout(RUN_LIMIT, run(port, CLIENTS, round * CLIENTS as u64))
            .await
            .expect("the load finishes");
        sent += load.0;
        echoed += load.1;
        aborted += load.2;
        eventually("every connection closing", || server.connections() == 0).await;
        eventually("every sandbox dropped", || tlsbox::live_sandboxes() == 0).await;
        release_free_memory();
        after.push(rss_bytes());
    }
    sampling.abort();
    let peak = peak.load(std::sync::atomic::Ordering::Relaxed);
    println!(
        "{ROUNDS} rounds of {CLIENTS} concurrent clients ({aborted} aborted mid-stream): \
         {sent} bytes sent and {echoed} echoed back in {:.1} s; RSS baseline {} KiB, \
         peak {} KiB, after each round {:?} KiB",
        started.elapsed().as_secs_f64(),
        baseline >> 10,
        peak >> 10,
        after.iter().map(|rss| rss >> 10).collect::<Vec<_>>()
    );
    assert_eq!(
        sent, echoed,
        "every byte of every finished message came back"
    );
    assert!(
        aborted > 0 && aborted < ROUNDS as usize * CLIENTS / 2,
        "{aborted} aborted"
    );
    let last = *after.last().unwrap();
    assert!(
        last < baseline + RSS_MARGIN,
        "RSS {last} is not back near its baseline {baseline}"
    );
    assert!(
        last < after[0] + ROUND_GROWTH,
        "RSS grows round after round: {after:?}"
    );
    // Still serving after all that.
    let (sent, echoed, _) = run(port, 4, 2_000_000).await;
    assert_eq!(sent, echoed);
}
