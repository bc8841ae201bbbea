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
use common::sealed::{Answer, SealedClient, SealedServer, alert, plaintext_answer};
use common::{fixture, identity, pem, raw};
use tlsbox::{ConnectOptions, Crypto, Server, ServerEvent, ServerOptions};
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

/// A TLSInnerPlaintext: `content`, its real type, `padding` zeros.
fn inner(content: &[u8], content_type: u8, padding: usize) -> Vec<u8> {
    let mut inner = content.to_vec();
    inner.push(content_type);
    inner.resize(inner.len() + padding, 0);
    inner
}

/// A close_notify alert's inner plaintext: sent after records that must be
/// accepted, so that the peer's close_notify back shows they were.
fn close_notify() -> Vec<u8> {
    inner(&[1, 0], raw::ALERT, 0)
}

/// One rule of RFC 8446 §5 about records, or a documented limit: what a
/// client sends, what a tlsbox server answers (the alert the RFC names;
/// close_notify where the records are allowed, as the client closes after
/// them) and reports (Node's code), and what `openssl s_server` answers
/// where that differs (recorded in docs/security.md).
struct Case {
    name: &'static str,
    /// Inner plaintexts of protected records, or raw bytes in the clear.
    sent: Vec<Vec<u8>>,
    tlsbox: Answer,
    code: Option<&'static str>,
    openssl: Option<Answer>,
}

/// A case where OpenSSL answers as tlsbox does.
fn case(
    name: &'static str,
    sent: Vec<Vec<u8>>,
    tlsbox: Answer,
    code: Option<&'static str>,
) -> Case {
    Case {
        name,
        sent,
        tlsbox,
        code,
        openssl: None,
    }
}

impl Case {
    fn openssl(self, answer: Answer) -> Self {
        Self {
            openssl: Some(answer),
            ..self
        }
    }
}

const ACCEPTED: Answer = Answer::Alert(alert::CLOSE_NOTIFY);
const UNEXPECTED: Answer = Answer::Alert(alert::UNEXPECTED_MESSAGE);
const OVERFLOW: Answer = Answer::Alert(alert::RECORD_OVERFLOW);
const DECODE: Answer = Answer::Alert(alert::DECODE_ERROR);

fn protected_cases() -> Vec<Case> {
    const LIMIT: usize = raw::MAX_FRAGMENT;
    let data = |n: usize| vec![b'x'; n];
    let app = raw::APPLICATION_DATA;
    vec![
        case(
            "content of 2^14 + 1 bytes (§5.2)",
            vec![inner(&data(LIMIT + 1), app, 0)],
            OVERFLOW,
            Some("ERR_SSL_RECORD_OVERFLOW"),
        ),
        case(
            "content of 2^14 bytes and one byte of padding (§5.4)",
            vec![inner(&data(LIMIT), app, 1)],
            OVERFLOW,
            Some("ERR_SSL_RECORD_OVERFLOW"),
        )
        .openssl(ACCEPTED),
        case(
            "one byte of content padded past 2^14 + 1 (§5.4)",
            vec![inner(&data(1), app, LIMIT)],
            OVERFLOW,
            Some("ERR_SSL_RECORD_OVERFLOW"),
        )
        .openssl(ACCEPTED),
        case(
            "content of 2^14 bytes",
            vec![inner(&data(LIMIT), app, 0)],
            ACCEPTED,
            None,
        ),
        case(
            "one byte padded to exactly 2^14 + 1",
            vec![inner(&data(1), app, LIMIT - 1)],
            ACCEPTED,
            None,
        ),
        case(
            "only padding, no content type (§5.4)",
            vec![vec![0; 100]],
            UNEXPECTED,
            Some("ERR_SSL_UNEXPECTED_MESSAGE"),
        ),
        case(
            "empty application data, bare and padded (§5.1)",
            vec![inner(&[], app, 0), inner(&[], app, 100)],
            ACCEPTED,
            None,
        ),
        case(
            "32 empty application data records in a row",
            vec![inner(&[], app, 0); 32],
            ACCEPTED,
            None,
        ),
        case(
            "33 empty application data records in a row",
            vec![inner(&[], app, 0); 33],
            UNEXPECTED,
            Some("ERR_SSL_RECORD_TOO_SMALL"),
        ),
        case(
            "an empty handshake record, padded (§5.1)",
            vec![inner(&[], raw::HANDSHAKE, 16)],
            UNEXPECTED,
            Some("ERR_SSL_BAD_LENGTH"),
        ),
        case(
            "an empty alert record (§5.1)",
            vec![inner(&[], raw::ALERT, 0)],
            DECODE,
            Some("ERR_SSL_PROTOCOL_ERROR"),
        )
        .openssl(UNEXPECTED),
        case(
            "two alerts in one record (§5.1)",
            vec![inner(&[1, 90, 1, 90], raw::ALERT, 0)],
            DECODE,
            Some("ERR_SSL_PROTOCOL_ERROR"),
        )
        .openssl(UNEXPECTED),
        case(
            "a protected change_cipher_spec (§5)",
            vec![inner(&[1], 20, 0)],
            UNEXPECTED,
            Some("ERR_SSL_UNEXPECTED_MESSAGE"),
        ),
        case(
            "an unknown inner content type (§5)",
            vec![inner(b"what", 0x63, 0)],
            UNEXPECTED,
            Some("ERR_SSL_UNEXPECTED_RECORD"),
        ),
        case(
            "a handshake fragment, then application data (§5.1)",
            vec![inner(&[24, 0], raw::HANDSHAKE, 0), inner(b"x", app, 0)],
            UNEXPECTED,
            Some("ERR_SSL_UNEXPECTED_MESSAGE"),
        ),
    ]
}

/// Seals `records`, then a close_notify, on a fresh connection to `port`;
/// returns the answer.
async fn protected_answer(port: u16, records: Vec<Vec<u8>>) -> Answer {
    tokio::task::spawn_blocking(move || {
        let mut client = SealedClient::connect(port);
        for record in records.iter().chain([&close_notify()]) {
            client.send_inner(record);
        }
        client.answer()
    })
    .await
    .unwrap()
}

/// The same against a tlsbox server whose side of the connection reads
/// until the end (then closes cleanly, answering the client's
/// close_notify); returns the client's answer and the server's error.
async fn tlsbox_protected_answer(
    server: &Server,
    port: u16,
    records: Vec<Vec<u8>>,
) -> (Answer, Option<String>) {
    let client = tokio::spawn(protected_answer(port, records));
    let event = timeout(HANG, server.next_event()).await.unwrap();
    let Some(ServerEvent::SecureConnection(mut accepted)) = event else {
        panic!("expected a connection, got {event:?}");
    };
    let mut data = Vec::new();
    let server_error = match timeout(HANG, accepted.read_to_end(&mut data)).await {
        Ok(Ok(_)) => {
            accepted.shutdown().await.unwrap();
            None
        }
        // A read error carries the server's error as `CODE: message`.
        Ok(Err(e)) => e.to_string().split(':').next().map(str::to_string),
        Err(_) => panic!("the server neither read to the end nor failed"),
    };
    // The server's side closes the connection once its read failed.
    drop(accepted);
    (timeout(HANG, client).await.unwrap().unwrap(), server_error)
}

/// Checks one answer; returns a line for each difference.
fn check(peer: &str, case: &Case, answer: &Answer, code: Option<&str>, failures: &mut Vec<String>) {
    let expected = match peer {
        "openssl" => case.openssl.as_ref().unwrap_or(&case.tlsbox),
        _ => &case.tlsbox,
    };
    println!("{peer}: {}: {} ({code:?})", case.name, answer.name());
    if answer != expected {
        failures.push(format!(
            "{peer}: {}: answered {}, expected {}",
            case.name,
            answer.name(),
            expected.name()
        ));
    }
    if peer != "openssl" && code != case.code {
        failures.push(format!(
            "{peer}: {}: reported {code:?}, expected {:?}",
            case.name, case.code
        ));
    }
}

fn openssl_agent1() -> (common::peers::Peer, u16) {
    openssl_server(&[
        "-cert",
        &fixture("agent1-cert.pem").display().to_string(),
        "-key",
        &fixture("agent1-key.pem").display().to_string(),
    ])
}

fn tlsbox_server(crypto: Crypto) -> Server {
    let mut options = ServerOptions::new(identity("agent1"));
    options.crypto = crypto;
    tlsbox::create_server(options).unwrap()
}

/// RFC 8446 §5's rules for protected records, each proved with records
/// sealed by hand under an established TLS 1.3 connection: both engine
/// builds answer as the cases say, and `openssl s_server`, sent the same
/// records, answers as recorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protected_records_are_answered_as_rfc_8446_says() {
    let mut failures = Vec::new();
    for crypto in [Crypto::Host, Crypto::Guest] {
        let server = tlsbox_server(crypto);
        let port = server.listen("127.0.0.1:0").await.unwrap().port();
        for case in protected_cases() {
            let (answer, code) = tlsbox_protected_answer(&server, port, case.sent.clone()).await;
            let peer = format!("tlsbox {crypto:?}");
            check(&peer, &case, &answer, code.as_deref(), &mut failures);
        }
    }
    let (_server, port) = openssl_agent1();
    for case in protected_cases() {
        let answer = protected_answer(port, case.sent.clone()).await;
        check("openssl", &case, &answer, None, &mut failures);
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// The same rules on the client's side (its decrypter makes the same
/// checks): a server that seals bad records after its handshake gets the
/// RFC's alert from a tlsbox client of either build, which reports
/// Node's code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tlsbox_client_answers_bad_protected_records_as_a_server_does() {
    let app = raw::APPLICATION_DATA;
    for crypto in [Crypto::Host, Crypto::Guest] {
        for (name, records, expected, code) in [
            (
                "only padding",
                vec![vec![0; 32]],
                UNEXPECTED,
                "ERR_SSL_UNEXPECTED_MESSAGE",
            ),
            (
                "an unknown inner content type",
                vec![inner(b"what", 0x63, 0)],
                UNEXPECTED,
                "ERR_SSL_UNEXPECTED_RECORD",
            ),
            (
                "a NewSessionTicket fragment, then application data",
                vec![inner(&[4, 0], raw::HANDSHAKE, 0), inner(b"x", app, 0)],
                UNEXPECTED,
                "ERR_SSL_UNEXPECTED_MESSAGE",
            ),
            (
                "a protected change_cipher_spec",
                vec![inner(&[1], 20, 0)],
                UNEXPECTED,
                "ERR_SSL_UNEXPECTED_MESSAGE",
            ),
            (
                "33 empty records in a row",
                vec![inner(&[], app, 0); 33],
                UNEXPECTED,
                "ERR_SSL_RECORD_TOO_SMALL",
            ),
            (
                "one byte padded past 2^14 + 1",
                vec![inner(b"x", app, raw::MAX_FRAGMENT)],
                OVERFLOW,
                "ERR_SSL_RECORD_OVERFLOW",
            ),
        ] {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let port = listener.local_addr().unwrap().port();
            let server = tokio::task::spawn_blocking(move || {
                let mut server = SealedServer::accept(&listener);
                for record in &records {
                    server.send_inner(record);
                }
                server.answer()
            });
            let mut options = tls13_client();
            options.crypto = crypto;
            let mut client = tlsbox::connect("localhost", port, options).await.unwrap();
            let mut buf = [0u8; 64];
            let error = timeout(HANG, client.read(&mut buf))
                .await
                .unwrap()
                .expect_err("the client refuses the records");
            drop(client);
            let answer = timeout(HANG, server).await.unwrap().unwrap();
            assert!(
                error.to_string().starts_with(code),
                "{crypto:?} {name}: {error}"
            );
            assert_eq!(answer, expected, "{crypto:?} {name}: {}", answer.name());
        }
    }
}

fn hello_cases() -> Vec<Case> {
    let hello = raw::client_hello(0);
    let (front, back) = hello.split_at(20);
    let records = |message: &[u8]| raw::handshake_records(message);
    let mut legacy_version = records(&hello);
    legacy_version[2] = 0x01;
    // Each connection that got a ServerHello is then dropped by the client.
    let reset = Some("ECONNRESET");
    vec![
        case(
            "a ClientHello in one-byte records (§5.1)",
            vec![
                hello
                    .iter()
                    .flat_map(|byte| raw::record(raw::HANDSHAKE, &[*byte]))
                    .collect(),
            ],
            Answer::ServerHello,
            reset,
        ),
        case(
            "a ClientHello of 20 KiB, over two records",
            vec![records(&raw::client_hello_of_size(20 << 10))],
            Answer::ServerHello,
            reset,
        ),
        case(
            "a ClientHello of 65,000 bytes",
            vec![records(&raw::client_hello_of_size(65_000))],
            Answer::ServerHello,
            reset,
        ),
        // rustls joins a message's records in a buffer of 65,535 bytes,
        // record headers included.
        case(
            "a ClientHello whose records pass 65,535 bytes",
            vec![records(&raw::client_hello_of_size(0xffff + 4))],
            DECODE,
            Some("ERR_SSL_EXCESSIVE_MESSAGE_SIZE"),
        )
        .openssl(Answer::ServerHello),
        case(
            "a ClientHello whose header claims over 65,535 bytes",
            vec![records(&raw::client_hello_of_size(0x10000 + 4))],
            DECODE,
            Some("ERR_SSL_EXCESSIVE_MESSAGE_SIZE"),
        )
        .openssl(Answer::ServerHello),
        case(
            "a ClientHello in a record claiming TLS 1.0 (§5.1)",
            vec![legacy_version],
            Answer::ServerHello,
            reset,
        ),
        case(
            "an empty handshake record, then a ClientHello (§5.1)",
            vec![raw::record(raw::HANDSHAKE, &[]), records(&hello)],
            UNEXPECTED,
            Some("ERR_SSL_BAD_LENGTH"),
        )
        .openssl(Answer::ServerHello),
        case(
            "a ClientHello split by a warning alert (§5.1)",
            vec![
                raw::record(raw::HANDSHAKE, front),
                raw::record(raw::ALERT, &[1, 90]),
                raw::record(raw::HANDSHAKE, back),
            ],
            UNEXPECTED,
            Some("ERR_SSL_UNEXPECTED_MESSAGE"),
        ),
        case(
            "change_cipher_spec before the ClientHello (§5)",
            vec![raw::record(20, &[1]), records(&hello)],
            UNEXPECTED,
            Some("ERR_SSL_UNEXPECTED_MESSAGE"),
        ),
        case(
            "application data before the ClientHello (§5)",
            vec![
                raw::record(raw::APPLICATION_DATA, b"early"),
                records(&hello),
            ],
            UNEXPECTED,
            Some("ERR_SSL_UNEXPECTED_MESSAGE"),
        ),
        case(
            "a record of an unknown type before the ClientHello (§5)",
            vec![raw::record(0x63, b"what"), records(&hello)],
            UNEXPECTED,
            Some("ERR_SSL_UNEXPECTED_RECORD"),
        ),
        case(
            "a ClientHello in one record of 2^14 + 1 bytes (§5.1)",
            vec![raw::record(
                raw::HANDSHAKE,
                &raw::client_hello_of_size(raw::MAX_FRAGMENT + 1),
            )],
            OVERFLOW,
            Some("ERR_SSL_RECORD_OVERFLOW"),
        ),
    ]
}

/// Sends `bytes` on a fresh connection to `port`; returns the answer.
async fn plaintext_answer_to(port: u16, bytes: Vec<u8>) -> Answer {
    tokio::task::spawn_blocking(move || {
        let mut tcp = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        // A peer that refuses early may close before reading everything.
        let _ = std::io::Write::write_all(&mut tcp, &bytes);
        plaintext_answer(&mut tcp)
    })
    .await
    .unwrap()
}

/// ClientHellos that are large, fragmented or among other records: each
/// engine build answers as the cases say (the RFC, or rustls' documented
/// limit on a handshake message), and `openssl s_server`, sent the same
/// bytes, answers as recorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_hellos_in_odd_records_are_answered_as_rfc_8446_says() {
    let mut failures = Vec::new();
    for crypto in [Crypto::Host, Crypto::Guest] {
        let server = tlsbox_server(crypto);
        let port = server.listen("127.0.0.1:0").await.unwrap().port();
        for case in hello_cases() {
            let answer = plaintext_answer_to(port, case.sent.concat()).await;
            let event = timeout(HANG, server.next_event()).await.unwrap();
            let Some(ServerEvent::ClientError { error, .. }) = event else {
                panic!("{}: expected a clientError, got {event:?}", case.name);
            };
            let peer = format!("tlsbox {crypto:?}");
            check(&peer, &case, &answer, Some(&error.code()), &mut failures);
        }
    }
    let (_server, port) = openssl_agent1();
    for case in hello_cases() {
        let answer = plaintext_answer_to(port, case.sent.concat()).await;
        check("openssl", &case, &answer, None, &mut failures);
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
