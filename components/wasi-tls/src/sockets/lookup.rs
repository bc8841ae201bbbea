//! `wasi:sockets/ip-name-lookup`, forwarded to the host's resolver.

use super::network::{error_code, from_host_ip, host_network};
use crate::Provider;
use crate::bindings::exports::wasi::io::poll;
use crate::bindings::exports::wasi::sockets::ip_name_lookup as ours;
use crate::bindings::wasi::sockets::ip_name_lookup as host;
use crate::streams::Pollable;

/// An exported `resolve-address-stream`: the host's.
pub struct ResolveAddressStream(host::ResolveAddressStream);

impl ours::GuestResolveAddressStream for ResolveAddressStream {
    fn resolve_next_address(&self) -> Result<Option<ours::IpAddress>, ours::ErrorCode> {
        self.0
            .resolve_next_address()
            .map(|address| address.map(from_host_ip))
            .map_err(error_code)
    }

    fn subscribe(&self) -> poll::Pollable {
        Pollable::export(Pollable::Host(self.0.subscribe()))
    }
}

impl ours::Guest for Provider {
    type ResolveAddressStream = ResolveAddressStream;

    fn resolve_addresses(
        network: ours::NetworkBorrow<'_>,
        name: String,
    ) -> Result<ours::ResolveAddressStream, ours::ErrorCode> {
        host::resolve_addresses(host_network(&network), &name)
            .map(|stream| ours::ResolveAddressStream::new(ResolveAddressStream(stream)))
            .map_err(error_code)
    }
}
