//! Session tickets sealed and opened by the host, with ticket keys that
//! never enter the guest: what lets a client that connected through one
//! sandbox resume through another (or through another process holding the
//! same keys).

use rustls::server::ProducesTickets;

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
