//! The bulk paths of the host-crypto imports served reading their lists
//! where they lie in the guest's memory, in place of the generated bindings
//! (which would first copy each list into a `Vec` of its own):
//! `aead-key.seal`, `aead-key.open`, `output.send` and `output.deliver`.
//! On these paths every copy of a record costs about as much as sealing or
//! opening it. The generated bindings stay for the linker's type check and
//! as the reference behaviour ([`super::host`]); these must stay equivalent
//! to them.

use std::mem;

use wasmtime::StoreContextMut;
use wasmtime::component::{Linker, Resource, WasmList};

use super::ctx::HostCryptoView;
use super::host::nonce;
use crate::crypto::AeadKey;
use crate::crypto::seal_plan::SealPlan;

/// `aead-key.seal`'s parameters, lifted as views of the guest's memory.
type SealArgs = (
    Resource<AeadKey>,
    WasmList<u8>,
    WasmList<u8>,
    WasmList<u8>,
    WasmList<u8>,
);

/// `aead-key.open`'s parameters, lifted as views of the guest's memory.
type OpenArgs = (Resource<AeadKey>, WasmList<u8>, WasmList<u8>, WasmList<u8>);

/// Shadows the generated `seal`, `open`, `send` and `deliver` in `linker`.
pub(super) fn add_to_linker<T: HostCryptoView + 'static>(
    linker: &mut Linker<T>,
) -> wasmtime::Result<()> {
    linker.allow_shadowing(true);
    // The names wit/crypto.wit's and wit/output.wit's package give the
    // interfaces: were they to change without this, the generated bindings
    // would simply stay in use.
    let mut crypto = linker.instance("tlsbox:tls/crypto@0.1.0")?;
    crypto.func_wrap(
        "[method]aead-key.seal",
        |mut store: StoreContextMut<'_, T>, (key, nonce_list, aad, plaintext, suffix): SealArgs| {
            // The key is an `Arc`: held apart from the store while the
            // guest's memory is read.
            let key = store.data_mut().host_crypto().table.get(&key)?.clone();
            let sealed = key.seal(
                &nonce(nonce_list.as_le_slice(&store))?,
                aad.as_le_slice(&store),
                plaintext.as_le_slice(&store),
                suffix.as_le_slice(&store),
            )?;
            Ok((sealed,))
        },
    )?;
    crypto.func_wrap(
        "[method]aead-key.open",
        |mut store: StoreContextMut<'_, T>, (key, nonce_list, aad, sealed): OpenArgs| {
            let key = store.data_mut().host_crypto().table.get(&key)?.clone();
            let opened = key.open(
                &nonce(nonce_list.as_le_slice(&store))?,
                aad.as_le_slice(&store),
                sealed.as_le_slice(&store),
            );
            Ok((opened,))
        },
    )?;
    let mut output = linker.instance("tlsbox:tls/output@0.1.0")?;
    output.func_wrap(
        "send",
        |mut store: StoreContextMut<'_, T>, (data,): (WasmList<u8>,)| {
            // Out of the store while the guest's memory is read.
            let ctx = store.data_mut().host_crypto().ctx;
            let (mut output, mut plan) =
                (mem::take(&mut ctx.output), mem::take(&mut ctx.seal_plan));
            let accepted = output.accept(data.as_le_slice(&store), &mut plan);
            let ctx = store.data_mut().host_crypto().ctx;
            (ctx.output, ctx.seal_plan) = (output, plan);
            accepted
        },
    )?;
    output.func_wrap(
        "deliver",
        |mut store: StoreContextMut<'_, T>, (data,): (WasmList<u8>,)| {
            let mut cleartext = mem::take(&mut store.data_mut().host_crypto().ctx.cleartext);
            let accepted = cleartext.accept(data.as_le_slice(&store), &mut SealPlan::default());
            store.data_mut().host_crypto().ctx.cleartext = cleartext;
            accepted
        },
    )?;
    linker.allow_shadowing(false);
    Ok(())
}
