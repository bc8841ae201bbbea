//! Session tickets, in the one format every tlsbox ticketer uses: the
//! host's (for the engine built with host crypto, whose sandbox never sees
//! the keys) and the self-contained engine's (which is handed the keys).
//! Servers that share keys therefore resume each other's clients whichever
//! build they run.
//!
//! Keys follow Node's `ticketKeys`: 48 bytes, the first 16 of which name the
//! keys and travel in every ticket, the other 32 the AES-256-GCM key that
//! seals it. (Node splits those 32 into an HMAC and an AES key for RFC
//! 5077's format; one AEAD key does both jobs here.) A ticket is
//! `name (16) || nonce (12) || sealed session || tag (16)`, with a random
//! nonce per ticket and the name authenticated as additional data.

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use rustls::server::ProducesTickets;

/// The length of Node's `ticketKeys`.
pub const TICKET_KEYS_LEN: usize = 48;

const NAME_LEN: usize = 16;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// One set of ticket keys.
pub struct TicketKeys {
    bytes: [u8; TICKET_KEYS_LEN],
    key: LessSafeKey,
}

impl std::fmt::Debug for TicketKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The name only: it travels in clear in every ticket anyway.
        f.debug_struct("TicketKeys")
            .field("name", &self.name())
            .finish_non_exhaustive()
    }
}

impl TicketKeys {
    /// The keys in Node's 48 bytes.
    pub fn new(bytes: [u8; TICKET_KEYS_LEN]) -> Self {
        let key = UnboundKey::new(&AES_256_GCM, &bytes[NAME_LEN..])
            .expect("32 bytes make an AES-256 key");
        Self {
            bytes,
            key: LessSafeKey::new(key),
        }
    }

    /// The keys as `bytes` when they are Node's 48 bytes long.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        Some(Self::new(bytes.try_into().ok()?))
    }

    /// Fresh random keys; `None` when the system's randomness fails.
    pub fn random() -> Option<Self> {
        let mut bytes = [0; TICKET_KEYS_LEN];
        SystemRandom::new().fill(&mut bytes).ok()?;
        Some(Self::new(bytes))
    }

    /// The 48 bytes (Node's `getTicketKeys()`).
    pub fn bytes(&self) -> &[u8; TICKET_KEYS_LEN] {
        &self.bytes
    }

    fn name(&self) -> &[u8] {
        &self.bytes[..NAME_LEN]
    }

    /// `plain` sealed into a ticket; `None` when the system's randomness
    /// fails (the client then gets no ticket).
    pub fn seal(&self, plain: &[u8]) -> Option<Vec<u8>> {
        let mut nonce = [0; NONCE_LEN];
        SystemRandom::new().fill(&mut nonce).ok()?;
        let mut ticket = Vec::with_capacity(NAME_LEN + NONCE_LEN + plain.len() + TAG_LEN);
        ticket.extend_from_slice(self.name());
        ticket.extend_from_slice(&nonce);
        let start = ticket.len();
        ticket.extend_from_slice(plain);
        let tag = self
            .key
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(self.name()),
                &mut ticket[start..],
            )
            .ok()?;
        ticket.extend_from_slice(tag.as_ref());
        Some(ticket)
    }

    /// What `ticket` sealed, when these keys sealed it and it is whole.
    /// `ticket` comes from the peer: anything else is `None`, never a panic.
    pub fn open(&self, ticket: &[u8]) -> Option<Vec<u8>> {
        let rest = ticket.strip_prefix(self.name())?;
        if rest.len() < NONCE_LEN + TAG_LEN {
            return None;
        }
        let (nonce, sealed) = rest.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut plain = sealed.to_vec();
        let len = self
            .key
            .open_in_place(nonce, Aad::from(self.name()), &mut plain)
            .ok()?
            .len();
        plain.truncate(len);
        Some(plain)
    }
}

/// A ticketer over a fixed list of keys: the first seals, every one opens
/// (the current keys, then the previous ones). What the self-contained
/// engine is handed for one connection; the host keeps the schedule.
#[derive(Debug)]
pub struct KeyedTicketer {
    keys: Vec<TicketKeys>,
    lifetime: u32,
}

impl KeyedTicketer {
    /// `keys` (current first), telling clients `lifetime` seconds; `None`
    /// without keys.
    pub fn new(keys: Vec<TicketKeys>, lifetime: u32) -> Option<Self> {
        (!keys.is_empty()).then_some(Self { keys, lifetime })
    }
}

impl ProducesTickets for KeyedTicketer {
    fn enabled(&self) -> bool {
        true
    }

    fn lifetime(&self) -> u32 {
        self.lifetime
    }

    fn encrypt(&self, plain: &[u8]) -> Option<Vec<u8>> {
        self.keys.first()?.seal(plain)
    }

    fn decrypt(&self, ticket: &[u8]) -> Option<Vec<u8>> {
        self.keys.iter().find_map(|keys| keys.open(ticket))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_opens_under_its_keys_only_and_whole() {
        let keys = TicketKeys::new([7; 48]);
        let ticket = keys.seal(b"session").unwrap();
        assert_eq!(&ticket[..16], &[7; 16], "the keys' name travels in it");
        assert_eq!(ticket.len(), 16 + 12 + 7 + 16);
        assert_eq!(keys.open(&ticket).as_deref(), Some(&b"session"[..]));
        for at in [0, 16, 30, ticket.len() - 1] {
            let mut tampered = ticket.clone();
            tampered[at] ^= 1;
            assert_eq!(keys.open(&tampered), None, "byte {at}");
        }
        assert_eq!(keys.open(&ticket[..40]), None);
        assert_eq!(keys.open(&[]), None);
        assert_eq!(TicketKeys::new([8; 48]).open(&ticket), None);
        assert!(TicketKeys::from_slice(&[0; 47]).is_none());
    }

    #[test]
    fn a_keyed_ticketer_seals_with_the_first_keys_and_opens_with_any() {
        let old = TicketKeys::new([1; 48]).seal(b"old").unwrap();
        let ticketer =
            KeyedTicketer::new(vec![TicketKeys::new([2; 48]), TicketKeys::new([1; 48])], 60)
                .unwrap();
        assert_eq!(ticketer.decrypt(&old).as_deref(), Some(&b"old"[..]));
        let new = ticketer.encrypt(b"new").unwrap();
        assert_eq!(&new[..16], &[2; 16]);
        assert_eq!(ticketer.lifetime(), 60);
        assert!(KeyedTicketer::new(Vec::new(), 60).is_none());
    }
}
