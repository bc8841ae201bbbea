//! [`PairStatus`]: where a pair stands, in one record a caller reads after
//! each step to know what to move next.

use super::{PLAINTEXT_LIMIT, SecurePair, State};
use crate::error::Error;

/// Where a pair stands.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PairStatus {
    /// The handshake has not finished.
    pub handshaking: bool,
    /// The pair takes more encrypted input now.
    pub wants_encrypted: bool,
    /// Encrypted bytes waiting for [`SecurePair::read_encrypted`].
    pub encrypted_pending: usize,
    /// Cleartext bytes waiting for [`SecurePair::read_cleartext`].
    pub cleartext_pending: usize,
    /// The peer sent close_notify.
    pub peer_closed: bool,
    /// This side called [`SecurePair::end`].
    pub ended: bool,
    /// The pair failed with this error.
    pub failed: Option<Error>,
    /// A server pair with callbacks has read a ClientHello and waits for
    /// its caller's decision before going on.
    pub awaiting: Option<super::Awaiting>,
}

impl SecurePair {
    /// Where the pair stands.
    pub fn status(&self) -> PairStatus {
        let handshaking = match &self.state {
            State::Accepting { .. } | State::Hello(_) => true,
            State::Connected(connection) => connection.is_handshaking(),
            State::Dead => false,
        };
        PairStatus {
            handshaking,
            wants_encrypted: self.failed.is_none()
                && !self.peer_closed
                && self.cleartext_pending <= PLAINTEXT_LIMIT
                && matches!(self.state, State::Accepting { .. } | State::Connected(_)),
            encrypted_pending: self.encrypted_pending(),
            cleartext_pending: self.cleartext_pending,
            peer_closed: self.peer_closed,
            ended: self.ended,
            failed: self.failed.clone(),
            awaiting: self.awaiting(),
        }
    }
}
