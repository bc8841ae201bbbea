//! Ephemeral key exchange with ring, natively: the private half stays in
//! the connection's resource table and is consumed by `complete`.

use rustls::NamedGroup;
use rustls::crypto::{ActiveKeyExchange, SupportedKxGroup};

/// One exchange under way; `None` once completed.
pub struct KeyExchange(Option<Box<dyn ActiveKeyExchange>>);

/// The groups the guest may ask for: ring's.
fn group(code: u16) -> Option<&'static dyn SupportedKxGroup> {
    let name = NamedGroup::from(code);
    rustls::crypto::ring::ALL_KX_GROUPS
        .iter()
        .copied()
        .find(|group| group.name() == name)
}

impl KeyExchange {
    /// Starts an exchange in the group numbered `group_code` (rustls'
    /// `NamedGroup`): the exchange and its public key, or `None` for a group
    /// the host does not offer.
    pub(crate) fn start(group_code: u16) -> Option<(Self, Vec<u8>)> {
        let exchange = group(group_code)?.start().ok()?;
        let public_key = exchange.pub_key().to_vec();
        Some((Self(Some(exchange)), public_key))
    }

    /// The shared secret with `peer_public_key`; `None` when it is refused
    /// or the exchange was already completed (it completes once).
    pub(crate) fn complete(&mut self, peer_public_key: &[u8]) -> Option<Vec<u8>> {
        let active = self.0.take()?;
        let secret = active.complete(peer_public_key).ok()?;
        Some(secret.secret_bytes().to_vec())
    }
}
