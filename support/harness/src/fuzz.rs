//! What the fuzz targets (`fuzz/fuzz_targets/`) do with their input:
//! arbitrary bytes from a "peer" fed to a server-side and a client-side pair
//! of `tlsbox-engine`, the same code the sandboxed guest runs, built
//! natively.
//!
//! The engine's tests (`engine/tests/fuzz_inputs.rs`) replay the regression
//! inputs under `fuzz/regressions/` through exactly what the fuzzer ran.
//! Each input goes through two callers: one making every call a host makes,
//! in the order the input picks, checking the pair's own promises (replies
//! no larger than asked for, sticky failures, counts that match what is
//! there); and the [`Driver`] the components use, over a transport that
//! delivers the input in pieces and pushes back on every other write.

use std::io::{self, ErrorKind, Read, Write};
use std::sync::{Arc, OnceLock};

use tlsbox_engine::context::{Credentials, SecureContext};
use tlsbox_engine::io::{Driver, pair_error};
use tlsbox_engine::pair::{Awaiting, ClientOptions, SecurePair};
use tlsbox_engine::server::{Server, ServerOptions};
use tlsbox_engine::tickets::{KeyedTicketer, TicketKeys};

use crate::pair::Pair;
use crate::sealing::{RecordKeys, aes_128_gcm_provider, plaintext_record};

const KEY: &str = include_str!("../../../fixtures/agent1-key.pem");
const CERT: &str = include_str!("../../../fixtures/agent1-cert.pem");
const CA: &str = include_str!("../../../fixtures/ca1-cert.pem");

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
            alpn_callback: false,
            ocsp_callback: false,
            ciphers: None,
            min_version: None,
            max_version: None,
            ecdh_curve: None,
            sigalgs: None,
            // This one does full handshakes; `ticketing_server` resumes.
            ticketer: None,
            session_store: None,
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
        min_version: None,
        max_version: None,
        ecdh_curve: None,
        sigalgs: None,
        default_roots: false,
        sessions: None,
        request_ocsp: false,
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

/// `data` as a peer's bytes to a server pair: a server asking for client
/// certificates, then one that leaves its decisions to callbacks (answered
/// here as the input picks), then (through the driver) one issuing session
/// tickets, whose ticketer opens whatever a ClientHello offers as one.
pub fn fuzz_server(data: &[u8]) {
    drive(server_pair(), data);
    drive(deciding_server().accept(), data);
    drive_with_driver(ticketing_server().accept(), data);
}

/// agent1's key and certificate, as a server presents them.
fn agent1() -> SecureContext {
    let credentials = Credentials {
        key: Some(KEY.into()),
        cert: Some(CERT.into()),
        ..Credentials::default()
    };
    SecureContext::new(&credentials).expect("fixture credentials")
}

/// A server whose pairs pause for an SNI context, an ALPN protocol and an
/// OCSP response after each ClientHello, and whose `sigalgs` make it check
/// the ClientHello's signature schemes itself.
pub fn deciding_server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let context = agent1();
        let options = ServerOptions {
            sni_callback: true,
            alpn_callback: true,
            ocsp_callback: true,
            sigalgs: Some("RSA-PSS+SHA256:RSA+SHA256:ECDSA+SHA256".into()),
            ..ServerOptions::default()
        };
        Server::new(context, options)
    })
}

/// Answers what a server pair waits for, as a host's callbacks might:
/// `seed` picks the ALPN answer (the client's first protocol, none, or one
/// it did not offer). A refusal must leave the pair failed.
fn answer_decisions(pair: &mut SecurePair, seed: u8) {
    for _ in 0..3 {
        let Some(awaiting) = pair.status().awaiting else {
            return;
        };
        let answered = match awaiting {
            Awaiting::Context(_) => pair.supply_context(None),
            Awaiting::Alpn(offer) => match seed % 3 {
                0 => pair.supply_alpn(offer.protocols.first().map(String::as_str)),
                1 => pair.supply_alpn(None),
                _ => pair.supply_alpn(Some("not-offered")),
            },
            Awaiting::Ocsp(chain) => {
                assert!(!chain.is_empty(), "a chosen context has a certificate");
                pair.supply_ocsp(None)
            }
        };
        if let Err(error) = answered {
            assert_eq!(pair.status().failed, Some(error));
            return;
        }
    }
    assert_eq!(pair.status().awaiting, None, "three decisions at most");
}

/// A server that asks for no client certificate and issues session tickets
/// under fixed keys (the engine's ticket format, as the self-contained
/// guest seals them).
pub fn ticketing_server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let context = agent1();
        let keys = vec![TicketKeys::new([0x5a; 48])];
        let options = ServerOptions {
            alpn_protocols: vec!["h2".into(), "http/1.1".into()],
            ticketer: Some(Arc::new(KeyedTicketer::new(keys, 3600).expect("keys"))),
            ..ServerOptions::default()
        };
        Server::new(context, options)
    })
}

/// `data` as the protected records a client sends once a TLS 1.3
/// handshake with [`server_pair`] is done: each record's inner plaintext
/// (content, type, padding, or anything) is two length bytes and that
/// many bytes of the input, sealed here under the client's key, so the
/// fuzzer reaches the checks made after decryption. The records go to the
/// server in chunks the first byte picks. Whatever the server refuses, it
/// says so with an alert (RFC 8446 §5): a pair that fails, other than for
/// the client's own alert, has a record to send. Returns the server's
/// failure, if it failed.
pub fn fuzz_protected(data: &[u8]) -> Option<tlsbox_engine::Error> {
    let (chunk, inner_plaintexts) = chunked(data)?;
    let (mut server, mut keys) = established_tls13();
    let mut records = Vec::new();
    let mut rest = inner_plaintexts;
    while let [high, low, tail @ ..] = rest {
        let n = usize::from(u16::from_be_bytes([*high, *low])).min(tail.len());
        records.extend(keys.seal(&tail[..n]));
        rest = &tail[n..];
    }
    let mut input = &records[..];
    for _ in 0..MAX_STEPS {
        if input.is_empty() {
            break;
        }
        let n = chunk.min(input.len());
        match server.write_encrypted(&input[..n]) {
            Ok(0) if server.status().cleartext_pending == 0 => break,
            Ok(taken) => input = &input[taken..],
            Err(error) => {
                let sent = server.read_encrypted(usize::MAX);
                assert!(
                    !sent.is_empty() || error_is_peer_alert(&error),
                    "refused without an alert: {error}"
                );
                report(&server);
                return Some(error);
            }
        }
        take_everything(&mut server);
        report(&server);
    }
    None
}

/// An error that is the peer's own fatal alert, which is answered by
/// closing, not with another alert (RFC 8446 §6.2).
fn error_is_peer_alert(error: &tlsbox_engine::Error) -> bool {
    let code = error.code.as_node_str();
    code.contains("_ALERT_")
        || code == "ERR_SSL_PEER_ALERT"
        || code == "ERR_SSL_TLSV1_UNRECOGNIZED_NAME"
}

/// A server pair after a TLS 1.3 handshake (AES-128-GCM) with a rustls
/// client, and that client's record keys.
fn established_tls13() -> (SecurePair, RecordKeys) {
    let mut roots = rustls::RootCertStore::empty();
    roots.add_parsable_certificates(tlsbox_engine::pem::certificates(CA).expect("fixture CA"));
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(aes_128_gcm_provider()))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .expect("TLS 1.3")
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.enable_secret_extraction = true;
    let name = rustls::pki_types::ServerName::try_from("localhost").expect("a name");
    let mut client = rustls::ClientConnection::new(Arc::new(config), name).expect("client");
    let mut server = server_pair();
    Pair::new(&mut client, &mut server).drive();
    assert!(!server.status().handshaking, "the handshake is done");
    let secrets = client.dangerous_extract_secrets().expect("extractable");
    (server, RecordKeys::new(secrets))
}

/// Inner plaintexts for [`fuzz_protected`] (chunk selector first), one
/// per rule the engine checks after decryption, then data and a
/// close_notify: seeds for the fuzzer and the regression replay.
pub fn protected_seeds() -> Vec<(&'static str, Vec<u8>)> {
    let framed = |inners: &[&[u8]]| {
        let mut out = vec![0x80];
        for inner in inners {
            out.extend_from_slice(&(inner.len() as u16).to_be_bytes());
            out.extend_from_slice(inner);
        }
        out
    };
    let data: &[u8] = b"GET / HTTP/1.1\r\n\r\n\x17";
    let close_notify: &[u8] = &[1, 0, 21];
    vec![
        ("seed-data-then-close", framed(&[data, close_notify])),
        ("only-padding", framed(&[&[0; 32]])),
        ("empty-handshake-record", framed(&[&[22, 0, 0]])),
        ("unknown-inner-type", framed(&[b"what\x63"])),
        ("interleaved-handshake", framed(&[&[24, 0, 22], data])),
        ("two-alerts", framed(&[&[1, 90, 1, 90, 21]])),
        (
            "padded-past-the-limit",
            framed(&[&[[b'x', 23].as_slice(), &[0; 1 << 14]].concat()]),
        ),
        ("thirty-three-empty-records", framed(&[&[23u8][..]; 33])),
        ("protected-change-cipher-spec", framed(&[&[1, 20]])),
    ]
}

/// `data` as a peer's bytes to a client pair that sent its ClientHello.
pub fn fuzz_client(data: &[u8]) {
    drive(client_pair(), data);
    drive_with_driver(client_pair(), data);
}

/// The chunk size the input's first byte picks (1..=256 bytes, or with the
/// top bit everything at once), and the rest of the input.
fn chunked(data: &[u8]) -> Option<(usize, &[u8])> {
    let (&selector, rest) = data.split_first()?;
    let chunk = if selector & 0x80 != 0 {
        usize::MAX
    } else {
        1 + (selector as usize * 2)
    };
    Some((chunk, rest))
}

/// Feeds `data` in chunks whose size the first byte picks, and between
/// chunks makes every other call a host makes, checking the pair's promises.
pub fn drive(mut pair: SecurePair, data: &[u8]) {
    let Some((chunk, mut rest)) = chunked(data) else {
        return;
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
                answer_decisions(&mut pair, data.len() as u8);
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

/// The peer as a [`Driver`] sees it: the input, read a chunk at a time,
/// and a sink that takes a chunk per write and refuses every other write.
struct ChunkedPeer<'a> {
    input: &'a [u8],
    chunk: usize,
    refuse_next_write: bool,
}

impl Read for ChunkedPeer<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.chunk.min(buf.len()).min(self.input.len());
        buf[..n].copy_from_slice(&self.input[..n]);
        self.input = &self.input[n..];
        Ok(n)
    }
}

impl Write for ChunkedPeer<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.refuse_next_write = !self.refuse_next_write;
        if !self.refuse_next_write {
            return Err(ErrorKind::WouldBlock.into());
        }
        Ok(self.chunk.min(buf.len()))
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Drives `pair` over the input with the components' [`Driver`], echoing
/// what cleartext arrives, until the driver fails or nothing moves:
/// checks that its failures are the pair's own, and sticky.
pub fn drive_with_driver(pair: SecurePair, data: &[u8]) {
    let Some((chunk, input)) = chunked(data) else {
        return;
    };
    let peer = ChunkedPeer {
        input,
        chunk,
        refuse_next_write: false,
    };
    let mut driver = Driver::new(pair, peer);
    for _ in 0..MAX_STEPS {
        match driver.complete_io() {
            Ok((taken, written)) => {
                let text = driver.pair_mut().read_cleartext(1 << 12);
                if !text.is_empty() {
                    let _ = driver.write_cleartext(&text);
                }
                let idle = taken == 0 && written == 0 && text.is_empty();
                if idle && !driver.wants_write() && (driver.transport_eof() || !driver.wants_read())
                {
                    break;
                }
            }
            Err(error) => {
                let failed = driver.status().failed;
                match pair_error(&error) {
                    Some(pair_error) => assert_eq!(failed.as_ref(), Some(pair_error)),
                    None => {
                        assert_eq!(error.kind(), ErrorKind::UnexpectedEof, "{error}");
                        assert!(driver.status().handshaking);
                    }
                }
                let again = driver.complete_io().expect_err("a failure is sticky");
                assert_eq!(again.kind(), error.kind());
                break;
            }
        }
        report(driver.pair());
    }
    let _ = driver.end();
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

/// A real ClientHello that offers a session ticket from
/// [`ticketing_server`] (with its PSK binder): what a returning client
/// sends, to start the fuzzer on the ticket and binder paths. Chunk
/// selector first.
pub fn resuming_hello() -> Vec<u8> {
    let mut roots = rustls::RootCertStore::empty();
    let ca = tlsbox_engine::pem::certificates(CA).expect("fixture CA");
    roots.add_parsable_certificates(ca);
    let config = Arc::new(
        rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("rustls' defaults")
        .with_root_certificates(roots)
        .with_no_client_auth(),
    );
    let name = rustls::pki_types::ServerName::try_from("localhost").expect("a name");
    let client = rustls::ClientConnection::new(config.clone(), name.clone()).expect("client");
    let mut pair = Pair::new(client, ticketing_server().accept());
    pair.drive();
    assert!(!pair.server.status().handshaking, "a full handshake first");
    // The returning client: its hello is the first step's flight, and the
    // handshake it starts resumes.
    let again = rustls::ClientConnection::new(config, name).expect("client");
    let mut pair = Pair::new(again, ticketing_server().accept());
    pair.step();
    let hello = pair.sent_by_client().to_vec();
    pair.drive();
    assert!(
        pair.server.session_reused(),
        "the hello offers a ticket that resumes"
    );
    [&[0x80][..], &hello].concat()
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
        min_version: None,
        max_version: None,
        ecdh_curve: None,
        sigalgs: None,
        default_roots: false,
        sessions: None,
        request_ocsp: false,
    };
    let client = SecurePair::connect(client_context(), &options).expect("client pair");
    let mut pair = Pair::new(client, server_pair());
    // The hello reaches the server; the server's reply is sent.
    pair.step();
    pair.step();
    assert!(
        pair.server.status().failed.is_none(),
        "the server takes a real hello"
    );
    let with_selector = |bytes: &[u8]| [&[0x80], bytes].concat();
    (
        with_selector(pair.sent_by_client()),
        with_selector(pair.sent_by_server()),
    )
}

/// Inputs for the server target (chunk selector first), one per rule the
/// engine checks on a client's records in the clear before its ClientHello
/// is whole (`record_rules::plaintext`), each built around the real
/// ClientHello of [`seeds`]: seeds for the fuzzer and regression inputs.
pub fn first_flight_seeds() -> Vec<(&'static str, Vec<u8>)> {
    let (hello_records, _) = seeds();
    // The seed is one record holding the whole hello.
    let hello = &hello_records[1 + 5..];
    let record = plaintext_record;
    let with_selector = |parts: &[Vec<u8>]| [vec![0x80], parts.concat()].concat();
    let (front, back) = hello.split_at(20);
    let mut oversized = record(22, hello);
    oversized[3..5].copy_from_slice(&((1u16 << 14) + 1).to_be_bytes());
    oversized.resize(5 + (1 << 14) + 1, 0);
    vec![
        (
            "change-cipher-spec-before-hello",
            with_selector(&[record(20, &[1]), record(22, hello)]),
        ),
        (
            "application-data-before-hello",
            with_selector(&[record(23, b"early"), record(22, hello)]),
        ),
        (
            "hello-split-by-an-alert",
            with_selector(&[record(22, front), record(21, &[1, 90]), record(22, back)]),
        ),
        (
            "unknown-record-type",
            with_selector(&[record(0x63, b"what"), record(22, hello)]),
        ),
        (
            "empty-handshake-record-before-hello",
            with_selector(&[record(22, &[]), record(22, hello)]),
        ),
        ("hello-in-a-record-over-2-14", with_selector(&[oversized])),
        (
            "hello-header-over-64-kib",
            with_selector(&[record(22, &[1, 1, 0, 0])]),
        ),
    ]
}
