//! A TLS 1.3 peer, client or server, whose protected records are written
//! by hand.
//!
//! rustls (natively, as a well-behaved peer) does the handshake; its
//! traffic keys are then taken out of it (`tlsbox_harness::sealing`), and
//! every record after that is sealed with exactly the inner plaintext a
//! test asks for: content, then the inner content type, then padding, or
//! anything else. What the other end answers is opened with its key, so a
//! test sees the alert it sent even though it was encrypted.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{
    ClientConfig, ClientConnection, ContentType, ExtractedSecrets, RootCertStore, ServerConfig,
    ServerConnection,
};
use tlsbox_harness::sealing::{RecordKeys, aes_128_gcm_provider};

use super::fixture;

/// Bounds every read: a peer that neither answers nor closes fails the test.
const HANG: Duration = Duration::from_secs(20);

/// How a peer answered what the client sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// A ServerHello: the peer went on with the handshake.
    ServerHello,
    /// An alert with this description (RFC 8446 §6), encrypted or not.
    Alert(u8),
    /// The connection ended with no alert.
    Closed,
}

impl Answer {
    /// The alert's name as RFC 8446 spells it, for messages.
    pub fn name(&self) -> String {
        match self {
            Answer::ServerHello => "ServerHello".into(),
            Answer::Closed => "closed without an alert".into(),
            Answer::Alert(description) => match description {
                0 => "close_notify".into(),
                10 => "unexpected_message".into(),
                20 => "bad_record_mac".into(),
                22 => "record_overflow".into(),
                40 => "handshake_failure".into(),
                47 => "illegal_parameter".into(),
                50 => "decode_error".into(),
                80 => "internal_error".into(),
                other => format!("alert {other}"),
            },
        }
    }
}

/// Alert descriptions the tests name.
pub mod alert {
    pub const CLOSE_NOTIFY: u8 = 0;
    pub const UNEXPECTED_MESSAGE: u8 = 10;
    pub const RECORD_OVERFLOW: u8 = 22;
    pub const DECODE_ERROR: u8 = 50;
}

/// One end of an established TLS 1.3 connection (TLS_AES_128_GCM_SHA256)
/// whose records the test writes.
pub struct SealedPeer {
    tcp: TcpStream,
    keys: RecordKeys,
}

/// A client's end.
pub struct SealedClient;

impl SealedClient {
    /// Connects to `127.0.0.1:port` as a client of `localhost`, trusting
    /// `ca1`, and completes a TLS 1.3 handshake. Blocking.
    pub fn connect(port: u16) -> SealedPeer {
        let mut tcp = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        let mut connection =
            ClientConnection::new(Arc::new(client_config()), "localhost".try_into().unwrap())
                .expect("client");
        while connection.is_handshaking() {
            connection.complete_io(&mut tcp).expect("handshake");
        }
        while connection.wants_write() {
            connection.write_tls(&mut tcp).expect("send Finished");
        }
        let secrets = connection
            .dangerous_extract_secrets()
            .expect("secrets extractable");
        SealedPeer::new(tcp, secrets)
    }
}

/// A server's end, presenting agent1.
pub struct SealedServer;

impl SealedServer {
    /// Accepts one connection on `listener` and completes a TLS 1.3
    /// handshake with it. Blocking.
    pub fn accept(listener: &TcpListener) -> SealedPeer {
        let (mut tcp, _) = listener.accept().expect("accept");
        let mut connection = ServerConnection::new(Arc::new(server_config())).expect("server");
        while connection.is_handshaking() {
            connection.complete_io(&mut tcp).expect("handshake");
        }
        let secrets = connection
            .dangerous_extract_secrets()
            .expect("secrets extractable");
        SealedPeer::new(tcp, secrets)
    }
}

impl SealedPeer {
    fn new(tcp: TcpStream, secrets: ExtractedSecrets) -> Self {
        tcp.set_read_timeout(Some(HANG)).unwrap();
        Self {
            tcp,
            keys: RecordKeys::new(secrets),
        }
    }

    /// Sends one protected record whose TLSInnerPlaintext is exactly
    /// `inner`: normally content, its real type, then zeros.
    pub fn send_inner(&mut self, inner: &[u8]) {
        let record = self.keys.seal(inner);
        self.tcp.write_all(&record).expect("send");
    }

    /// The first alert the peer sends from now on (after any tickets or
    /// data), or `Closed` if it ends the connection without one.
    pub fn answer(&mut self) -> Answer {
        let mut received = Vec::new();
        loop {
            let mut offset = 0;
            while received.len() >= offset + 5 {
                let length = usize::from(u16::from_be_bytes([
                    received[offset + 3],
                    received[offset + 4],
                ]));
                if received.len() < offset + 5 + length {
                    break;
                }
                let typ = received[offset];
                let body = &mut received[offset + 5..offset + 5 + length];
                if let Some(answer) = self.open(typ, body) {
                    return answer;
                }
                offset += 5 + length;
            }
            received.drain(..offset);
            let mut buf = [0u8; 4096];
            match self.tcp.read(&mut buf) {
                Ok(0) => return Answer::Closed,
                Ok(n) => received.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == ErrorKind::ConnectionReset => return Answer::Closed,
                Err(e) => panic!("no answer from the peer: {e}"),
            }
        }
    }

    /// The alert in one received record, if it holds one.
    fn open(&mut self, typ: u8, body: &mut [u8]) -> Option<Answer> {
        match ContentType::from(typ) {
            // An alert in the clear, from a peer that no longer uses its
            // keys for it.
            ContentType::Alert => Some(Answer::Alert(body[1])),
            ContentType::ApplicationData => match self.keys.open(body) {
                (ContentType::Alert, alert) => Some(Answer::Alert(alert[1])),
                _ => None,
            },
            _ => None,
        }
    }
}

/// rustls' ring provider with AES-128-GCM alone, as [`RecordKeys`] wants.
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(aes_128_gcm_provider())
}

/// A rustls client, TLS 1.3 and AES-128-GCM only, its secrets extractable.
fn client_config() -> ClientConfig {
    let mut roots = RootCertStore::empty();
    for certificate in CertificateDer::pem_file_iter(fixture("ca1-cert.pem")).unwrap() {
        roots.add(certificate.unwrap()).unwrap();
    }
    let mut config = ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.enable_secret_extraction = true;
    config
}

/// A rustls server presenting agent1, TLS 1.3 and AES-128-GCM only,
/// sending no tickets (its records are then all the test's), its secrets
/// extractable.
fn server_config() -> ServerConfig {
    let chain = CertificateDer::pem_file_iter(fixture("agent1-cert.pem"))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(fixture("agent1-key.pem")).unwrap();
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    config.send_tls13_tickets = 0;
    config.enable_secret_extraction = true;
    config
}

/// Reads what a peer sends in the clear after a raw ClientHello: whether it
/// went on with a ServerHello, sent an alert, or closed. Blocking.
pub fn plaintext_answer(tcp: &mut TcpStream) -> Answer {
    tcp.set_read_timeout(Some(HANG)).unwrap();
    // A record header, then a handshake message's type or an alert's
    // level and description.
    let mut first = [0u8; 7];
    let mut got = 0;
    while got < first.len() {
        match tcp.read(&mut first[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
            Err(e) => panic!("no answer from the peer: {e}"),
        }
    }
    match (got, first[0], first[5]) {
        (6.., 22, 2) => Answer::ServerHello,
        (7, 21, _) => Answer::Alert(first[6]),
        _ => Answer::Closed,
    }
}
