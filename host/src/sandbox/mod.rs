//! One connection's sandbox: its own `Store`, its own component instance,
//! and the guest's secure pair inside it.
//!
//! Every call into the guest goes through here, under the connection's
//! limits. A trap (a guest bug, a memory cap, a CPU deadline) poisons this
//! sandbox only: the call returns [`Error::Sandbox`] or
//! [`Error::LimitExceeded`] and so does every later one, while other
//! connections run on in their own stores.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use wasmtime::Store;
use wasmtime::component::{ResourceAny, ResourceTableError};

use crate::bindings::EngineHostCrypto as Bindings;
use crate::connection_info::{Cipher, ConnectionInfo};
use crate::crypto::keys;
use crate::crypto::seal_plan::SealPlan;
use crate::error::{Error, Result, TlsError};
use crate::limits::{Limit, SandboxLimits};
use crate::options::Crypto;
use crate::runtime::{EPOCH_TICK, Runtime};
use crate::sessions::SessionStore;
use crate::tickets::Ticketer;
use crate::wit::{
    GuestClientOptions, GuestCredentials, GuestPeerCertificate, GuestServerOptions, PairStatus,
    Step,
};

pub(crate) mod state;

use state::SandboxState;

/// Sandboxes alive in this process: instantiated and not yet dropped.
static LIVE_SANDBOXES: AtomicUsize = AtomicUsize::new(0);

/// How many sandboxes (guest instances with their stores) are alive in this
/// process. Every connection, client or server, holds one until it is
/// dropped; a count that does not come back down is a leak.
pub fn live_sandboxes() -> usize {
    LIVE_SANDBOXES.load(Ordering::Relaxed)
}

/// A secure pair living in its own sandbox.
pub(crate) struct Sandbox {
    store: Store<SandboxState>,
    bindings: Bindings,
    pair: Option<ResourceAny>,
    limits: SandboxLimits,
    crypto: Crypto,
    deadline_ticks: u64,
    max_bytes_per_call: usize,
    sealed_in_output: usize,
    /// Set once the guest trapped: the store is unusable from then on.
    poisoned: Option<Poison>,
}

/// Why a sandbox is unusable, kept to report it again on every later call.
#[derive(Clone)]
struct Poison {
    limit: Option<Limit>,
    message: String,
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
}

impl Sandbox {
    /// A fresh instance with `limits`, no pair yet.
    pub(crate) fn instantiate(limits: &SandboxLimits, crypto: Crypto) -> Result<Self> {
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
                let message = format!("cannot instantiate the TLS engine: {}", poison.message);
                return Err(Poison { message, ..poison }.error());
            }
        };
        LIVE_SANDBOXES.fetch_add(1, Ordering::Relaxed);
        Ok(Self {
            store,
            bindings,
            pair: None,
            limits: limits.clone(),
            crypto,
            deadline_ticks,
            max_bytes_per_call: limits.max_bytes_per_call.max(1),
            sealed_in_output: 0,
            poisoned: None,
        })
    }

    /// A server-side pair: the default context, the SNI contexts (in the
    /// order added) and the server options, all parsed inside the sandbox.
    pub(crate) fn server(
        limits: &SandboxLimits,
        crypto: Crypto,
        default_credentials: &GuestCredentials,
        contexts: &[(String, GuestCredentials)],
        options: &GuestServerOptions,
    ) -> Result<Self> {
        let mut sandbox = Self::instantiate(limits, crypto)?;
        let default_context = sandbox.create_context(default_credentials)?;
        let server = sandbox.guard(|b, s| {
            b.tlsbox_tls_tls()
                .server()
                .call_constructor(s, default_context, options)
        })?;
        for (pattern, credentials) in contexts {
            let context = sandbox.create_context(credentials)?;
            let added = sandbox.guard(|b, s| {
                b.tlsbox_tls_tls()
                    .server()
                    .call_add_context(s, server, pattern, context)
            })?;
            added.map_err(TlsError::from)?;
        }
        let pair = sandbox.guard(|b, s| b.tlsbox_tls_tls().server().call_accept(s, server))?;
        sandbox.pair = Some(pair);
        sandbox.drop_resource(server)?;
        Ok(sandbox)
    }

    /// A client-side pair whose ClientHello is ready to send.
    pub(crate) fn client(
        limits: &SandboxLimits,
        crypto: Crypto,
        credentials: &GuestCredentials,
        options: &GuestClientOptions,
    ) -> Result<Self> {
        let mut sandbox = Self::instantiate(limits, crypto)?;
        let context = sandbox.create_context(credentials)?;
        let pair = sandbox.guard(|b, s| {
            b.tlsbox_tls_tls()
                .secure_pair()
                .call_connect(s, context, options)
        })?;
        sandbox.drop_resource(context)?;
        sandbox.pair = Some(pair.map_err(TlsError::from)?);
        Ok(sandbox)
    }

    /// Parses credentials in a throwaway sandbox: how `create_server` and
    /// `connect` report bad PEM before any connection exists.
    pub(crate) fn check_credentials(
        limits: &SandboxLimits,
        credentials: &GuestCredentials,
    ) -> Result<()> {
        // Credentials parse the same in both components; the host-crypto
        // one is in every build.
        let mut sandbox = Self::instantiate(limits, Crypto::Host)?;
        let context = sandbox.create_context(credentials)?;
        sandbox.drop_resource(context)
    }

    fn create_context(&mut self, credentials: &GuestCredentials) -> Result<ResourceAny> {
        let credentials = &self.keep_key(credentials);
        let created = self.guard(|b, s| {
            b.tlsbox_tls_tls()
                .secure_context()
                .call_create(s, credentials)
        })?;
        Ok(created.map_err(TlsError::from)?)
    }

    /// With host crypto, takes the private key out of `credentials` and
    /// lends it to this sandbox's guest instead: the guest gets the
    /// certificates and asks the host to sign. Credentials whose key does
    /// not parse go to the guest whole, which reports the error.
    fn keep_key(&mut self, credentials: &GuestCredentials) -> GuestCredentials {
        let mut credentials = credentials.clone();
        if self.crypto != Crypto::Host {
            return credentials;
        }
        let (Some(key), Some(cert)) = (&credentials.key, &credentials.cert) else {
            return credentials;
        };
        if let Some(held) = keys::hold(key, credentials.passphrase.as_deref(), cert) {
            self.store.data_mut().host_crypto_ctx().keys.lend(held);
            credentials.key = None;
            credentials.passphrase = None;
        }
        credentials
    }

    fn drop_resource(&mut self, resource: ResourceAny) -> Result<()> {
        self.guard(|_, s| resource.resource_drop(s))
    }

    /// Runs one guest call under the deadline; a trap poisons the sandbox,
    /// and so does a call that planned seals (only `push-cleartext` may).
    fn guard<T>(
        &mut self,
        call: impl FnOnce(&Bindings, &mut Store<SandboxState>) -> wasmtime::Result<T>,
    ) -> Result<T> {
        let (result, plan) = self.guard_planning(call)?;
        if !plan.is_empty() {
            return Err(self.poison(Poison {
                limit: None,
                message: "the TLS engine planned seals in a call that may not".into(),
            }));
        }
        Ok(result)
    }

    /// [`Self::guard`] for the call whose output may come with seals
    /// planned: they are returned with its result, to apply before the
    /// output is sent.
    fn guard_planning<T>(
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

    /// Marks the sandbox unusable (the guest trapped or broke the contract).
    fn poison(&mut self, poison: Poison) -> Error {
        tracing::warn!("TLS engine sandbox failed: {}", poison.message);
        let error = poison.error();
        self.poisoned = Some(poison);
        error
    }

    /// The guest handed back more bytes than asked for, or than one call may
    /// carry: a guest breaking the contract is treated like a trap.
    fn check_returned(&mut self, data: Vec<u8>, asked: usize) -> Result<Vec<u8>> {
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
    fn check_step(&mut self, mut step: Step, asked: usize) -> Result<Step> {
        step.encrypted = self.check_returned(std::mem::take(&mut step.encrypted), asked)?;
        Ok(step)
    }

    fn pair(&self) -> Result<ResourceAny> {
        self.pair
            .ok_or_else(|| Error::Sandbox("the sandbox holds no secure pair".into()))
    }

    /// Lends this sandbox's guest the server's ticket keys and session
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

    /// Answers a server pair's `awaiting-context`: `credentials` are parsed
    /// here, in the sandbox; `None` lets the pair use its `add-context`
    /// table, then its default.
    pub(crate) fn supply_context(&mut self, credentials: Option<&GuestCredentials>) -> Result<()> {
        let pair = self.pair()?;
        let context = match credentials {
            Some(credentials) => Some(self.create_context(credentials)?),
            None => None,
        };
        let supplied = self.guard(|b, s| {
            b.tlsbox_tls_tls()
                .secure_pair()
                .call_supply_context(s, pair, context)
        })?;
        Ok(supplied.map_err(TlsError::from)?)
    }

    /// Queues close_notify.
    pub(crate) fn end(&mut self) -> Result<()> {
        let pair = self.pair()?;
        self.guard(|b, s| b.tlsbox_tls_tls().secure_pair().call_end(s, pair))
    }

    /// Feeds encrypted bytes and takes up to `max_out` encrypted bytes to
    /// send, with the status after: one guest call.
    pub(crate) fn push_encrypted(&mut self, data: &[u8], max_out: usize) -> Result<Step> {
        let pair = self.pair()?;
        let data = &data[..data.len().min(self.max_bytes_per_call)];
        let max_out = max_out.min(self.max_bytes_per_call) as u32;
        let step = self.guard(|b, s| {
            b.tlsbox_tls_tls()
                .secure_pair()
                .call_push_encrypted(s, pair, data, max_out)
        })?;
        let step = step.map_err(TlsError::from)?;
        self.check_step(step, max_out as usize)
    }

    /// Queues cleartext and takes up to `max_out` encrypted bytes to send,
    /// with the status after: one guest call.
    pub(crate) fn push_cleartext(&mut self, data: &[u8], max_out: usize) -> Result<Step> {
        let pair = self.pair()?;
        let data = &data[..data.len().min(self.max_bytes_per_call)];
        let max_out = max_out.min(self.max_bytes_per_call) as u32;
        self.store
            .data_mut()
            .host_crypto_ctx()
            .output
            .open(max_out as usize);
        let called = self.guard_planning(|b, s| {
            b.tlsbox_tls_tls()
                .secure_pair()
                .call_push_cleartext(s, pair, data, max_out)
        });
        let sent = self.store.data_mut().host_crypto_ctx().output.close();
        let (mut step, plan) = called?;
        // The call's output: what it sent, then what its step returns.
        if let Ok(step) = &mut step
            && !sent.is_empty()
        {
            let returned = std::mem::replace(&mut step.encrypted, sent);
            step.encrypted.extend_from_slice(&returned);
        }
        let step = match step {
            Ok(step) => step,
            // Records planned before the failure are in the guest's output,
            // unsealed: nothing more may leave this sandbox.
            Err(error) if !plan.is_empty() => {
                return Err(self.poison(Poison {
                    limit: None,
                    message: format!(
                        "the TLS engine failed with seals planned: {}",
                        error.message
                    ),
                }));
            }
            Err(error) => return Err(TlsError::from(error).into()),
        };
        let mut step = self.check_step(step, max_out as usize)?;
        if plan.is_empty() {
            return Ok(step);
        }
        self.sealed_in_output += plan.len();
        if let Err(message) = plan.apply(&mut step.encrypted) {
            return Err(self.poison(Poison {
                limit: None,
                message: format!("the TLS engine's planned seals do not fit its output: {message}"),
            }));
        }
        Ok(step)
    }

    /// How many records the host has sealed in the guest's output (the
    /// bulk path of the engine built with host crypto).
    pub(crate) fn sealed_in_output(&self) -> usize {
        self.sealed_in_output
    }

    /// Takes encrypted bytes to send, with the status after.
    pub(crate) fn pull_encrypted(&mut self, max: usize) -> Result<Step> {
        let pair = self.pair()?;
        let max = max.min(self.max_bytes_per_call) as u32;
        let step = self.guard(|b, s| {
            b.tlsbox_tls_tls()
                .secure_pair()
                .call_pull_encrypted(s, pair, max)
        })?;
        self.check_step(step, max as usize)
    }

    /// Takes up to `max` bytes of decrypted cleartext and hands them to
    /// `deliver`, with the status after. The host-crypto engine delivers
    /// them through `output.deliver` from where rustls holds them; the
    /// self-contained one returns them. The buffer is not kept for the next
    /// read: a connection that read once and went idle would hold it.
    pub(crate) fn pull_cleartext(
        &mut self,
        max: usize,
        deliver: impl FnOnce(&[u8]),
    ) -> Result<PairStatus> {
        let pair = self.pair()?;
        let max = max.min(self.max_bytes_per_call) as u32;
        self.store
            .data_mut()
            .host_crypto_ctx()
            .cleartext
            .open(max as usize);
        let called = self.guard(|b, s| {
            b.tlsbox_tls_tls()
                .secure_pair()
                .call_pull_cleartext(s, pair, max)
        });
        let mut delivered = self.store.data_mut().host_crypto_ctx().cleartext.close();
        let (returned, status) = called?;
        // The self-contained engine returns its bytes; the other delivers.
        if !returned.is_empty() {
            if delivered.is_empty() {
                delivered = returned;
            } else {
                delivered.extend_from_slice(&returned);
            }
        }
        let delivered = self.check_returned(delivered, max as usize)?;
        deliver(&delivered);
        Ok(status)
    }

    /// Where the pair stands.
    pub(crate) fn status(&mut self) -> Result<PairStatus> {
        let pair = self.pair()?;
        self.guard(|b, s| b.tlsbox_tls_tls().secure_pair().call_status(s, pair))
    }

    /// Key log lines the pair recorded since the last call (none unless
    /// the pair was made with `keylog`).
    pub(crate) fn take_keylog(&mut self) -> Result<Vec<String>> {
        let pair = self.pair()?;
        self.guard(|b, s| b.tlsbox_tls_tls().secure_pair().call_take_keylog(s, pair))
    }

    /// The peer's certificate chain, described (Node's `getPeerCertificate`
    /// record for each): parsed in the guest, on demand, since describing
    /// a chain costs about a fifth of a client's handshake.
    pub(crate) fn peer_certificate_chain(&mut self) -> Result<Vec<GuestPeerCertificate>> {
        let pair = self.pair()?;
        self.guard(|b, s| {
            b.tlsbox_tls_tls()
                .secure_pair()
                .call_peer_certificate_chain(s, pair)
        })
    }

    /// Everything Node's `CleartextStream` reports once the handshake is
    /// done, but the peer's certificate ([`Self::peer_certificate_chain`]).
    pub(crate) fn connection_info(&mut self) -> Result<ConnectionInfo> {
        let pair = self.pair()?;
        let authorized =
            self.guard(|b, s| b.tlsbox_tls_tls().secure_pair().call_authorized(s, pair))?;
        let authorization_error = self.guard(|b, s| {
            b.tlsbox_tls_tls()
                .secure_pair()
                .call_authorization_error(s, pair)
        })?;
        let servername =
            self.guard(|b, s| b.tlsbox_tls_tls().secure_pair().call_servername(s, pair))?;
        let alpn_protocol =
            self.guard(|b, s| b.tlsbox_tls_tls().secure_pair().call_alpn_protocol(s, pair))?;
        let cipher = self.guard(|b, s| b.tlsbox_tls_tls().secure_pair().call_cipher(s, pair))?;
        let protocol =
            self.guard(|b, s| b.tlsbox_tls_tls().secure_pair().call_protocol(s, pair))?;
        let session_reused = self.guard(|b, s| {
            b.tlsbox_tls_tls()
                .secure_pair()
                .call_session_reused(s, pair)
        })?;
        Ok(ConnectionInfo {
            authorized,
            authorization_error: authorization_error.map(TlsError::from),
            servername,
            alpn_protocol,
            cipher: cipher.map(Cipher::from),
            protocol,
            session_reused,
        })
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(pair) = self.pair.take() {
            // The store goes away with us anyway; dropping the resource first
            // keeps the guest's own bookkeeping honest.
            let _ = self.drop_resource(pair);
        }
        LIVE_SANDBOXES.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Why the guest stopped, in one line: the limit it ran into, else the trap
/// code (unreachable, stack overflow, ...) or the host's error.
fn describe_failure(
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

#[cfg(test)]
mod tests;
