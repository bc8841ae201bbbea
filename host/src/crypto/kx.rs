//! Ephemeral key exchange with ring, natively: the private half stays in
//! the connection's resource table and is consumed by `complete`.

use rustls::NamedGroup;
use rustls::crypto::{ActiveKeyExchange, SupportedKxGroup};
use wasmtime::component::Resource;

use crate::bindings::tlsbox::tls::crypto::HostKeyExchange;
use crate::sandbox::SandboxState;

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

impl HostKeyExchange for SandboxState {
    fn start(
        &mut self,
        group_code: u16,
    ) -> wasmtime::Result<Option<(Resource<KeyExchange>, Vec<u8>)>> {
        let Some(exchange) = group(group_code).and_then(|group| group.start().ok()) else {
            return Ok(None);
        };
        let public_key = exchange.pub_key().to_vec();
        let handle = self.table().push(KeyExchange(Some(exchange)))?;
        Ok(Some((handle, public_key)))
    }

    fn complete(
        &mut self,
        exchange: Resource<KeyExchange>,
        peer_public_key: Vec<u8>,
    ) -> wasmtime::Result<Option<Vec<u8>>> {
        let Some(active) = self.table().get_mut(&exchange)?.0.take() else {
            return Ok(None);
        };
        Ok(active
            .complete(&peer_public_key)
            .ok()
            .map(|secret| secret.secret_bytes().to_vec()))
    }

    fn drop(&mut self, exchange: Resource<KeyExchange>) -> wasmtime::Result<()> {
        self.table().delete(exchange)?;
        Ok(())
    }
}
