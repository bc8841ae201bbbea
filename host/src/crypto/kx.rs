//! Ephemeral key exchange natively: the private half stays in the
//! connection's resource table and is consumed by `complete`.
//!
//! The elliptic-curve groups are ring's. The post-quantum hybrid
//! X25519MLKEM768 is aws-lc-rs', through rustls' own provider for it: the
//! ML-KEM that rustls itself ships and tests (AWS-LC's, FIPS 203), so that
//! the hybrid's encoding (ML-KEM first, then X25519) and its checks are
//! rustls' and not ours. It builds with the `cc` crate, without cmake.

use rustls::NamedGroup;
use rustls::crypto::{ActiveKeyExchange, SupportedKxGroup};

/// One exchange under way; `None` once completed.
pub struct KeyExchange(Option<Box<dyn ActiveKeyExchange>>);

/// The groups the guest may ask for: ring's, and the hybrid.
fn group(code: u16) -> Option<&'static dyn SupportedKxGroup> {
    let name = NamedGroup::from(code);
    let hybrid: &'static dyn SupportedKxGroup = rustls::crypto::aws_lc_rs::kx_group::X25519MLKEM768;
    rustls::crypto::ring::ALL_KX_GROUPS
        .iter()
        .copied()
        .chain([hybrid])
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

    /// The server's side in one step (what a KEM needs): the share to
    /// send and the shared secret, or `None` for a bad client share or a
    /// group the host does not offer.
    pub(crate) fn encapsulate(group_code: u16, client_share: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
        let completed = group(group_code)?.start_and_complete(client_share).ok()?;
        Some((completed.pub_key, completed.secret.secret_bytes().to_vec()))
    }

    /// The shared secret with `peer_public_key`; `None` when it is refused
    /// or the exchange was already completed (it completes once).
    pub(crate) fn complete(&mut self, peer_public_key: &[u8]) -> Option<Vec<u8>> {
        let active = self.0.take()?;
        let secret = active.complete(peer_public_key).ok()?;
        Some(secret.secret_bytes().to_vec())
    }

    /// A hybrid exchange's classical half completed alone (the server chose
    /// X25519); `None` for a refused key, a non-hybrid exchange, or a
    /// second completion.
    pub(crate) fn complete_classical(&mut self, peer_public_key: &[u8]) -> Option<Vec<u8>> {
        let active = self.0.take()?;
        active.hybrid_component()?;
        let secret = active.complete_hybrid_component(peer_public_key).ok()?;
        Some(secret.secret_bytes().to_vec())
    }
}
