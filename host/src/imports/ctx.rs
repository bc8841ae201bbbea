//! What the host keeps for one sandbox's host-crypto imports, and the view
//! of it the imports are written against.

use std::sync::Arc;

use wasmtime::component::ResourceTable;

use super::call_output::CallOutput;
use crate::crypto::keys::SandboxKeys;
use crate::crypto::seal_plan::SealPlan;
use crate::sessions::SessionStore;
use crate::tickets::Ticketer;

/// One sandbox's state for `tlsbox:tls/crypto` and `tlsbox:tls/output`:
/// the private keys lent to its guest, and the running call's planned seals
/// and output. The handles the guest holds live in the store's
/// `ResourceTable`, beside WASI's.
#[derive(Default)]
pub(crate) struct HostCryptoCtx {
    /// The private keys this sandbox's guest may ask to sign with.
    pub(crate) keys: SandboxKeys,
    /// Seals the guest planned for the output of the call running now.
    pub(crate) seal_plan: SealPlan,
    /// What the call running now sent through `output.send`.
    pub(crate) output: CallOutput,
    /// What the call running now delivered through `output.deliver`.
    pub(crate) cleartext: CallOutput,
    /// The server's ticket keys, when this sandbox serves a server that
    /// issues session tickets.
    pub(crate) ticketer: Option<Arc<Ticketer>>,
    /// The server's TLS 1.2 sessions by ID, likewise.
    pub(crate) sessions: Option<Arc<SessionStore>>,
}

/// A [`HostCryptoCtx`] and the store's resource table, borrowed together
/// from the store for one import call.
pub(crate) struct HostCryptoCtxView<'a> {
    /// The sandbox's host-crypto state.
    pub(crate) ctx: &'a mut HostCryptoCtx,
    /// The store's resource table.
    pub(crate) table: &'a mut ResourceTable,
}

/// A store's state that serves the host-crypto imports (as wasmtime-wasi's
/// `WasiView` does for WASI): how the imports reach their state without
/// naming the embedder's type.
pub(crate) trait HostCryptoView: Send {
    /// This store's host-crypto state and resource table.
    fn host_crypto(&mut self) -> HostCryptoCtxView<'_>;
}
