//! A peer that never reads must not make the host buffer without bound: the
//! writer stalls (its write stays pending), the host's buffers stay within
//! fixed sizes and the process's memory stays flat. Alone in its binary so
//! that no other test moves the RSS it measures.

mod common;

use std::time::Duration;

use common::rss::rss_bytes;
use common::{identity, pem};
use tlsbox::{ConnectOptions, ServerOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::timeout;

const HANG: Duration = Duration::from_secs(30);
/// What the server tries to push at a client that reads nothing.
const PUSH: usize = 64 << 20;
/// What one connection may hold on the host side: the read-ahead and
/// write chunks of the driver and the pair's bounded buffers, with room to spare.
const MAX_BUFFERED: usize = 256 << 10;
/// How much the process may grow while the push is refused.
const RSS_MARGIN: usize = 16 << 20;

/// The byte at `offset` of the stream: a pattern whose every position is checkable.
fn pattern(offset: usize, len: usize) -> Vec<u8> {
    (offset..offset + len).map(|i| (i % 251) as u8).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_never_reads_stalls_the_writer_and_memory_stays_flat() {
    let server = tlsbox::create_server(ServerOptions::new(identity("agent1"))).unwrap();
    let port = server.listen("127.0.0.1:0").await.unwrap().port();
    let client = tokio::spawn(tlsbox::connect(
        "localhost",
        port,
        ConnectOptions::with_ca(pem("ca1-cert.pem")),
    ));
    let mut accepted = timeout(HANG, server.accept()).await.unwrap().unwrap();
    let mut client = timeout(HANG, client).await.unwrap().unwrap().unwrap();

    let before = rss_bytes();
    let mut written = 0;
    let mut pending_in_a_row = 0;
    let mut max_buffered = 0;
    // Bounded: at most PUSH bytes, or three writes in a row that stay pending.
    while written < PUSH && pending_in_a_row < 3 {
        let chunk = pattern(written, 64 << 10);
        match timeout(Duration::from_millis(300), accepted.write(&chunk)).await {
            Ok(result) => {
                written += result.expect("write");
                pending_in_a_row = 0;
            }
            Err(_) => pending_in_a_row += 1,
        }
        max_buffered = max_buffered.max(accepted.buffered_bytes());
    }
    let grown = rss_bytes().saturating_sub(before);
    println!(
        "pushed {written} bytes before the writer stalled; at most {max_buffered} bytes \
         buffered on the host; RSS {} -> {} KiB",
        before >> 10,
        (before + grown) >> 10
    );
    assert!(
        written < PUSH,
        "the write future stays pending: {written} bytes taken"
    );
    assert_eq!(pending_in_a_row, 3);
    assert!(
        max_buffered <= MAX_BUFFERED,
        "{max_buffered} bytes buffered"
    );
    assert!(grown < RSS_MARGIN, "RSS grew by {grown} bytes");

    // Once the client reads, every byte the server's writes took arrives,
    // and the stalled writer moves again.
    let mut received = vec![0u8; written];
    let reading = tokio::spawn(async move {
        client.read_exact(&mut received).await.unwrap();
        let mut more = vec![0u8; 1000];
        client.read_exact(&mut more).await.unwrap();
        (received, more)
    });
    let extra = pattern(written, 1000);
    timeout(HANG, accepted.write_all(&extra))
        .await
        .expect("the writer resumes")
        .unwrap();
    accepted.flush().await.unwrap();
    let (received, more) = timeout(HANG, reading).await.unwrap().unwrap();
    assert!(received == pattern(0, written), "every byte in order");
    assert_eq!(more, extra);
}
