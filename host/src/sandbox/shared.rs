//! Instances that several connections of one server share
//! ([`crate::Isolation::PerContext`]): each is made once, with the
//! server's contexts parsed once in it, and serves at most
//! `max_connections_per_instance` connections over its life. A trap or a
//! limit then ends exactly the connections of that instance.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError};

use crate::error::{Result, TlsError};
use crate::limits::SandboxLimits;
use crate::options::Crypto;
use crate::sessions::SessionStore;
use crate::tickets::Ticketer;
use crate::wit::{GuestCredentials, GuestServerOptions};

use super::instance::GuestInstance;

/// An instance as its connections hold it.
pub(crate) type SharedInstance = Arc<Mutex<GuestInstance>>;

/// Locks an instance for one call. A host panic while it was held leaves
/// nothing half-done that the next call would trip on (a guest call that
/// did not return is a trap, and poisons the instance itself).
pub(crate) fn lock(instance: &SharedInstance) -> MutexGuard<'_, GuestInstance> {
    instance.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The most instances a pool keeps open for new connections: one per
/// distinct set of limits a server's `limits_for` hands out.
const MAX_OPEN_INSTANCES: usize = 16;

/// What a shared instance was made from. A connection joins an instance
/// only if its own would be made from the same: the same limits, the
/// server's contexts as they are now, and (in the self-contained build,
/// which holds the ticket keys) the same keys.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct InstanceKey {
    /// The limits of each connection.
    pub(crate) limits: SandboxLimits,
    /// Bumped by the server each time its contexts change.
    pub(crate) contexts_generation: u64,
    /// The ticket keys handed to the guest, when they are.
    pub(crate) guest_ticket_keys: Option<Vec<Vec<u8>>>,
}

/// Everything a server instance is made from.
pub(crate) struct ServerRecipe<'a> {
    pub(crate) crypto: Crypto,
    pub(crate) default_credentials: &'a GuestCredentials,
    pub(crate) contexts: &'a [(String, GuestCredentials)],
    pub(crate) options: &'a GuestServerOptions,
    pub(crate) ticketer: Option<Arc<Ticketer>>,
    pub(crate) sessions: Option<Arc<SessionStore>>,
}

/// An instance still taking connections.
struct Open {
    key: InstanceKey,
    instance: SharedInstance,
    accepted: usize,
}

/// A server's shared instances.
pub(crate) struct InstancePool {
    max_per_instance: usize,
    open: Mutex<Vec<Open>>,
}

impl InstancePool {
    /// A pool whose instances serve at most `max_per_instance` connections
    /// each (at least one).
    pub(crate) fn new(max_per_instance: usize) -> Self {
        Self {
            max_per_instance: max_per_instance.max(1),
            open: Mutex::new(Vec::new()),
        }
    }

    /// The instance the next connection made under `key` joins, made from
    /// `recipe` when no open one fits. Counts the connection.
    pub(crate) fn instance_for(
        &self,
        key: InstanceKey,
        recipe: ServerRecipe<'_>,
    ) -> Result<SharedInstance> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        // A trapped instance takes no one new, and neither does one made
        // under limits or contexts since replaced.
        open.retain(|slot| {
            usable(&slot.instance) && (slot.key.limits != key.limits || slot.key == key)
        });
        let index = match open.iter().position(|slot| slot.key == key) {
            Some(index) => index,
            None => {
                let limits = shared_limits(&key.limits, self.max_per_instance);
                let instance = server_instance(&limits, recipe)?;
                if open.len() == MAX_OPEN_INSTANCES {
                    open.remove(0);
                }
                open.push(Open {
                    key,
                    instance: Arc::new(Mutex::new(instance)),
                    accepted: 0,
                });
                open.len() - 1
            }
        };
        let slot = &mut open[index];
        slot.accepted += 1;
        let instance = slot.instance.clone();
        if slot.accepted >= self.max_per_instance {
            // Full: it lives on with its connections, and goes with the last.
            open.remove(index);
        }
        Ok(instance)
    }
}

/// Whether an instance may take new connections: it has not trapped. One
/// busy in a call now is taken to be usable (waiting for it would hold up
/// every accept); if that call traps, the connection that joined it ends
/// with the others.
fn usable(instance: &SharedInstance) -> bool {
    match instance.try_lock() {
        Ok(instance) => !instance.is_poisoned(),
        Err(TryLockError::Poisoned(held)) => !held.into_inner().is_poisoned(),
        Err(TryLockError::WouldBlock) => true,
    }
}

/// The limits of an instance that `connections` share: each brings its
/// memory and handles (so that each still has what it would have alone);
/// the deadline and bytes per call stay per call.
fn shared_limits(limits: &SandboxLimits, connections: usize) -> SandboxLimits {
    SandboxLimits {
        memory_bytes: limits.memory_bytes.saturating_mul(connections),
        max_resources: limits.max_resources.saturating_mul(connections),
        ..limits.clone()
    }
}

/// A fresh instance holding a `server` made from `recipe`, its contexts
/// parsed once.
fn server_instance(limits: &SandboxLimits, recipe: ServerRecipe<'_>) -> Result<GuestInstance> {
    let mut instance = GuestInstance::new(limits, recipe.crypto)?;
    instance.lend_resumption(recipe.ticketer, recipe.sessions);
    let default_context = instance.create_context(recipe.default_credentials)?;
    let options = recipe.options;
    let server = instance.guard(|b, s| {
        b.tlsbox_tls_tls()
            .server()
            .call_constructor(s, default_context, options)
    })?;
    instance.server = Some(server);
    for (pattern, credentials) in recipe.contexts {
        let context = instance.create_context(credentials)?;
        let added = instance.guard(|b, s| {
            b.tlsbox_tls_tls()
                .server()
                .call_add_context(s, server, pattern, context)
        })?;
        added.map_err(TlsError::from)?;
    }
    Ok(instance)
}
