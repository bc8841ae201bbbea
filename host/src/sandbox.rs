//! One connection's sandbox: its own `Store`, its own component instance,
//! and the guest's secure pair inside it.
//!
//! Every call into the guest goes through here, under the connection's
//! limits. A trap (a guest bug, a memory cap, a CPU deadline) poisons this
//! sandbox only: the call returns [`Error::Sandbox`] and so does every later
//! one, while other connections run on in their own stores.

use wasmtime::component::{ResourceAny, ResourceTable};
use wasmtime::{Store, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::bindings::EngineHostCrypto as Bindings;
use crate::bindings::exports::tlsbox::tls::tls;
use crate::bindings::tlsbox::tls::types;
use crate::error::{Error, Result, TlsError};
use crate::limits::SandboxLimits;
use crate::options::Crypto;
use crate::runtime::{EPOCH_TICK, Runtime};

/// What a connection's store holds: WASI's context (clocks and randomness
/// only: no files, no network, no environment) and the limits.
pub(crate) struct SandboxState {
    wasi: WasiCtx,
    table: ResourceTable,
    limits: StoreLimits,
}

impl SandboxState {
    /// The store's resource table (host crypto keeps its keys there).
    pub(crate) fn table(&mut self) -> &mut ResourceTable {
        &mut self.table
    }
}

impl WasiView for SandboxState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// Re-exports of the WIT records the rest of the host fills in.
pub(crate) use tls::{
    ClientOptions as GuestClientOptions, PairStatus, ServerOptions as GuestServerOptions, Step,
};
pub(crate) use types::{Credentials as GuestCredentials, PeerCertificate as GuestPeerCertificate};

/// A secure pair living in its own sandbox.
pub(crate) struct Sandbox {
    store: Store<SandboxState>,
    bindings: Bindings,
    pair: Option<ResourceAny>,
    deadline_ticks: u64,
    max_bytes_per_call: usize,
    /// Set once the guest trapped: the store is unusable from then on.
    poisoned: Option<String>,
}

impl Sandbox {
    /// A fresh instance with `limits`, no pair yet.
    pub(crate) fn instantiate(limits: &SandboxLimits, crypto: Crypto) -> Result<Self> {
        let runtime = Runtime::get()?;
        let pre = runtime.pre(crypto)?;
        let mut table = ResourceTable::new();
        table.set_max_capacity(limits.max_resources);
        let state = SandboxState {
            wasi: WasiCtx::builder().build(),
            table,
            limits: StoreLimitsBuilder::new()
                .memory_size(limits.memory_bytes)
                .trap_on_grow_failure(true)
                .instances(4)
                .build(),
        };
        let mut store = Store::new(&runtime.engine, state);
        store.limiter(|state| &mut state.limits);
        let deadline_ticks =
            (limits.call_deadline.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64;
        store.set_epoch_deadline(deadline_ticks);
        let bindings = pre
            .instantiate(&mut store)
            .map_err(|e| Error::Sandbox(format!("cannot instantiate the TLS engine: {e:#}")))?;
        Ok(Self {
            store,
            bindings,
            pair: None,
            deadline_ticks,
            max_bytes_per_call: limits.max_bytes_per_call.max(1),
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
        // Credentials parse the same in both components.
        let mut sandbox = Self::instantiate(limits, Crypto::Guest)?;
        let context = sandbox.create_context(credentials)?;
        sandbox.drop_resource(context)
    }

    fn create_context(&mut self, credentials: &GuestCredentials) -> Result<ResourceAny> {
        let created = self.guard(|b, s| {
            b.tlsbox_tls_tls()
                .secure_context()
                .call_create(s, credentials)
        })?;
        Ok(created.map_err(TlsError::from)?)
    }

    fn drop_resource(&mut self, resource: ResourceAny) -> Result<()> {
        self.guard(|_, s| resource.resource_drop(s))
    }

    /// Runs one guest call under the deadline; a trap poisons the sandbox.
    fn guard<T>(
        &mut self,
        call: impl FnOnce(&Bindings, &mut Store<SandboxState>) -> wasmtime::Result<T>,
    ) -> Result<T> {
        if let Some(cause) = &self.poisoned {
            return Err(Error::Sandbox(cause.clone()));
        }
        self.store.set_epoch_deadline(self.deadline_ticks);
        call(&self.bindings, &mut self.store).map_err(|e| {
            let cause = describe_trap(&e);
            tracing::warn!("TLS engine sandbox failed: {cause}");
            self.poisoned = Some(cause.clone());
            Error::Sandbox(cause)
        })
    }

    fn pair(&self) -> Result<ResourceAny> {
        self.pair
            .ok_or_else(|| Error::Sandbox("the sandbox holds no secure pair".into()))
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
        Ok(step.map_err(TlsError::from)?)
    }

    /// Queues cleartext and takes up to `max_out` encrypted bytes to send,
    /// with the status after: one guest call.
    pub(crate) fn push_cleartext(&mut self, data: &[u8], max_out: usize) -> Result<Step> {
        let pair = self.pair()?;
        let data = &data[..data.len().min(self.max_bytes_per_call)];
        let max_out = max_out.min(self.max_bytes_per_call) as u32;
        let step = self.guard(|b, s| {
            b.tlsbox_tls_tls()
                .secure_pair()
                .call_push_cleartext(s, pair, data, max_out)
        })?;
        Ok(step.map_err(TlsError::from)?)
    }

    /// Takes encrypted bytes to send, with the status after.
    pub(crate) fn pull_encrypted(&mut self, max: usize) -> Result<Step> {
        let pair = self.pair()?;
        let max = max.min(self.max_bytes_per_call) as u32;
        self.guard(|b, s| {
            b.tlsbox_tls_tls()
                .secure_pair()
                .call_pull_encrypted(s, pair, max)
        })
    }

    /// Takes decrypted cleartext, with the status after.
    pub(crate) fn pull_cleartext(&mut self, max: usize) -> Result<(Vec<u8>, PairStatus)> {
        let pair = self.pair()?;
        let max = max.min(self.max_bytes_per_call) as u32;
        self.guard(|b, s| {
            b.tlsbox_tls_tls()
                .secure_pair()
                .call_pull_cleartext(s, pair, max)
        })
    }

    /// Where the pair stands.
    pub(crate) fn status(&mut self) -> Result<PairStatus> {
        let pair = self.pair()?;
        self.guard(|b, s| b.tlsbox_tls_tls().secure_pair().call_status(s, pair))
    }

    /// Everything Node's `CleartextStream` reports once the handshake is done.
    pub(crate) fn connection_facts(&mut self) -> Result<ConnectionFacts> {
        let pair = self.pair()?;
        let authorized =
            self.guard(|b, s| b.tlsbox_tls_tls().secure_pair().call_authorized(s, pair))?;
        let authorization_error = self.guard(|b, s| {
            b.tlsbox_tls_tls()
                .secure_pair()
                .call_authorization_error(s, pair)
        })?;
        let peer_chain = self.guard(|b, s| {
            b.tlsbox_tls_tls()
                .secure_pair()
                .call_peer_certificate_chain(s, pair)
        })?;
        let servername =
            self.guard(|b, s| b.tlsbox_tls_tls().secure_pair().call_servername(s, pair))?;
        let alpn_protocol =
            self.guard(|b, s| b.tlsbox_tls_tls().secure_pair().call_alpn_protocol(s, pair))?;
        let cipher = self.guard(|b, s| b.tlsbox_tls_tls().secure_pair().call_cipher(s, pair))?;
        let protocol =
            self.guard(|b, s| b.tlsbox_tls_tls().secure_pair().call_protocol(s, pair))?;
        Ok(ConnectionFacts {
            authorized,
            authorization_error: authorization_error.map(TlsError::from),
            peer_chain,
            servername,
            alpn_protocol,
            cipher,
            protocol,
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
    }
}

/// What the guest reports about an established connection.
pub(crate) struct ConnectionFacts {
    pub(crate) authorized: bool,
    pub(crate) authorization_error: Option<TlsError>,
    pub(crate) peer_chain: Vec<GuestPeerCertificate>,
    pub(crate) servername: Option<String>,
    pub(crate) alpn_protocol: Option<String>,
    pub(crate) cipher: Option<types::Cipher>,
    pub(crate) protocol: Option<String>,
}

/// One line naming why the guest stopped: the trap code (out of memory,
/// deadline, unreachable, ...) and the guest's backtrace when there is one.
fn describe_trap(error: &wasmtime::Error) -> String {
    match error.downcast_ref::<wasmtime::Trap>() {
        Some(wasmtime::Trap::Interrupt) => "the TLS engine exceeded its CPU deadline".into(),
        Some(trap) => format!("the TLS engine trapped: {trap}"),
        None => format!("the TLS engine failed: {error:#}"),
    }
}
