//! A server's TLS 1.2 sessions by session ID, kept by the host: the
//! stateful resumption of clients that ask for no ticket (OpenSSL's
//! `-no_ticket`, older clients). Each connection's sandbox dies with the
//! connection, so the store outlives them here, one per server.
//!
//! The guest stores each new session's encoding (rustls' `ServerSessionValue`,
//! which holds the session's master secret) against its ID and looks up the
//! ID a ClientHello offers (`session-put`, `session-get`, `session-take` in
//! wit/crypto.wit); the host only keeps opaque bytes by opaque keys. The
//! store is bounded whatever a guest asks: at most [`MOST_SESSIONS`]
//! sessions (OpenSSL's default cache size) and [`MOST_BYTES`] in all, the
//! oldest evicted first; each kept at most [`SESSION_LIFETIME`]; IDs over
//! 32 bytes and values over [`LONGEST_VALUE`] are refused.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The most sessions kept: OpenSSL's default session cache size.
pub const MOST_SESSIONS: usize = 20 * 1024;
/// The most bytes of sessions kept in all.
pub const MOST_BYTES: usize = 32 << 20;
/// The longest session value kept (a session with a client's certificate
/// chain in it can be a few KiB).
pub const LONGEST_VALUE: usize = 16 * 1024;
/// The longest session ID TLS allows (RFC 5246 §7.4.1.2).
const LONGEST_ID: usize = 32;
/// How long a session stays resumable: as long as a ticket's keys last.
pub const SESSION_LIFETIME: Duration = crate::tickets::TICKET_LIFETIME;

struct Entry {
    value: Vec<u8>,
    stored_at: Instant,
}

#[derive(Default)]
struct Store {
    entries: HashMap<Vec<u8>, Entry>,
    /// IDs in the order stored (an ID stored again appears twice; the
    /// stale place is skipped when evicting).
    order: VecDeque<(Vec<u8>, Instant)>,
    bytes: usize,
}

/// One server's sessions by ID, shared by its connections' sandboxes.
#[derive(Default)]
pub struct SessionStore(Mutex<Store>);

impl std::fmt::Debug for SessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the sessions: they hold master secrets.
        f.debug_struct("SessionStore").finish_non_exhaustive()
    }
}

impl SessionStore {
    /// Keeps `value` as the session `id`; false when it is refused (too
    /// long an ID or value).
    pub(crate) fn put(&self, id: Vec<u8>, value: Vec<u8>) -> bool {
        if id.len() > LONGEST_ID || value.len() > LONGEST_VALUE {
            return false;
        }
        let mut store = self.lock();
        let now = Instant::now();
        store.remove(&id);
        store.bytes += id.len() + value.len();
        store.order.push_back((id.clone(), now));
        store.entries.insert(
            id,
            Entry {
                value,
                stored_at: now,
            },
        );
        store.evict(now);
        true
    }

    /// The session `id`, while it is kept and fresh.
    pub(crate) fn get(&self, id: &[u8]) -> Option<Vec<u8>> {
        let mut store = self.lock();
        store.evict(Instant::now());
        store.entries.get(id).map(|entry| entry.value.clone())
    }

    /// The session `id`, removed: resumable once.
    pub(crate) fn take(&self, id: &[u8]) -> Option<Vec<u8>> {
        let mut store = self.lock();
        store.evict(Instant::now());
        store.remove(id)
    }

    /// How many sessions are kept.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().entries.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Store> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Store {
    fn remove(&mut self, id: &[u8]) -> Option<Vec<u8>> {
        let entry = self.entries.remove(id)?;
        self.bytes -= id.len() + entry.value.len();
        Some(entry.value)
    }

    /// Drops the oldest sessions while over a bound or out of date.
    fn evict(&mut self, now: Instant) {
        while let Some((id, stored_at)) = self.order.front() {
            let over = self.entries.len() > MOST_SESSIONS || self.bytes > MOST_BYTES;
            let stale = now.duration_since(*stored_at) > SESSION_LIFETIME;
            let current = self
                .entries
                .get(id)
                .is_some_and(|entry| entry.stored_at == *stored_at);
            if current && !over && !stale {
                break;
            }
            let (id, _) = self.order.pop_front().expect("a front");
            if current {
                self.remove(&id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_are_kept_by_id_taken_once_and_refused_when_too_large() {
        let store = SessionStore::default();
        assert!(store.put(vec![1; 32], b"one".to_vec()));
        assert_eq!(store.get(&[1; 32]).as_deref(), Some(&b"one"[..]));
        assert!(store.put(vec![1; 32], b"two".to_vec()), "stored again");
        assert_eq!(store.get(&[1; 32]).as_deref(), Some(&b"two"[..]));
        assert_eq!(store.take(&[1; 32]).as_deref(), Some(&b"two"[..]));
        assert_eq!(store.get(&[1; 32]), None, "taken");
        assert!(
            !store.put(vec![2; 33], b"x".to_vec()),
            "no TLS session ID is that long"
        );
        assert!(!store.put(vec![2; 32], vec![0; LONGEST_VALUE + 1]));
        assert_eq!(store.get(&[9; 8]), None);
    }

    #[test]
    fn the_oldest_sessions_go_first_when_the_store_is_full() {
        let store = SessionStore::default();
        for n in 0..MOST_SESSIONS + 10 {
            assert!(store.put((n as u64).to_be_bytes().to_vec(), vec![0; 16]));
        }
        assert_eq!(store.len(), MOST_SESSIONS);
        assert_eq!(store.get(&0u64.to_be_bytes()), None, "the oldest went");
        let newest = (MOST_SESSIONS as u64 + 9).to_be_bytes();
        assert!(store.get(&newest).is_some());
        // Bytes bound too: large values push out many small ones.
        for n in 0..(MOST_BYTES / LONGEST_VALUE) + 10 {
            store.put(
                (1_000_000 + n as u64).to_be_bytes().to_vec(),
                vec![0; LONGEST_VALUE],
            );
        }
        assert!(store.lock().bytes <= MOST_BYTES);
    }
}
