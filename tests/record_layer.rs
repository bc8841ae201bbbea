//! The record layer as RFC 8446 words it, proved with raw bytes sent under
//! an established TLS 1.3 connection, against a tlsbox server in both
//! engine builds and against `openssl s_server` with the same bytes.
//!
//! §5.2: a protected record longer than 2^14 + 256 bytes MUST be answered
//! with `record_overflow`, and can be refused before any decryption.
//! rustls takes records up to TLS 1.2's 2^14 + 2048 and decrypted them
//! first (answering `bad_record_mac`); a record over 2^14 + 2048 was
//! already a `record_overflow` (`tests/hostile.rs`).

mod common;

use std::time::Duration;

use common::peers::openssl_server;
use common::{fixture, identity, pem, raw};
use tlsbox::{ConnectOptions, Crypto, ServerEvent, ServerOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::timeout;

/// Guards every wait: a hang fails the test instead of stalling it.
const HANG: Duration = Duration::from_secs(20);

/// One byte more than a TLS 1.3 ciphertext may hold, and well within what
/// rustls' deframer takes.
const JUST_OVER: u16 = (1 << 14) + 257;

/// An application-data record of `length` bytes that no key made: what a
/// peer's record layer must refuse by its length before it tries to open it.
fn oversized_record(length: u16) -> Vec<u8> {
    let mut record = raw::record_claiming(raw::APPLICATION_DATA, length, &[]);
    record.extend(vec![0x42; usize::from(length)]);
    record
}

/// Sends `record` raw under `client`'s TLS, once its handshake is done, and
/// returns the error the client then reads (the server's alert, as
/// `CODE: message`).
async fn answer_to(client: &mut tlsbox::CleartextStream, record: &[u8]) -> String {
    client.get_ref().writable().await.unwrap();
    let mut sent = 0;
    while sent < record.len() {
        client.get_ref().writable().await.unwrap();
        match client.get_ref().try_write(&record[sent..]) {
            Ok(n) => sent += n,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(e) => panic!("{e}"),
        }
    }
    let mut buf = [0u8; 64];
    let result = timeout(HANG, client.read(&mut buf)).await.unwrap();
    result
        .expect_err("the server answers with an alert")
        .to_string()
}

fn tls13_client() -> ConnectOptions {
    let mut options = ConnectOptions::with_ca(pem("ca1-cert.pem"));
    options.max_version = Some("TLSv1.3".into());
    options
}

/// Both engine builds refuse a record just over 2^14 + 256 bytes with
/// `record_overflow` (the server reports `ERR_SSL_RECORD_OVERFLOW`, the
/// client Node's code for the alert), as `openssl s_server` does with the
/// same bytes; a record of exactly 2^14 + 256 that does not decrypt is
/// still `bad_record_mac`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_over_the_tls13_limit_is_a_record_overflow_before_decryption() {
    for crypto in [Crypto::Host, Crypto::Guest] {
        let mut options = ServerOptions::new(identity("agent1"));
        options.crypto = crypto;
        let server = tlsbox::create_server(options).unwrap();
        let port = server.listen("127.0.0.1:0").await.unwrap().port();
        for (length, server_code, client_code) in [
            (
                JUST_OVER,
                "ERR_SSL_RECORD_OVERFLOW",
                "ERR_SSL_TLSV1_ALERT_RECORD_OVERFLOW",
            ),
            (
                JUST_OVER - 1,
                "ERR_SSL_DECRYPTION_FAILED",
                "ERR_SSL_SSLV3_ALERT_BAD_RECORD_MAC",
            ),
        ] {
            let connecting = tokio::spawn(tlsbox::connect("localhost", port, tls13_client()));
            let event = timeout(HANG, server.next_event()).await.unwrap();
            let Some(ServerEvent::SecureConnection(mut accepted)) = event else {
                panic!("{crypto:?}: expected a connection, got {event:?}");
            };
            let mut client = connecting.await.unwrap().unwrap();
            let record = oversized_record(length);
            let (client_error, server_error) =
                tokio::join!(answer_to(&mut client, &record), async {
                    let mut buf = [0u8; 64];
                    timeout(HANG, accepted.read(&mut buf))
                        .await
                        .unwrap()
                        .expect_err("the server's read fails")
                });
            assert!(
                server_error.to_string().contains(server_code),
                "{crypto:?} {length}: {server_error}"
            );
            assert!(
                client_error.starts_with(client_code),
                "{crypto:?} {length}: {client_error}"
            );
        }
    }

    // openssl s_server, the same bytes under the same kind of client.
    let (_server, port) = openssl_server(&[
        "-cert",
        &fixture("agent1-cert.pem").display().to_string(),
        "-key",
        &fixture("agent1-key.pem").display().to_string(),
    ]);
    let mut client = tlsbox::connect("localhost", port, tls13_client())
        .await
        .unwrap();
    client.write_all(b"hello\n").await.unwrap();
    let error = answer_to(&mut client, &oversized_record(JUST_OVER)).await;
    assert!(
        error.starts_with("ERR_SSL_TLSV1_ALERT_RECORD_OVERFLOW"),
        "{error}"
    );
}
