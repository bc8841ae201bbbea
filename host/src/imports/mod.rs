//! The host's side of the imports of the engine built with host crypto,
//! `tlsbox:tls/crypto` and `tlsbox:tls/output` (wit/crypto.wit,
//! wit/output.wit), written as wasmtime's wasi-tls writes its own: against
//! a [`HostCryptoCtxView`] borrowed from the store, so nothing here names
//! the embedder's state type. A store's state serves them by implementing
//! [`HostCryptoView`]; [`add_to_linker`] adds them to a linker.
//!
//! - `ctx`: the state one sandbox keeps, and its view;
//! - `host`: the generated traits, implemented for the view;
//! - `without_copies`: the bulk paths served from the guest's memory;
//! - `call_output`: what one call may send and deliver.

mod call_output;
mod ctx;
mod host;
mod without_copies;

pub(crate) use ctx::{HostCryptoCtx, HostCryptoCtxView, HostCryptoView};

use wasmtime::component::{HasData, Linker};

use crate::bindings::tlsbox::tls::{crypto, output};

/// The imports' data in the store, for the generated `add_to_linker`s.
struct HasHostCrypto;

impl HasData for HasHostCrypto {
    type Data<'a> = HostCryptoCtxView<'a>;
}

/// Adds `tlsbox:tls/crypto` and `tlsbox:tls/output` to `linker`. Only the
/// host-crypto component imports them; the self-contained one leaves them
/// unused.
pub(crate) fn add_to_linker<T: HostCryptoView + 'static>(
    linker: &mut Linker<T>,
) -> wasmtime::Result<()> {
    crypto::add_to_linker::<T, HasHostCrypto>(linker, T::host_crypto)?;
    output::add_to_linker::<T, HasHostCrypto>(linker, T::host_crypto)?;
    without_copies::add_to_linker(linker)
}
