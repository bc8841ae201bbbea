//! Hooks for the benchmark (`bench/`, `tlsbox-bench`): the per-connection costs it reports, taken on
//! the same code paths a real connection goes through. Not a stable API.

use crate::error::Result;
use crate::limits::SandboxLimits;
use crate::options::{Crypto, ServerOptions};
use crate::sandbox::Sandbox;
use crate::sandbox::instance::GuestInstance;
use crate::tickets::Ticketer;

/// Instantiates one sandbox (no TLS state yet) and drops it: the cost of
/// the instance alone.
pub fn new_instance(crypto: Crypto) -> Result<()> {
    GuestInstance::new(&SandboxLimits::default(), crypto).map(drop)
}

/// A server's ticketer, made once per process as a server makes one once.
fn ticketer(options: &ServerOptions) -> Option<&'static Ticketer> {
    static TICKETER: std::sync::OnceLock<Option<Ticketer>> = std::sync::OnceLock::new();
    if !options.tickets {
        return None;
    }
    TICKETER
        .get_or_init(|| Ticketer::new(options.ticket_keys.as_ref()))
        .as_ref()
}

/// Sets up one server-side connection's sandbox as the server does before
/// reading the ClientHello (instance, credentials, server, pair), then drops it.
pub fn new_server_connection(options: &ServerOptions) -> Result<()> {
    Sandbox::server(
        &options.limits,
        options.crypto,
        &options.credentials.to_guest(),
        &[],
        &options.guest_options(false, ticketer(options)),
    )
    .map(drop)
}
