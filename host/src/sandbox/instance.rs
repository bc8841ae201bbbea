//! One guest instance: its own `Store` and component instance, the limits
//! it runs under, and whether it is still usable.
//!
//! Every call into a guest goes through [`GuestInstance::guard`]. A trap (a
//! guest bug, a memory cap, a CPU deadline) poisons the instance: the call
//! returns [`Error::Sandbox`] or [`Error::LimitExceeded`], and so does
//! every later call, whichever pair of this instance makes it. Other
//! instances run on in their own stores.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use wasmtime::Store;
use wasmtime::component::{ResourceAny, ResourceTableError};

use crate::bindings::EngineHostCrypto as Bindings;
use crate::crypto::keys;
use crate::crypto::seal_plan::SealPlan;
use crate::error::{Error, Result, TlsError};
use crate::limits::{Limit, SandboxLimits};
use crate::options::Crypto;
use crate::runtime::{EPOCH_TICK, Runtime};
use crate::sessions::SessionStore;
use crate::tickets::Ticketer;
use crate::wit::{GuestCredentials, Step};

use super::state::SandboxState;

/// Guest instances alive in this process: instantiated and not yet dropped.
static LIVE_INSTANCES: AtomicUsize = AtomicUsize::new(0);

/// How many guest instances (each with its store) are alive in this
/// process. With [`crate::Isolation::PerConnection`] (the default) every
/// connection, client or server, holds one until it is dropped; a count
/// that does not come back down is a leak.
pub fn live_sandboxes() -> usize {
    LIVE_INSTANCES.load(Ordering::Relaxed)
}

/// One component instance in its own store.
pub(crate) struct GuestInstance {
    pub(super) store: Store<SandboxState>,
    pub(super) bindings: Bindings,
    limits: SandboxLimits,
    crypto: Crypto,
    deadline_ticks: u64,
    pub(super) max_bytes_per_call: usize,
    /// A `server` resource several pairs are accepted from, when the
    /// instance is shared (dropped with the instance).
    pub(super) server: Option<ResourceAny>,
    /// Set once the guest trapped: the store is unusable from then on.
    poisoned: Option<Poison>,
}

/// Why an instance is unusable, kept to report it again on every later call.
#[derive(Clone)]
pub(super) struct Poison {
    pub(super) limit: Option<Limit>,
    pub(super) message: String,
}

impl Poison {
    fn error(&self) -> Error {
        match self.limit {
            Some(limit) => Error::LimitExceeded {
                limit,
                message: self.message.clone(),
            },
            None => Error::Sandbox(self.message.clone()),
        }
    }

    /// The guest broke the contract between host and guest.
    pub(super) fn contract(message: String) -> Self {
        Self {
            limit: None,
            message,
        }
    }
}

impl GuestInstance {
    /// A fresh instance with `limits`, holding nothing yet.
    pub(crate) fn new(limits: &SandboxLimits, crypto: Crypto) -> Result<Self> {
        let runtime = Runtime::get()?;
        let pre = runtime.pre(crypto)?;
        let mut store = Store::new(&runtime.engine, SandboxState::new(limits));
        store.limiter(|state| state.limiter());
        // Whole ticks, rounded up; zero ticks stops the guest at its first
        // deadline check, so `Duration::ZERO` lets no call finish.
        let deadline_ticks = limits
            .call_deadline
            .as_nanos()
            .div_ceil(EPOCH_TICK.as_nanos())
            .try_into()
            .unwrap_or(u64::MAX);
        store.set_epoch_deadline(deadline_ticks);
        let instantiated = pre.instantiate(&mut store);
        let bindings = match instantiated {
            Ok(bindings) => bindings,
            Err(e) => {
                let poison = describe_failure(&e, store.data(), limits);
                let message = match crate::os_limits::mapping_refused_hint(&poison.message) {
                    Some(hint) => {
                        format!(
                            "cannot instantiate the TLS engine: {hint} ({})",
                            poison.message
                        )
                    }
                    None => format!("cannot instantiate the TLS engine: {}", poison.message),
                };
                return Err(Poison { message, ..poison }.error());
            }
        };
        LIVE_INSTANCES.fetch_add(1, Ordering::Relaxed);
        Ok(Self {
            store,
            bindings,
            limits: limits.clone(),
            crypto,
            deadline_ticks,
            max_bytes_per_call: limits.max_bytes_per_call.max(1),
            server: None,
            poisoned: None,
        })
    }

    /// Parses `credentials` into a `secure-context` in the guest.
    pub(crate) fn create_context(&mut self, credentials: &GuestCredentials) -> Result<ResourceAny> {
        let credentials = &self.keep_key(credentials);
        let created = self.guard(|b, s| {
            b.tlsbox_tls_tls()
                .secure_context()
                .call_create(s, credentials)
        })?;
        Ok(created.map_err(TlsError::from)?)
    }

    /// With host crypto, takes the private key out of `credentials` and
    /// lends it to this instance's guest instead: the guest gets the
    /// certificate chain as DER (decoded once per process, with the key)
    /// and asks the host to sign. Credentials whose key does not parse go
    /// to the guest whole, which reports the error.
    pub(crate) fn keep_key(&mut self, credentials: &GuestCredentials) -> GuestCredentials {
        let mut credentials = credentials.clone();
        if self.crypto != Crypto::Host {
            return credentials;
        }
        let (Some(key), Some(cert)) = (&credentials.key, &credentials.cert) else {
            return credentials;
        };
        if let Some(held) = keys::hold(key, credentials.passphrase.as_deref(), cert) {
            // The chain as the host decoded it, so the guest need not.
            credentials.cert = None;
            credentials.cert_chain = held.chain().to_vec();
            self.store.data_mut().host_crypto_ctx().keys.lend(held);
            credentials.key = None;
            credentials.passphrase = None;
        }
        credentials
    }

    /// Lends this instance's guest the server's ticket keys and session
    /// store (through `crypto.seal-ticket`, `crypto.session-put`, ...;
    /// with host crypto only).
    pub(crate) fn lend_resumption(
        &mut self,
        ticketer: Option<Arc<Ticketer>>,
        sessions: Option<Arc<SessionStore>>,
    ) {
        let ctx = self.store.data_mut().host_crypto_ctx();
        ctx.ticketer = ticketer;
        ctx.sessions = sessions;
    }

    pub(crate) fn drop_resource(&mut self, resource: ResourceAny) -> Result<()> {
        self.guard(|_, s| resource.resource_drop(s))
    }

    /// Runs one guest call under the deadline; a trap poisons the instance,
    /// and so does a call that planned seals (only `push-cleartext` may).
    pub(crate) fn guard<T>(
        &mut self,
        call: impl FnOnce(&Bindings, &mut Store<SandboxState>) -> wasmtime::Result<T>,
    ) -> Result<T> {
        let (result, plan) = self.guard_planning(call)?;
        if !plan.is_empty() {
            return Err(self.poison(Poison::contract(
                "the TLS engine planned seals in a call that may not".into(),
            )));
        }
        Ok(result)
    }

    /// [`Self::guard`] for the call whose output may come with seals
    /// planned: they are returned with its result, to apply before the
    /// output is sent.
    pub(super) fn guard_planning<T>(
        &mut self,
        call: impl FnOnce(&Bindings, &mut Store<SandboxState>) -> wasmtime::Result<T>,
    ) -> Result<(T, SealPlan)> {
        if let Some(poison) = &self.poisoned {
            return Err(poison.error());
        }
        self.store.set_epoch_deadline(self.deadline_ticks);
        let result = call(&self.bindings, &mut self.store);
        // Taken whatever happened: a plan never outlives its call.
        let plan = std::mem::take(&mut self.store.data_mut().host_crypto_ctx().seal_plan);
        match result {
            Ok(result) => Ok((result, plan)),
            Err(e) => {
                let poison = describe_failure(&e, self.store.data(), &self.limits);
                Err(self.poison(poison))
            }
        }
    }

    /// The guest trapped or broke the contract: every call fails.
    pub(crate) fn is_poisoned(&self) -> bool {
        self.poisoned.is_some()
    }

    /// Marks the instance unusable (the guest trapped or broke the contract).
    pub(super) fn poison(&mut self, poison: Poison) -> Error {
        tracing::warn!("TLS engine sandbox failed: {}", poison.message);
        let error = poison.error();
        self.poisoned = Some(poison);
        error
    }

    /// The guest handed back more bytes than asked for, or than one call may
    /// carry: a guest breaking the contract is treated like a trap.
    pub(crate) fn check_returned(&mut self, data: Vec<u8>, asked: usize) -> Result<Vec<u8>> {
        if data.len() <= asked {
            return Ok(data);
        }
        Err(self.poison(Poison {
            limit: Some(Limit::BytesPerCall),
            message: format!(
                "the TLS engine returned {} bytes from one call, more than the {asked} asked for \
                 (bytes-per-call limit {} bytes)",
                data.len(),
                self.max_bytes_per_call
            ),
        }))
    }

    /// [`Self::check_returned`] for a step's encrypted output.
    pub(super) fn check_step(&mut self, mut step: Step, asked: usize) -> Result<Step> {
        step.encrypted = self.check_returned(std::mem::take(&mut step.encrypted), asked)?;
        Ok(step)
    }
}

impl Drop for GuestInstance {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            // The store goes away with us anyway; dropping the resource
            // first keeps the guest's own bookkeeping honest.
            let _ = self.drop_resource(server);
        }
        LIVE_INSTANCES.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Why the guest stopped, in one line: the limit it ran into, else the trap
/// code (unreachable, stack overflow, ...) or the host's error.
pub(super) fn describe_failure(
    error: &wasmtime::Error,
    state: &SandboxState,
    limits: &SandboxLimits,
) -> Poison {
    let trap = error.downcast_ref::<wasmtime::Trap>();
    if let Some(desired) = state.memory_refused() {
        return Poison {
            limit: Some(Limit::Memory),
            message: format!(
                "the TLS engine exceeded its memory limit: it asked for {desired} bytes, \
                 the limit is {} bytes",
                limits.memory_bytes
            ),
        };
    }
    if trap == Some(&wasmtime::Trap::Interrupt) {
        return Poison {
            limit: Some(Limit::CallDeadline),
            message: format!(
                "the TLS engine exceeded its CPU deadline of {} ms for one call",
                limits.call_deadline.as_millis()
            ),
        };
    }
    let table_full = error.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<ResourceTableError>(),
            Some(ResourceTableError::Full)
        )
    });
    if table_full {
        return Poison {
            limit: Some(Limit::Resources),
            message: format!(
                "the TLS engine exceeded its resource limit of {} host handles",
                limits.max_resources
            ),
        };
    }
    let message = match trap {
        Some(trap) => format!("the TLS engine trapped: {trap}"),
        None => format!("the TLS engine failed: {error:#}"),
    };
    Poison {
        limit: None,
        message,
    }
}
