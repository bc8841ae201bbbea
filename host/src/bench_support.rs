//! Hooks for the benchmark (`bench/`, `tlsbox-bench`): the per-connection costs it reports, taken on
//! the same code paths a real connection goes through. Not a stable API.

use crate::error::Result;
use crate::limits::SandboxLimits;
use crate::options::{ConnectOptions, Crypto, ServerOptions};
use crate::roots::ClientRoots;
pub use crate::roots::{DecodedRoots, decode_roots};
use crate::sandbox::Sandbox;
use crate::sandbox::instance::GuestInstance;
use crate::sandbox::shared::{InstanceKey, InstancePool, ServerRecipe};
use crate::tickets::Ticketer;
use crate::wit::{GuestCredentials, GuestServerOptions};

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

/// Sets up one client connection's sandbox to `localhost` as `connect`
/// does before it opens its socket (instance, credentials and roots, pair
/// with its ClientHello), then drops it. Without `ca` in `options`, the
/// client trusts the default roots; `extra_ca` stands for the roots of
/// `NODE_EXTRA_CA_CERTS` (which a process reads and decodes once, with
/// [`crate::roots::decode_roots`]), so that one run can measure with and
/// without them.
pub fn new_client_connection(options: &ConnectOptions, extra_ca: &DecodedRoots) -> Result<()> {
    let roots = ClientRoots::resolve(
        &options.credentials.ca,
        options.system_ca,
        options.crypto,
        extra_ca,
    )?;
    let (credentials, guest_options) =
        crate::client::guest_client_with_roots("localhost", options, roots);
    Sandbox::client(
        &options.limits,
        options.crypto,
        &credentials,
        &guest_options,
    )
    .map(drop)
}

/// Server connections set up as a server with [`crate::Isolation::PerContext`]
/// sets them up: in an instance shared by `per_instance` of them, a new one
/// made (contexts parsed) every `per_instance` connections.
pub struct SharedServerConnections {
    pool: InstancePool,
    options: ServerOptions,
    default_credentials: GuestCredentials,
    guest_options: GuestServerOptions,
}

impl SharedServerConnections {
    /// Connections of a server made with `options`, `per_instance` per instance.
    pub fn new(options: &ServerOptions, per_instance: usize) -> Self {
        Self {
            pool: InstancePool::new(per_instance),
            default_credentials: options.credentials.to_guest(),
            guest_options: options.guest_options(false, ticketer(options)),
            options: options.clone(),
        }
    }

    /// Sets up the next connection's pair (before the ClientHello), then
    /// drops it.
    pub fn set_up_one(&self) -> Result<()> {
        let key = InstanceKey {
            limits: self.options.limits.clone(),
            contexts_generation: 0,
            guest_ticket_keys: None,
        };
        let recipe = ServerRecipe {
            crypto: self.options.crypto,
            default_credentials: &self.default_credentials,
            contexts: &[],
            options: &self.guest_options,
            ticketer: None,
            sessions: None,
        };
        Sandbox::server_in(self.pool.instance_for(key, recipe)?).map(drop)
    }
}
