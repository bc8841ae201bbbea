//! The cleartext side of a pair: the application's bytes it encrypts
//! ([`SecurePair::write_cleartext`], or straight to a sink for a quiet
//! pair), the peer's bytes it has decrypted ([`SecurePair::read_cleartext`])
//! and the close_notify that ends the application's writing
//! ([`SecurePair::end`]).

use std::io::{BufRead, Write};

use rustls::Connection;

use super::{OUTBOX_LIMIT, SecurePair, State};
use crate::error::{Error, ErrorCode};

/// Hands `data` to rustls to frame and encrypt; how much it took.
fn write_plaintext(connection: &mut Connection, data: &[u8]) -> Result<usize, Error> {
    connection
        .writer()
        .write(data)
        .map_err(|e| Error::new(ErrorCode::ErrTlsInvalidState, e.to_string()))
}

impl SecurePair {
    /// The handshake is done, nothing failed or ended, and no encrypted
    /// output waits (here or in rustls): whatever the next
    /// [`Self::write_cleartext`] makes is the records of the bytes it takes
    /// and nothing else.
    pub fn is_quiet(&self) -> bool {
        let State::Connected(connection) = &self.state else {
            return false;
        };
        self.failed.is_none()
            && !self.ended
            && !connection.is_handshaking()
            && !connection.wants_write()
            && self.encrypted_pending() == 0
    }

    /// Queues cleartext to encrypt and send. Returns how many bytes were
    /// taken: none while the encrypted output waiting for the caller is full.
    pub fn write_cleartext(&mut self, data: &[u8]) -> Result<usize, Error> {
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        if self.ended {
            return Err(Error::new(ErrorCode::ErrTlsInvalidState, "write after end"));
        }
        let room = OUTBOX_LIMIT.saturating_sub(self.encrypted_pending());
        let State::Connected(connection) = &mut self.state else {
            // A server has no connection before the ClientHello: nothing to buffer into yet.
            return Ok(0);
        };
        let taken = write_plaintext(connection, &data[..data.len().min(room)])?;
        self.flush();
        Ok(taken)
    }

    /// [`Self::write_cleartext`] for a quiet pair ([`Self::is_quiet`]), its
    /// records written straight to `out` rather than kept for
    /// [`Self::read_encrypted`]: one copy fewer of each when `out` is where
    /// they leave. A pair that is not quiet takes nothing.
    pub fn write_cleartext_to(&mut self, data: &[u8], out: &mut dyn Write) -> Result<usize, Error> {
        if !self.is_quiet() {
            return Ok(0);
        }
        let State::Connected(connection) = &mut self.state else {
            return Ok(0);
        };
        let taken = write_plaintext(connection, &data[..data.len().min(OUTBOX_LIMIT)])?;
        while connection.wants_write() {
            match connection.write_tls(out) {
                Ok(0) | Err(_) => {
                    // `out` took nothing: what is left stays for
                    // `read_encrypted`, after what `out` took.
                    self.flush();
                    break;
                }
                Ok(_) => {}
            }
        }
        Ok(taken)
    }

    /// Takes up to `max` bytes of decrypted cleartext.
    pub fn read_cleartext(&mut self, max: usize) -> Vec<u8> {
        let mut buffer = Vec::with_capacity(max.min(self.cleartext_pending));
        self.read_cleartext_to(max, &mut |data| buffer.extend_from_slice(data));
        buffer
    }

    /// Hands up to `max` bytes of decrypted cleartext to `out`, a slice at
    /// a time, from where rustls holds them: a receiver's every record
    /// passes here, and copying it into a buffer of ours first would cost
    /// about as much as decrypting it. Returns how many bytes went.
    pub fn read_cleartext_to(&mut self, max: usize, out: &mut dyn FnMut(&[u8])) -> usize {
        let State::Connected(connection) = &mut self.state else {
            return 0;
        };
        let wanted = max.min(self.cleartext_pending);
        let mut reader = connection.reader();
        let mut taken = 0;
        while taken < wanted {
            let Ok(available) = reader.fill_buf() else {
                break;
            };
            if available.is_empty() {
                break;
            }
            let n = available.len().min(wanted - taken);
            out(&available[..n]);
            reader.consume(n);
            taken += n;
        }
        self.cleartext_pending -= taken;
        taken
    }

    /// Queues close_notify. Cleartext written before is still sent first.
    pub fn end(&mut self) {
        if self.ended {
            return;
        }
        self.ended = true;
        if let State::Connected(connection) = &mut self.state {
            connection.send_close_notify();
        }
        self.flush();
    }
}
