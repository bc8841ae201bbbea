//! What the fuzz targets do with their input: arbitrary bytes from a "peer"
//! fed to a server-side and a client-side pair of `tlsbox-engine`, the same
//! code the sandboxed guest runs, built natively.
//!
//! Shared with `engine/tests/fuzz_inputs.rs` (which includes this file as a
//! module), so the regression inputs under `fuzz/regressions/` replay through
//! exactly what the fuzzer ran. Besides not crashing, each step checks the
//! pair's own promises: replies no larger than asked for, sticky failures,
//! counts that match what is there.

use std::sync::OnceLock;

use tlsbox_engine::context::{Credentials, SecureContext};
use tlsbox_engine::pair::{ClientOptions, SecurePair};
use tlsbox_engine::server::{Server, ServerOptions};

const KEY: &str = include_str!("../../fixtures/agent1-key.pem");
const CERT: &str = include_str!("../../fixtures/agent1-cert.pem");
const CA: &str = include_str!("../../fixtures/ca1-cert.pem");

/// The most guest-style calls one input may drive: keeps every run short.
const MAX_STEPS: usize = 4096;

/// A server presenting agent1, asking for (not requiring) a client
/// certificate, with ALPN: as many code paths as one configuration reaches.
fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let credentials = Credentials {
            key: Some(KEY.into()),
            cert: Some(CERT.into()),
            ca: vec![CA.into()],
            ..Credentials::default()
        };
        let context = SecureContext::new(&credentials).expect("fixture credentials");
        let options = ServerOptions {
            request_cert: true,
            reject_unauthorized: false,
            alpn_protocols: vec!["h2".into(), "http/1.1".into()],
            keylog: false,
            sni_callback: false,
            ciphers: None,
        };
        Server::new(context, options)
    })
}

fn client_context() -> &'static SecureContext {
    static CONTEXT: OnceLock<SecureContext> = OnceLock::new();
    CONTEXT.get_or_init(|| {
        let credentials = Credentials {
            ca: vec![CA.into()],
            ..Credentials::default()
        };
        SecureContext::new(&credentials).expect("fixture CA")
    })
}

/// A fresh client pair, its ClientHello already taken.
pub fn client_pair() -> SecurePair {
    let options = ClientOptions {
        servername: Some("localhost".into()),
        check_host: "localhost".into(),
        reject_unauthorized: true,
        alpn_protocols: vec!["h2".into(), "http/1.1".into()],
        keylog: false,
        ciphers: None,
    };
    let mut pair = SecurePair::connect(client_context(), &options).expect("client pair");
    let hello = pair.read_encrypted(usize::MAX);
    assert!(!hello.is_empty(), "a client speaks first");
    pair
}

/// A fresh server pair waiting for a ClientHello.
pub fn server_pair() -> SecurePair {
    server().accept()
}

/// `data` as a peer's bytes to a server pair.
pub fn fuzz_server(data: &[u8]) {
    drive(server_pair(), data);
}

/// `data` as a peer's bytes to a client pair that sent its ClientHello.
pub fn fuzz_client(data: &[u8]) {
    drive(client_pair(), data);
}

/// Feeds `data` in chunks whose size the first byte picks, and between
/// chunks makes every other call a host makes, checking the pair's promises.
pub fn drive(mut pair: SecurePair, data: &[u8]) {
    let Some((&selector, mut rest)) = data.split_first() else {
        return;
    };
    // 1..=256 bytes, or (top bit) everything at once.
    let chunk = if selector & 0x80 != 0 {
        usize::MAX
    } else {
        1 + (selector as usize * 2)
    };
    let mut failed = false;
    for _ in 0..MAX_STEPS {
        if rest.is_empty() {
            break;
        }
        let n = chunk.min(rest.len());
        match pair.write_encrypted(&rest[..n]) {
            Ok(taken) => {
                assert!(!failed, "a failure is sticky");
                assert!(taken <= n, "took {taken} of {n} bytes");
                rest = &rest[taken..];
                if taken == 0 && pair.status().cleartext_pending == 0 {
                    // Closed by the peer, or otherwise taking no more.
                    break;
                }
            }
            Err(error) => {
                assert!(!error.message.is_empty());
                assert_eq!(pair.status().failed, Some(error.clone()));
                assert!(pair.write_encrypted(b"\x17\x03\x03\x00\x01x").is_err());
                failed = true;
            }
        }
        take_everything(&mut pair);
        let _ = pair.write_cleartext(b"GET / HTTP/1.1\r\n\r\n");
        report(&pair);
        if failed {
            break;
        }
    }
    pair.end();
    take_everything(&mut pair);
    report(&pair);
}

/// Drains both outputs, checking sizes and counts on the way.
fn take_everything(pair: &mut SecurePair) {
    let pending = pair.status().encrypted_pending;
    let small = pair.read_encrypted(7);
    assert!(small.len() <= 7);
    let rest = pair.read_encrypted(usize::MAX);
    assert_eq!(
        small.len() + rest.len(),
        pending,
        "encrypted_pending is exact"
    );
    assert_eq!(pair.status().encrypted_pending, 0);
    for _ in 0..64 {
        let pending = pair.status().cleartext_pending;
        if pending == 0 {
            break;
        }
        let read = pair.read_cleartext(1 << 12);
        assert!(read.len() <= 1 << 12);
        assert!(!read.is_empty(), "{pending} bytes pending but none read");
    }
}

/// Every getter a host calls; none may panic whatever state the pair is in.
fn report(pair: &SecurePair) {
    let _ = pair.authorized();
    let _ = pair.authorization_error();
    let _ = pair.peer_certificate_chain();
    let _ = pair.servername();
    let _ = pair.alpn_protocol();
    let _ = pair.cipher();
    let _ = pair.protocol();
}

/// Real first flights to start the fuzzer from: a client's ClientHello, and
/// a server's reply to one (as one byte string each, chunk selector first).
pub fn seeds() -> (Vec<u8>, Vec<u8>) {
    let options = ClientOptions {
        servername: Some("localhost".into()),
        check_host: "localhost".into(),
        reject_unauthorized: true,
        alpn_protocols: vec!["h2".into()],
        keylog: false,
        ciphers: None,
    };
    let mut client = SecurePair::connect(client_context(), &options).expect("client pair");
    let hello = client.read_encrypted(usize::MAX);
    let mut server = server_pair();
    server
        .write_encrypted(&hello)
        .expect("the server takes a real hello");
    let reply = server.read_encrypted(usize::MAX);
    let with_selector = |bytes: Vec<u8>| [vec![0x80], bytes].concat();
    (with_selector(hello), with_selector(reply))
}
