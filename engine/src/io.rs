//! One driver loop over a pair and a byte transport, in the manner of
//! rustls' `complete_io`: for the callers that drive the engine without an
//! async runtime (the command component, the `wasi:tls` provider, the fuzz
//! harness). The pair itself still does no I/O; a [`Driver`] moves bytes
//! between it and a transport its caller provides (`Read + Write`: a
//! socket, a WASI stream, a fuzzer's input).
//!
//! Every pass goes in the same order, the order the host's async driver
//! (`host/src/stream`) follows too:
//! 1. send what the pair has for the peer, until the transport pushes back;
//! 2. hand the pair the bytes already read from the peer, as many as it takes;
//! 3. read from the peer, only when the pair wants more and nothing read waits.
//!
//! A transport that would block (`ErrorKind::WouldBlock`) ends the pass
//! without an error, unlike rustls' `complete_io`: a caller polling a
//! non-blocking transport asks [`Driver::wants_read`] and
//! [`Driver::wants_write`] what to wait for, then calls again.

use std::io::{self, ErrorKind, Read, Write};

use crate::error::Error;
use crate::pair::{PairStatus, SecurePair};

/// Bytes read from the transport, or asked of the pair, at a time.
const CHUNK: usize = 16 * 1024;

/// A pair, its transport, and the bytes in flight between them.
pub struct Driver<T> {
    pair: SecurePair,
    transport: T,
    /// Read from the transport, not yet taken by the pair (it takes no more
    /// while its cleartext waits to be read).
    incoming: Vec<u8>,
    /// Taken from the pair, not yet accepted by the transport, from
    /// `outgoing_start` on.
    outgoing: Vec<u8>,
    outgoing_start: usize,
    /// The transport's input ended.
    transport_eof: bool,
}

impl<T: Read + Write> Driver<T> {
    /// Drives `pair` over `transport`.
    pub fn new(pair: SecurePair, transport: T) -> Self {
        Self {
            pair,
            transport,
            incoming: Vec::new(),
            outgoing: Vec::new(),
            outgoing_start: 0,
            transport_eof: false,
        }
    }

    /// The pair, for its facts and its cleartext.
    pub fn pair(&self) -> &SecurePair {
        &self.pair
    }

    /// The pair, to read and write cleartext or end it.
    pub fn pair_mut(&mut self) -> &mut SecurePair {
        &mut self.pair
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The transport, to change how it waits.
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    /// Where the pair stands.
    pub fn status(&self) -> PairStatus {
        self.pair.status()
    }

    /// The transport's input has ended.
    pub fn transport_eof(&self) -> bool {
        self.transport_eof
    }

    /// Everything read from the transport has been taken by the pair.
    pub fn input_drained(&self) -> bool {
        self.incoming.is_empty()
    }

    /// Reading the transport would move things on: the pair wants input
    /// and none read waits for it.
    pub fn wants_read(&self) -> bool {
        self.incoming.is_empty() && !self.transport_eof && self.pair.status().wants_encrypted
    }

    /// Encrypted bytes are still on their way to the peer.
    pub fn wants_write(&self) -> bool {
        self.outgoing_start < self.outgoing.len() || self.pair.status().encrypted_pending > 0
    }

    /// Runs passes until there is nothing left to do: while the handshake
    /// runs, until it ends (or the transport would block); after it, until
    /// the first pass that moved anything. Returns the encrypted bytes the
    /// pair took and the bytes written to the transport.
    ///
    /// Fails with `InvalidData` carrying the pair's [`Error`] once the pair
    /// failed (after sending its alert), with `UnexpectedEof` when the
    /// transport ends during the handshake, and with the transport's own
    /// errors.
    pub fn complete_io(&mut self) -> io::Result<(usize, usize)> {
        let until_handshaked = self.pair.status().handshaking;
        let (mut taken, mut written) = (0, 0);
        loop {
            written += self.write_pending()?;
            let status = self.check_failed()?;
            let done = if until_handshaked {
                !status.handshaking
            } else {
                taken + written > 0
            };
            if done {
                return Ok((taken, written));
            }
            if self.incoming.is_empty() {
                if !status.wants_encrypted {
                    // Cleartext to read first, a context to supply, or the
                    // peer closed: the caller's move.
                    return Ok((taken, written));
                }
                if self.transport_eof {
                    return match status.handshaking {
                        true => Err(ErrorKind::UnexpectedEof.into()),
                        false => Ok((taken, written)),
                    };
                }
                if self.read_transport()? == 0 {
                    if self.transport_eof {
                        continue;
                    }
                    // Would block: the caller waits for `wants_read`.
                    return Ok((taken, written));
                }
            }
            let fed = self.feed();
            if fed == 0 && self.pair.status().failed.is_none() {
                return Ok((taken, written));
            }
            taken += fed;
        }
    }

    /// Step 1: writes what the pair has for the peer until the transport
    /// takes no more; how many bytes it took.
    pub fn write_pending(&mut self) -> io::Result<usize> {
        let mut written = 0;
        loop {
            if self.outgoing_start == self.outgoing.len() {
                self.outgoing = self.pair.read_encrypted(CHUNK);
                self.outgoing_start = 0;
                if self.outgoing.is_empty() {
                    break;
                }
            }
            match self.transport.write(&self.outgoing[self.outgoing_start..]) {
                Ok(0) => return Err(ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.outgoing_start += n;
                    written += n;
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(written),
                Err(e) => return Err(e),
            }
        }
        match self.transport.flush() {
            Err(e) if e.kind() == ErrorKind::WouldBlock => Ok(written),
            flushed => flushed.map(|()| written),
        }
    }

    /// Step 2: hands the pair what it takes of the bytes read; how many it
    /// took. A failure is the pair's: it shows in its status, and its alert
    /// waits for [`Self::write_pending`].
    pub fn feed(&mut self) -> usize {
        let mut fed = 0;
        while !self.incoming.is_empty() {
            match self.pair.write_encrypted(&self.incoming) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    self.incoming.drain(..n);
                    fed += n;
                }
            }
        }
        fed
    }

    /// Step 3: reads once from the transport into what waits for the pair;
    /// how many bytes came (0 at the end of input, or when it would block).
    pub fn read_transport(&mut self) -> io::Result<usize> {
        let mut buf = [0u8; CHUNK];
        loop {
            match self.transport.read(&mut buf) {
                Ok(0) => {
                    self.transport_eof = true;
                    return Ok(0);
                }
                Ok(n) => {
                    self.incoming.extend_from_slice(&buf[..n]);
                    return Ok(n);
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(0),
                Err(e) => return Err(e),
            }
        }
    }

    /// Queues as much of `data` as the pair takes and sends what it can;
    /// how much it took (none while its encrypted output is full).
    pub fn write_cleartext(&mut self, data: &[u8]) -> io::Result<usize> {
        let taken = self.pair.write_cleartext(data).map_err(failure)?;
        self.write_pending()?;
        Ok(taken)
    }

    /// Queues close_notify and sends what it can of it.
    pub fn end(&mut self) -> io::Result<()> {
        self.pair.end();
        self.write_pending().map(drop)
    }

    /// The status, or the pair's failure once its alert is on its way.
    fn check_failed(&mut self) -> io::Result<PairStatus> {
        let status = self.pair.status();
        match status.failed {
            Some(error) => {
                // Best effort: the transport may be gone already.
                let _ = self.write_pending();
                Err(failure(error))
            }
            None => Ok(status),
        }
    }
}

/// The pair's failure as an I/O error (`InvalidData`); the [`Error`], with
/// Node's code, is its inner error.
pub fn failure(error: Error) -> io::Error {
    io::Error::new(ErrorKind::InvalidData, error)
}

/// The pair's [`Error`] inside an error from [`Driver`], if it is one.
pub fn pair_error(error: &io::Error) -> Option<&Error> {
    error.get_ref()?.downcast_ref::<Error>()
}
