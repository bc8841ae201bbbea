//! The encrypted side of a pair: the bytes from the peer it decrypts
//! ([`SecurePair::write_encrypted`]) and the bytes for the peer it holds
//! ([`SecurePair::read_encrypted`]).

use std::io;

use super::{PLAINTEXT_LIMIT, SecurePair, State};
use rustls::client::danger::ServerCertVerifier;
use rustls::server::danger::ClientCertVerifier;

use crate::error::{Error, ErrorCode};
use crate::record_rules;
use crate::tls_error::from_rustls;

impl SecurePair {
    /// Feeds bytes received from the peer. Returns how many were taken:
    /// fewer than given when cleartext must be read first, or once the peer
    /// has closed. A failure is sticky; the alert to send may still wait in
    /// [`Self::read_encrypted`].
    pub fn write_encrypted(&mut self, mut data: &[u8]) -> Result<usize, Error> {
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        let total = data.len();
        // A verifier shared with other pairs (see `ClientSessions`) reports
        // to the pair whose input it verifies.
        if let Some(super::ResumedPeerCheck::Server(verifier, _)) = &self.resumed_peer_check {
            verifier.bind(&self.verdict);
        }
        if let State::Accepting { .. } = self.state {
            self.feed_acceptor(&mut data)?;
        }
        if let State::Connected(_) = self.state {
            let fed = self.feed_connection(&mut data);
            // The staple came in this call's input, so it is this pair's.
            if let Some(staple) = self.ocsp_verifier.as_ref().and_then(|v| v.take_staple()) {
                self.ocsp_response = Some(staple);
            }
            fed?;
        }
        self.flush();
        Ok(total - data.len())
    }

    fn feed_connection(&mut self, data: &mut &[u8]) -> Result<(), Error> {
        while !data.is_empty() && !self.peer_closed && self.cleartext_pending <= PLAINTEXT_LIMIT {
            let State::Connected(connection) = &mut self.state else {
                return Ok(());
            };
            let offered = *data;
            match connection.read_tls(data) {
                Ok(0) => break,
                Ok(_) => {}
                // rustls' received-plaintext buffer is full: the caller reads first.
                Err(e) if e.kind() == io::ErrorKind::Other => break,
                Err(e) => {
                    let error = Error::new(ErrorCode::ErrSslProtocolError, e.to_string());
                    return Err(self.fail(error));
                }
            }
            self.check_first_flight(&offered[..offered.len() - data.len()])?;
            let State::Connected(connection) = &mut self.state else {
                return Ok(());
            };
            // A refusal left by an earlier call is not this call's.
            record_rules::take_refusal();
            match connection.process_new_packets() {
                Ok(io_state) => {
                    self.cleartext_pending = io_state.plaintext_bytes_to_read();
                    self.peer_closed |= io_state.peer_has_closed();
                }
                Err(error) => {
                    // Our verifier's verdict names the failure better than
                    // the rustls cause chosen for the alert.
                    // A record rule's refusal names it better than the
                    // rustls error that carried its alert.
                    let error = match (&error, self.verdict_failure()) {
                        (rustls::Error::InvalidCertificate(_), Some(ours)) => ours,
                        _ => match record_rules::take_refusal() {
                            Some(refusal) => refusal.error(),
                            None => from_rustls(&error),
                        },
                    };
                    self.flush();
                    return Err(self.fail(error));
                }
            }
        }
        self.verify_resumed_peer()
    }

    /// Once a handshake ends: when it resumed a session that carried the
    /// peer's certificate (a client's, for a server that asked for one; a
    /// server's, for a client), verifies that chain now, against this
    /// context's trust, as the full handshake did. `authorized` and
    /// `authorizationError` then say what they said then (Node's resumed
    /// sessions keep their verification result), and a chain that no
    /// longer verifies (revoked since, expired) is refused where the
    /// unauthorized are rejected, as in a full handshake.
    fn verify_resumed_peer(&mut self) -> Result<(), Error> {
        // Cheapest first: this runs after every input, and only a pair
        // with a check to make, once, has anything to do.
        if self.resumed_peer_check.is_none() {
            return Ok(());
        }
        let State::Connected(connection) = &self.state else {
            return Ok(());
        };
        if connection.is_handshaking() {
            return Ok(());
        }
        let Some(check) = self.resumed_peer_check.take() else {
            return Ok(());
        };
        if connection.handshake_kind() != Some(rustls::HandshakeKind::Resumed) {
            return Ok(());
        }
        let Some((leaf, intermediates)) = connection
            .peer_certificates()
            .and_then(|chain| chain.split_first())
        else {
            // No certificate then, none now: as a full handshake without one.
            return Ok(());
        };
        let now = rustls_pki_types::UnixTime::now();
        let verified = match &check {
            super::ResumedPeerCheck::Client(verifier) => verifier
                .verify_client_cert(leaf, intermediates, now)
                .map(drop),
            super::ResumedPeerCheck::Server(verifier, name) => verifier
                .verify_server_cert(leaf, intermediates, name, &[], now)
                .map(drop),
        };
        match verified {
            Ok(()) => Ok(()),
            Err(error) => {
                let error = self
                    .verdict_failure()
                    .unwrap_or_else(|| from_rustls(&error));
                if let State::Connected(connection) = &mut self.state {
                    connection.send_close_notify();
                }
                self.flush();
                Err(self.fail(error))
            }
        }
    }

    /// Reads `taken`, the bytes rustls just took from the peer, with the
    /// first-flight rules ([`record_rules::plaintext`]) until the peer's
    /// first handshake message is whole. A refusal sends its alert in the
    /// clear (nothing this side sent is encrypted yet) and fails the pair.
    pub(super) fn check_first_flight(&mut self, taken: &[u8]) -> Result<(), Error> {
        if self.first_flight.done() {
            return Ok(());
        }
        self.first_flight
            .read(taken)
            .map_err(|refusal| self.refuse_first_flight(refusal))
    }

    /// Ends the pair for a refusal in the peer's first flight, its alert
    /// in the clear.
    pub(super) fn refuse_first_flight(&mut self, refusal: record_rules::Refusal) -> Error {
        self.flush();
        self.outbox
            .extend_from_slice(&record_rules::fatal_alert(refusal.alert()));
        self.state = State::Dead;
        self.fail(refusal.error())
    }

    fn verdict_failure(&self) -> Option<Error> {
        match self.verdict.lock().as_deref() {
            Ok(Some(Err(error))) => Some(error.clone()),
            _ => None,
        }
    }

    /// Takes up to `max` encrypted bytes to send to the peer.
    pub fn read_encrypted(&mut self, max: usize) -> Vec<u8> {
        self.flush();
        // `max` is the caller's (up to u32::MAX across the WIT boundary, and
        // usize is 32 bits in the guest): compare, never add.
        if self.outbox_start == 0 && max >= self.outbox.len() {
            // All of it: hand over the buffer itself rather than a copy
            // (the bulk path: each step takes everything the pair has).
            return std::mem::take(&mut self.outbox);
        }
        let end = self.outbox_start + max.min(self.encrypted_pending());
        let out = self.outbox[self.outbox_start..end].to_vec();
        self.outbox_start = end;
        if self.outbox_start == self.outbox.len() {
            self.outbox.clear();
            self.outbox_start = 0;
        }
        out
    }
}
