//! What one guest call hands the host through `tlsbox:tls/output`: the
//! encrypted output the engine built with host crypto sends during
//! `push-cleartext`, and the cleartext it delivers during `pull-cleartext`
//! (its bulk paths).
//!
//! Each is bounded by its call's `max-out` or `max`: the room is opened
//! for that call only, and a guest sending more, or at any other time,
//! traps.

use std::mem;

use crate::crypto::seal_plan::SealPlan;

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
    pub(super) fn accept(&mut self, data: &[u8], plan: &mut SealPlan) -> wasmtime::Result<()> {
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
