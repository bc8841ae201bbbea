//! The roots the host holds once per process (`NODE_EXTRA_CA_CERTS`, the
//! platform's store), found by subject when a chain is verified instead of
//! handed to every connection whole.

use rustls::pki_types::CertificateDer;
use tlsbox_engine::context::HeldRoots;

use crate::bindings::tlsbox::tls::crypto;
use crate::bindings::tlsbox::tls::types::HeldRoots as HeldStores;

/// The engine's [`tlsbox_engine::RootSource`]: the roots of `held` whose
/// subject is `subject`, from the host.
pub(crate) fn roots_named(held: HeldRoots, subject: &[u8]) -> Vec<CertificateDer<'static>> {
    crypto::trusted_roots(stores(held), subject)
        .into_iter()
        .map(CertificateDer::from)
        .collect()
}

/// The WIT's flags for the engine's stores.
fn stores(held: HeldRoots) -> HeldStores {
    let mut stores = HeldStores::empty();
    if held.extra {
        stores |= HeldStores::EXTRA;
    }
    if held.system {
        stores |= HeldStores::SYSTEM;
    }
    stores
}
