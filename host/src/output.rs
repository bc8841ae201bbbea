//! The host's side of `tlsbox:tls/output`: the encrypted output the engine
//! built with host crypto hands over during `push-cleartext`, and the
//! cleartext it delivers during `pull-cleartext` (its bulk paths), read
//! where they lie in the guest's memory.
//!
//! Each is bounded by its call's `max-out` or `max`: the room is opened
//! for that call only, and a guest sending more, or at any other time,
//! traps.

use std::mem;

use wasmtime::StoreContextMut;
use wasmtime::component::{Linker, WasmList};

use crate::bindings::tlsbox::tls::output::Host;
use crate::crypto::seal_plan::SealPlan;
use crate::sandbox::SandboxState;

/// The running call's output, and how much more it may take.
#[derive(Default)]
pub(crate) struct CallOutput {
    bytes: Vec<u8>,
    room: usize,
}

impl CallOutput {
    /// Lets the call about to run send up to `room` bytes.
    pub(crate) fn open(&mut self, room: usize) {
        self.bytes.clear();
        self.room = room;
    }

    /// What the call sent; no more may be sent until the next `open`.
    pub(crate) fn close(&mut self) -> Vec<u8> {
        self.room = 0;
        mem::take(&mut self.bytes)
    }

    /// Takes `data`, sealing the planned records it brings whole on the way
    /// in; traps the guest when the call has no room for it.
    fn accept(&mut self, data: &[u8], plan: &mut SealPlan) -> wasmtime::Result<()> {
        if data.len() > self.room {
            wasmtime::bail!(
                "the TLS engine sent {} bytes of output where {} were allowed",
                data.len(),
                self.room
            );
        }
        if self.bytes.capacity() == 0 {
            // Room for all of the call's output at its first bytes (most
            // calls send none): growing as it comes would copy it again.
            self.bytes.reserve(self.room);
        }
        self.room -= data.len();
        let sealed = plan
            .seal_onto(data, &mut self.bytes)
            .map_err(|message| wasmtime::format_err!("{message}"))?;
        self.bytes.extend_from_slice(&data[sealed..]);
        Ok(())
    }
}

impl Host for SandboxState {
    fn send(&mut self, data: Vec<u8>) -> wasmtime::Result<()> {
        let (output, plan) = self.output_and_plan();
        output.accept(&data, plan)
    }

    fn deliver(&mut self, data: Vec<u8>) -> wasmtime::Result<()> {
        self.cleartext().accept(&data, &mut SealPlan::default())
    }
}

/// Serves `output.send` and `output.deliver` reading the bytes where they
/// lie in the guest's memory, in place of the generated bindings (which
/// would first copy them into a `Vec` of their own): these are the bulk
/// paths, where each copy of a record costs a good part of sealing or
/// opening it. They must stay equivalent to the generated bindings'
/// [`Host::send`] and [`Host::deliver`].
pub(crate) fn add_output_without_copies(linker: &mut Linker<SandboxState>) -> wasmtime::Result<()> {
    linker.allow_shadowing(true);
    // The name wit/output.wit's package gives the interface: were it to
    // change without this, the generated binding would simply stay in use.
    let mut output = linker.instance("tlsbox:tls/output@0.1.0")?;
    output.func_wrap(
        "send",
        |mut store: StoreContextMut<'_, SandboxState>, (data,): (WasmList<u8>,)| {
            // Out of the store while the guest's memory is read.
            let (output, plan) = store.data_mut().output_and_plan();
            let (mut output, mut plan) = (mem::take(output), mem::take(plan));
            let accepted = output.accept(data.as_le_slice(&store), &mut plan);
            let (output_slot, plan_slot) = store.data_mut().output_and_plan();
            (*output_slot, *plan_slot) = (output, plan);
            accepted
        },
    )?;
    output.func_wrap(
        "deliver",
        |mut store: StoreContextMut<'_, SandboxState>, (data,): (WasmList<u8>,)| {
            let mut cleartext = mem::take(store.data_mut().cleartext());
            let accepted = cleartext.accept(data.as_le_slice(&store), &mut SealPlan::default());
            *store.data_mut().cleartext() = cleartext;
            accepted
        },
    )?;
    linker.allow_shadowing(false);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_taken_within_the_room_opened_for_the_call() {
        let mut output = CallOutput::default();
        let plan = &mut SealPlan::default();
        assert!(output.accept(b"x", plan).is_err(), "no call, no room");
        output.open(5);
        output.accept(b"abc", plan).unwrap();
        output.accept(b"de", plan).unwrap();
        assert!(output.accept(b"f", plan).is_err(), "room spent");
        assert_eq!(output.close(), b"abcde");
        assert!(output.accept(b"x", plan).is_err(), "closed");
        output.open(1);
        assert_eq!(output.close(), b"", "nothing left from before");
    }
}
