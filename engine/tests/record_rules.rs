//! The first-flight record rules (`engine/src/record_rules/plaintext.rs`)
//! on in-memory pairs, for the side the socket tests do not reach: a
//! client reading a server's first flight. Each refusal goes out as a
//! fatal alert in the clear, after the client's ClientHello.

use tlsbox_engine::ErrorCode;
use tlsbox_engine::pair::{ClientOptions, SecurePair};
use tlsbox_harness::Pair;
use tlsbox_harness::fixtures::trusting;
use tlsbox_harness::fuzz::{client_pair, server_pair};
use tlsbox_harness::sealing::plaintext_record as record;

/// Feeds `bytes` to `pair`, expecting a refusal with `code`; returns what
/// the pair then sends.
fn refused(pair: &mut SecurePair, bytes: &[u8], code: ErrorCode) -> Vec<u8> {
    let error = pair.write_encrypted(bytes).expect_err("refused");
    assert_eq!(error.code, code, "{error}");
    pair.read_encrypted(usize::MAX)
}

/// A fatal alert record with `description`.
fn alert(description: u8) -> [u8; 7] {
    [21, 3, 3, 0, 2, 2, description]
}

#[test]
fn a_client_refuses_application_data_before_the_server_hello() {
    let mut client = client_pair();
    let sent = refused(
        &mut client,
        &record(23, b"early"),
        ErrorCode::ErrSslUnexpectedMessage,
    );
    assert_eq!(sent, alert(10));
}

#[test]
fn a_client_refuses_a_server_hello_record_over_2_14_bytes() {
    let mut client = client_pair();
    // Only the header: the length alone refuses it.
    let header = [22, 3, 3, 0x40, 0x01];
    let sent = refused(&mut client, &header, ErrorCode::ErrSslRecordOverflow);
    assert_eq!(sent, alert(22));
}

#[test]
fn a_server_refuses_a_client_hello_header_claiming_over_64_kib() {
    let mut server = server_pair();
    // A ClientHello's header claiming 0x010000 bytes, in a record of four.
    let sent = refused(
        &mut server,
        &record(22, &[1, 0x01, 0x00, 0x00]),
        ErrorCode::ErrSslExcessiveMessageSize,
    );
    assert_eq!(sent, alert(50));
}

#[test]
fn a_server_refuses_a_record_of_an_unknown_type_but_leaves_junk_to_rustls() {
    let mut server = server_pair();
    let sent = refused(
        &mut server,
        &record(0x63, b"what"),
        ErrorCode::ErrSslUnexpectedRecord,
    );
    assert_eq!(sent, alert(10));
    // Not TLS at all: "wrong version number", as OpenSSL says.
    let mut server = server_pair();
    let error = server
        .write_encrypted(b"GET / HTTP/1.1\r\n\r\n")
        .unwrap_err();
    assert_eq!(error.code, ErrorCode::ErrSslWrongVersionNumber, "{error}");
}

#[test]
fn flights_that_arrive_a_byte_at_a_time_pass_the_rules() {
    let options = ClientOptions {
        servername: Some("localhost".into()),
        check_host: "localhost".into(),
        reject_unauthorized: true,
        ..ClientOptions::default()
    };
    let client = SecurePair::connect(&trusting("ca1-cert.pem"), &options).unwrap();
    let mut pair = Pair::new(client, server_pair()).with_transmit_limit(1);
    // A byte per step: more steps than `drive` allows.
    let steps = (0..100_000).take_while(|_| pair.step() > 0).count();
    assert!(steps > 1000, "{steps} steps");
    assert!(!pair.client.status().handshaking);
    assert!(!pair.server.status().handshaking);
    assert_eq!(pair.client.status().failed, None);
    assert_eq!(pair.server.status().failed, None);
}
