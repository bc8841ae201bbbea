//! `io::Driver`, the components' one driver loop, over real sockets
//! (Unix socket pairs): blocking with a thread per side, and non-blocking
//! with both sides stepped by one thread; a refused certificate, and a
//! peer that hangs up mid-handshake.

use std::io::{ErrorKind, Read};
use std::os::unix::net::UnixStream;
use std::thread;

use tlsbox_engine::ErrorCode;
use tlsbox_engine::io::{Driver, pair_error};
use tlsbox_engine::pair::{ClientOptions, SecurePair};
use tlsbox_engine::server::{Server, ServerOptions};
use tlsbox_harness::fixtures::{identity, trusting};

fn client_pair(ca: &str) -> SecurePair {
    let options = ClientOptions {
        servername: Some("agent1.test".into()),
        check_host: "agent1.test".into(),
        reject_unauthorized: true,
        alpn_protocols: Vec::new(),
        keylog: false,
        ciphers: None,
        min_version: None,
        max_version: None,
        ecdh_curve: None,
        sigalgs: None,
        default_roots: false,
        sessions: None,
        request_ocsp: false,
    };
    SecurePair::connect(&trusting(ca), &options).expect("client pair")
}

fn server_pair() -> SecurePair {
    Server::new(identity("agent1"), ServerOptions::default()).accept()
}

/// Reads cleartext until `len` bytes came, driving as needed.
fn read_exactly(driver: &mut Driver<UnixStream>, len: usize) -> Vec<u8> {
    let mut received = Vec::new();
    while received.len() < len {
        received.extend(driver.pair_mut().read_cleartext(len - received.len()));
        if received.len() < len {
            driver.complete_io().expect("driving");
        }
    }
    received
}

#[test]
fn blocking_drivers_handshake_echo_and_close() {
    let (client_socket, server_socket) = UnixStream::pair().unwrap();
    let server = thread::spawn(move || {
        let mut server = Driver::new(server_pair(), server_socket);
        server.complete_io().expect("server handshake");
        assert!(!server.status().handshaking);
        let hello = read_exactly(&mut server, 5);
        assert_eq!(server.write_cleartext(&hello).unwrap(), 5);
        // Until the client's close_notify.
        while !server.status().peer_closed {
            server.complete_io().expect("server reading");
        }
        server.end().unwrap();
    });
    let mut client = Driver::new(client_pair("ca1-cert.pem"), client_socket);
    let (taken, written) = client.complete_io().expect("client handshake");
    assert!(taken > 0 && written > 0, "{taken} taken, {written} written");
    assert!(!client.status().handshaking);
    assert!(
        client.pair().authorized(),
        "{:?}",
        client.pair().authorization_error()
    );
    assert_eq!(client.write_cleartext(b"hello").unwrap(), 5);
    assert_eq!(read_exactly(&mut client, 5), b"hello");
    client.end().unwrap();
    while !client.status().peer_closed {
        client.complete_io().expect("client reading");
    }
    server.join().expect("server thread");
}

#[test]
fn non_blocking_drivers_move_on_whenever_called() {
    let (client_socket, server_socket) = UnixStream::pair().unwrap();
    client_socket.set_nonblocking(true).unwrap();
    server_socket.set_nonblocking(true).unwrap();
    let mut client = Driver::new(client_pair("ca1-cert.pem"), client_socket);
    let mut server = Driver::new(server_pair(), server_socket);
    let mut passes = 0;
    while client.status().handshaking || server.status().handshaking {
        // Never an error: a transport that would block ends the pass.
        client.complete_io().expect("client pass");
        server.complete_io().expect("server pass");
        passes += 1;
        assert!(passes < 20, "the handshake does not finish");
    }
    assert!(client.pair().authorized());
    assert!(!client.wants_write() && !server.wants_write(), "all sent");
    assert!(client.wants_read(), "an idle client waits for its peer");
}

#[test]
fn a_refused_certificate_fails_both_drivers_with_the_pairs_errors() {
    let (client_socket, server_socket) = UnixStream::pair().unwrap();
    let server = thread::spawn(move || {
        let mut server = Driver::new(server_pair(), server_socket);
        let error = server.complete_io().expect_err("the client refuses us");
        let failed = server.status().failed.expect("the pair failed");
        assert_eq!(pair_error(&error), Some(&failed), "{error}");
    });
    // agent1 is signed by ca1, not ca2.
    let mut client = Driver::new(client_pair("ca2-cert.pem"), client_socket);
    let error = client.complete_io().expect_err("ca2 did not sign agent1");
    assert_eq!(error.kind(), ErrorKind::InvalidData);
    let failure = pair_error(&error).expect("the pair's own error");
    assert_eq!(failure.code, ErrorCode::UnableToVerifyLeafSignature);
    let again = client.complete_io().expect_err("a failure is sticky");
    assert_eq!(pair_error(&again), Some(failure));
    server.join().expect("server thread");
}

#[test]
fn a_peer_hanging_up_mid_handshake_is_an_unexpected_eof() {
    let (client_socket, server_socket) = UnixStream::pair().unwrap();
    let mut client = Driver::new(client_pair("ca1-cert.pem"), client_socket);
    client.write_pending().expect("the hello goes out");
    // The "server" reads the hello and hangs up.
    let mut server_socket = server_socket;
    let mut hello = vec![0; 64 * 1024];
    assert!(server_socket.read(&mut hello).unwrap() > 0);
    drop(server_socket);
    let error = client.complete_io().expect_err("no server");
    assert_eq!(error.kind(), ErrorKind::UnexpectedEof, "{error}");
    assert!(client.status().handshaking);
}
