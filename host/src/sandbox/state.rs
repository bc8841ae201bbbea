//! What one connection's store holds, and the limits it enforces on its
//! guest.

use wasmtime::ResourceLimiter;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::imports::{HostCryptoCtx, HostCryptoCtxView, HostCryptoView};
use crate::limits::SandboxLimits;

/// What a connection's store holds: WASI's context (clocks and randomness
/// only: no files, no network, no environment), the resource table both
/// WASI and the host-crypto imports keep their handles in, the limits, and
/// with host crypto the state of those imports (the private keys its guest
/// may ask to sign with, the running call's output).
pub(crate) struct SandboxState {
    wasi: WasiCtx,
    table: ResourceTable,
    limiter: GuestLimiter,
    host_crypto: HostCryptoCtx,
}

impl SandboxState {
    /// A fresh state under `limits`: an empty table of at most
    /// `limits.max_resources` handles, and nothing lent yet.
    pub(crate) fn new(limits: &SandboxLimits) -> Self {
        let mut table = ResourceTable::new();
        table.set_max_capacity(limits.max_resources);
        Self {
            wasi: WasiCtx::builder().build(),
            table,
            limiter: GuestLimiter {
                memory_bytes: limits.memory_bytes,
                memory_refused: None,
            },
            host_crypto: HostCryptoCtx::default(),
        }
    }

    /// The host-crypto imports' state.
    pub(crate) fn host_crypto_ctx(&mut self) -> &mut HostCryptoCtx {
        &mut self.host_crypto
    }

    /// The host-crypto imports' state, to read.
    #[cfg(test)]
    pub(crate) fn host_crypto_ref(&self) -> &HostCryptoCtx {
        &self.host_crypto
    }

    /// The store's resource table, for tests of the resource cap.
    #[cfg(test)]
    pub(crate) fn table(&mut self) -> &mut ResourceTable {
        &mut self.table
    }

    /// The limiter the store consults before its guest grows.
    pub(crate) fn limiter(&mut self) -> &mut (dyn ResourceLimiter + Send) {
        &mut self.limiter
    }

    /// How much memory the guest asked for beyond its limit, if it did.
    pub(crate) fn memory_refused(&self) -> Option<usize> {
        self.limiter.memory_refused
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

impl HostCryptoView for SandboxState {
    fn host_crypto(&mut self) -> HostCryptoCtxView<'_> {
        HostCryptoCtxView {
            ctx: &mut self.host_crypto,
            table: &mut self.table,
        }
    }
}

/// The store's memory and table limits. Refusing growth is a trap rather
/// than a failed `memory.grow`: the guest's allocator would abort anyway,
/// and a trap lets us name the cause.
struct GuestLimiter {
    memory_bytes: usize,
    /// Set when the guest asked for more memory than allowed.
    memory_refused: Option<usize>,
}

/// Tables hold function references; the component needs a few hundred.
const MAX_TABLE_ELEMENTS: usize = 100_000;
/// The component's core instances (the engine, WASI adapters, shims).
const MAX_INSTANCES: usize = 16;

impl ResourceLimiter for GuestLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory_bytes || maximum.is_some_and(|max| desired > max) {
            self.memory_refused = Some(desired);
            wasmtime::bail!(
                "memory growth to {desired} bytes refused (limit {} bytes)",
                self.memory_bytes
            );
        }
        Ok(true)
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        Err(error.context("the host could not grow the TLS engine's memory"))
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS && maximum.is_none_or(|max| desired <= max))
    }

    fn instances(&self) -> usize {
        MAX_INSTANCES
    }

    fn tables(&self) -> usize {
        MAX_INSTANCES
    }

    fn memories(&self) -> usize {
        MAX_INSTANCES
    }
}
