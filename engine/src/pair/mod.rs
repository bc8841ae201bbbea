//! A secure pair: one TLS connection, client or server side, as an encrypted pipe.
//!
//! [`SecurePair`] and the state it moves through live here, with the few
//! helpers every side of it shares; its methods are split by what they do:
//!
//! - `client`: [`ClientOptions`], the [`ConnectNames`] rule and
//!   [`SecurePair::connect`];
//! - `accept`: a server pair, from its ClientHello (and its caller's
//!   SNI, ALPN and OCSP decisions) to its connection;
//! - `encrypted`: the encrypted side, bytes from and to the peer;
//! - `cleartext`: the cleartext side, bytes from and to the application;
//! - `status`: the [`PairStatus`] record;
//! - `peer`: what the handshake settled, for Node's getters;
//! - `keylog`: the secrets recorded for [`SecurePair::take_keylog`];
//! - `fixed_cert`: the certificate resolvers both sides present.

mod accept;
mod cleartext;
mod client;
mod client_sessions;
mod encrypted;
mod fixed_cert;
mod keylog;
mod peer;
mod status;

use std::sync::Arc;

use rustls::Connection;
use rustls::server::Acceptor;

use crate::error::Error;
use crate::node_verifiers::{NodeClientVerifier, NodeServerVerifier, SharedVerdict};
use crate::record_rules::plaintext::FirstFlight;
use crate::server::ServerShared;

use keylog::KeyLogLines;

pub use accept::{AlpnOffer, Awaiting};
pub use client::{ClientOptions, ConnectNames};
pub use client_sessions::ClientSessions;
pub use status::PairStatus;

/// Encrypted bytes a pair holds for its caller before it refuses more cleartext.
const OUTBOX_LIMIT: usize = 64 * 1024;
/// Decrypted bytes past which a pair refuses more encrypted input: rustls'
/// own limit on received plaintext, which it enforces only once it holds
/// *more* than this. So a pair holding one full record still takes the
/// next: stopping at one record cost the receive path a second guest call
/// per record, and the bytes of the next record crossed into the guest
/// twice.
const PLAINTEXT_LIMIT: usize = 16 * 1024;

enum State {
    /// A server waiting for the whole ClientHello to pick a context.
    Accepting {
        acceptor: Box<Acceptor>,
        server: Arc<ServerShared>,
    },
    /// A server that read the ClientHello and waits for its caller's
    /// decisions (Node's `SNICallback`, `ALPNCallback`, `OCSPRequest`).
    Hello(Box<accept::Hello>),
    /// Handshaking or established.
    Connected(Box<Connection>),
    /// Failed before a connection existed.
    Dead,
}

/// How a resumed session's peer chain is verified again: by the verifier
/// that verified it in the full handshake.
#[derive(Clone)]
enum ResumedPeerCheck {
    /// A server's, of the client's certificate.
    Client(Arc<NodeClientVerifier>),
    /// A client's, of the server's certificate, for the name it connects to.
    Server(
        Arc<NodeServerVerifier>,
        rustls_pki_types::ServerName<'static>,
    ),
}

/// One TLS connection as an encrypted pipe. See the crate docs.
pub struct SecurePair {
    state: State,
    outbox: Vec<u8>,
    outbox_start: usize,
    cleartext_pending: usize,
    peer_closed: bool,
    ended: bool,
    failed: Option<Error>,
    verdict: SharedVerdict,
    /// Secrets recorded for the key log, when asked for.
    keylog: Option<Arc<KeyLogLines>>,
    /// For a server: whether it asked for a client certificate.
    request_cert: bool,
    /// The verifier of the peer's chain, until the handshake ends, to
    /// verify a resumed session's chain again: a server's that asked for
    /// client certificates, a client's that keeps sessions.
    resumed_peer_check: Option<ResumedPeerCheck>,
    is_server: bool,
    client_servername: Option<String>,
    /// The certificate this side presents (a server's once it has chosen
    /// its context), for Node's `getCertificate()`.
    local_certificate: Option<rustls_pki_types::CertificateDer<'static>>,
    /// For a client with `request_ocsp`: its verifier, which holds what the
    /// server stapled until the pair takes it.
    ocsp_verifier: Option<Arc<NodeServerVerifier>>,
    /// The OCSP response the server stapled (a client with `request_ocsp`).
    ocsp_response: Option<Vec<u8>>,
    /// The peer's records in the clear, read until its first handshake
    /// message is whole.
    first_flight: FirstFlight,
}

impl SecurePair {
    fn new(state: State, verdict: SharedVerdict) -> Self {
        Self {
            state,
            outbox: Vec::new(),
            outbox_start: 0,
            cleartext_pending: 0,
            peer_closed: false,
            ended: false,
            failed: None,
            verdict,
            keylog: None,
            request_cert: false,
            resumed_peer_check: None,
            is_server: false,
            client_servername: None,
            local_certificate: None,
            ocsp_verifier: None,
            ocsp_response: None,
            first_flight: FirstFlight::new(),
        }
    }

    fn encrypted_pending(&self) -> usize {
        self.outbox.len() - self.outbox_start
    }

    /// Moves everything rustls has to send into the outbox.
    fn flush(&mut self) {
        if let State::Connected(connection) = &mut self.state {
            while connection.wants_write() {
                if connection.write_tls(&mut self.outbox).is_err() {
                    break;
                }
            }
        }
    }

    fn fail(&mut self, error: Error) -> Error {
        self.failed = Some(error.clone());
        error
    }
}

fn protocol_list(protocols: &[String]) -> Vec<Vec<u8>> {
    protocols.iter().map(|p| p.as_bytes().to_vec()).collect()
}
