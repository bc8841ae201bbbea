//! Hooks for the benchmark (`bench/`, `tlsbox-bench`): the per-connection costs it reports, taken on
//! the same code paths a real connection goes through. Not a stable API.

use crate::error::Result;
use crate::limits::SandboxLimits;
use crate::options::{Crypto, ServerOptions};
use crate::sandbox::Sandbox;

/// Instantiates one sandbox (no TLS state yet) and drops it: the cost of
/// the instance alone.
pub fn new_instance(crypto: Crypto) -> Result<()> {
    Sandbox::instantiate(&SandboxLimits::default(), crypto).map(drop)
}

/// Sets up one server-side connection's sandbox as the server does before
/// reading the ClientHello (instance, credentials, server, pair), then drops it.
pub fn new_server_connection(options: &ServerOptions) -> Result<()> {
    Sandbox::server(
        &options.limits,
        options.crypto,
        &options.credentials.to_guest(),
        &[],
        &options.guest_options(false),
    )
    .map(drop)
}
