//! Session tickets sealed and opened by the host, with ticket keys that
//! never enter the guest, and TLS 1.2 sessions kept by ID in the host's
//! store: what lets a client that connected through one sandbox resume
//! through another (or, with tickets, through another process holding the
//! same keys).

use rustls::server::{ProducesTickets, StoresServerSessions};

use crate::bindings::tlsbox::tls::crypto;

/// rustls' ticketer, answered by the host's `seal-ticket` and `open-ticket`.
#[derive(Debug)]
pub(crate) struct HostTicketer;

impl ProducesTickets for HostTicketer {
    fn enabled(&self) -> bool {
        true
    }

    fn lifetime(&self) -> u32 {
        crypto::ticket_lifetime()
    }

    fn encrypt(&self, plain: &[u8]) -> Option<Vec<u8>> {
        crypto::seal_ticket(plain)
    }

    fn decrypt(&self, ticket: &[u8]) -> Option<Vec<u8>> {
        crypto::open_ticket(ticket)
    }
}

/// rustls' session store, answered by the host's `session-put`,
/// `session-get` and `session-take`.
#[derive(Debug)]
pub(crate) struct HostSessionStore;

impl StoresServerSessions for HostSessionStore {
    fn put(&self, id: Vec<u8>, value: Vec<u8>) -> bool {
        crypto::session_put(&id, &value)
    }

    fn get(&self, id: &[u8]) -> Option<Vec<u8>> {
        crypto::session_get(id)
    }

    fn take(&self, id: &[u8]) -> Option<Vec<u8>> {
        crypto::session_take(id)
    }

    fn can_cache(&self) -> bool {
        true
    }
}
