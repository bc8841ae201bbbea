//! Session-ticket keys, held by the host: the state that lets a returning
//! client resume outlives the connection's sandbox, so it lives here.
//!
//! With host crypto, a server's guests hand the host each ticket's
//! plaintext (rustls' encoding of the session) to seal, and each ticket a
//! client offers to open (`seal-ticket` and `open-ticket` in
//! wit/crypto.wit); the keys never enter a sandbox. The self-contained
//! engine imports no host crypto: each of its sandboxes is handed the
//! current and previous keys instead ([`Ticketer::key_list`]). Both seal in
//! the engine's one ticket format (`tlsbox_engine::tickets`).
//!
//! Keys rotate on rustls' schedule: a server that made its own random keys
//! replaces them every [`TICKET_LIFETIME`] and keeps the previous ones to
//! open tickets issued before; keys the operator set (`ticketKeys`,
//! [`Ticketer::set_keys`]) change only when the operator changes them, the
//! previous ones again kept. A ticket that does not open (tampered, sealed
//! under a retired key, or not ours) is refused the same way as no ticket:
//! the client gets a full handshake.

use std::sync::RwLock;
use std::time::{Duration, Instant};

pub use tlsbox_engine::tickets::TICKET_KEYS_LEN;
use tlsbox_engine::tickets::TicketKeys;

/// How long a ticket's keys live once a server made them itself, and the
/// lifetime it tells clients (rustls' own ticketer uses the same 6 hours).
pub const TICKET_LIFETIME: Duration = Duration::from_secs(6 * 60 * 60);

/// The keys in use, the ones before them, and when the current ones are
/// replaced (never, for keys the operator set).
struct Keys {
    current: TicketKeys,
    previous: Option<TicketKeys>,
    rotates_at: Option<Instant>,
}

/// One server's ticket keys, shared by all its connections' sandboxes.
pub struct Ticketer {
    keys: RwLock<Keys>,
}

impl std::fmt::Debug for Ticketer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the keys.
        f.debug_struct("Ticketer").finish_non_exhaustive()
    }
}

impl Ticketer {
    /// A ticketer with `keys` (Node's `ticketKeys`), or with random keys
    /// that rotate every [`TICKET_LIFETIME`]. `None` only when the system's
    /// randomness fails.
    pub(crate) fn new(keys: Option<&[u8; TICKET_KEYS_LEN]>) -> Option<Self> {
        let (current, rotates_at) = match keys {
            Some(bytes) => (TicketKeys::new(*bytes), None),
            None => (
                TicketKeys::random()?,
                Some(Instant::now() + TICKET_LIFETIME),
            ),
        };
        Some(Self {
            keys: RwLock::new(Keys {
                current,
                previous: None,
                rotates_at,
            }),
        })
    }

    /// The keys tickets are sealed with now (Node's `getTicketKeys()`).
    pub(crate) fn keys(&self) -> [u8; TICKET_KEYS_LEN] {
        *self.read().current.bytes()
    }

    /// The current keys, then the previous ones: what a self-contained
    /// sandbox is handed to seal and open this connection's tickets.
    pub(crate) fn key_list(&self) -> Vec<Vec<u8>> {
        self.rotate_if_due();
        let keys = self.read();
        std::iter::once(&keys.current)
            .chain(keys.previous.as_ref())
            .map(|keys| keys.bytes().to_vec())
            .collect()
    }

    /// Seals new tickets with `keys` from now on (Node's
    /// `setTicketKeys()`); tickets sealed with the keys before still open,
    /// until the keys change again.
    pub(crate) fn set_keys(&self, keys: &[u8; TICKET_KEYS_LEN]) {
        let mut state = self.keys.write().unwrap_or_else(|e| e.into_inner());
        let previous = std::mem::replace(&mut state.current, TicketKeys::new(*keys));
        state.previous = Some(previous);
        state.rotates_at = None;
    }

    /// `plain` sealed into a ticket; `None` when it cannot be (the client
    /// then gets no ticket).
    pub(crate) fn seal(&self, plain: &[u8]) -> Option<Vec<u8>> {
        self.rotate_if_due();
        self.read().current.seal(plain)
    }

    /// What `ticket` sealed, when it is one of this server's tickets under
    /// its current or previous keys, and whole.
    pub(crate) fn open(&self, ticket: &[u8]) -> Option<Vec<u8>> {
        self.rotate_if_due();
        let keys = self.read();
        keys.current
            .open(ticket)
            .or_else(|| keys.previous.as_ref()?.open(ticket))
    }

    /// The lifetime to tell clients, in seconds.
    pub(crate) fn lifetime_secs(&self) -> u32 {
        TICKET_LIFETIME.as_secs() as u32
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Keys> {
        self.keys.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Replaces keys this server made itself once they are due.
    fn rotate_if_due(&self) {
        let due = |keys: &Keys| keys.rotates_at.is_some_and(|at| Instant::now() >= at);
        if !due(&self.read()) {
            return;
        }
        let mut state = self.keys.write().unwrap_or_else(|e| e.into_inner());
        if !due(&state) {
            return;
        }
        if let Some(fresh) = TicketKeys::random() {
            state.previous = Some(std::mem::replace(&mut state.current, fresh));
            state.rotates_at = Some(Instant::now() + TICKET_LIFETIME);
        }
    }

    /// Makes the current keys due for rotation, for tests of the schedule.
    #[cfg(test)]
    fn expire_now(&self) {
        let mut state = self.keys.write().unwrap_or_else(|e| e.into_inner());
        if state.rotates_at.is_some() {
            state.rotates_at = Some(Instant::now());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_opens_under_its_keys_and_the_next_ones_only() {
        let ticketer = Ticketer::new(Some(&[7; 48])).unwrap();
        let ticket = ticketer.seal(b"session").unwrap();
        assert_eq!(&ticket[..16], &[7; 16], "the keys' name travels in it");
        assert_eq!(ticketer.open(&ticket).as_deref(), Some(&b"session"[..]));

        // Tampered or sealed by another server: refused (the format's own
        // checks are the engine's tests).
        let mut tampered = ticket.clone();
        tampered[30] ^= 1;
        assert_eq!(ticketer.open(&tampered), None);
        let other = Ticketer::new(Some(&[8; 48])).unwrap();
        assert_eq!(other.open(&ticket), None);

        // New keys: old tickets still open, until the keys change again.
        ticketer.set_keys(&[9; 48]);
        assert_eq!(ticketer.keys(), [9; 48]);
        assert_eq!(ticketer.key_list(), vec![vec![9; 48], vec![7; 48]]);
        assert!(ticketer.open(&ticket).is_some());
        assert_eq!(&ticketer.seal(b"x").unwrap()[..16], &[9; 16]);
        ticketer.set_keys(&[10; 48]);
        assert_eq!(ticketer.open(&ticket), None, "retired");
    }

    #[test]
    fn random_keys_rotate_and_keep_the_previous_ones() {
        let ticketer = Ticketer::new(None).unwrap();
        let first = ticketer.keys();
        let ticket = ticketer.seal(b"session").unwrap();
        ticketer.expire_now();
        assert!(
            ticketer.open(&ticket).is_some(),
            "the previous keys open it"
        );
        assert_ne!(ticketer.keys(), first, "rotated");
        ticketer.expire_now();
        let _ = ticketer.seal(b"again");
        assert_eq!(ticketer.open(&ticket), None, "two rotations later");
        // Keys the operator set do not rotate.
        ticketer.set_keys(&[1; 48]);
        ticketer.expire_now();
        let _ = ticketer.seal(b"x");
        assert_eq!(ticketer.keys(), [1; 48]);
    }
}
