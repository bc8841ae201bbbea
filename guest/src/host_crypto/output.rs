//! The host's `output` import: the bulk paths hand rustls' records (as a
//! writer) and its decrypted cleartext to the host where they lie in this
//! guest's memory, instead of copying them into a buffer of ours to return.

use std::io::{self, IoSlice, Write};

use crate::bindings::tlsbox::tls::output;

/// Sends what is written to the host, as the running call's output.
pub(crate) struct HostOutput;

impl Write for HostOutput {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        output::send(data);
        Ok(data.len())
    }

    fn write_vectored(&mut self, slices: &[IoSlice<'_>]) -> io::Result<usize> {
        // rustls hands its whole queue at once, one slice per record.
        let mut sent = 0;
        for slice in slices {
            output::send(slice);
            sent += slice.len();
        }
        Ok(sent)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Delivers decrypted cleartext to the host, as the running
/// `pull-cleartext`'s bytes.
pub(crate) fn deliver(data: &[u8]) {
    output::deliver(data);
}
