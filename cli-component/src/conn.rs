//! One TLS connection over a non-blocking socket: the engine's pair and the
//! bytes in flight between it and the socket. The same pumping as the
//! host's driver, without tokio: the caller's poll loop says when to call.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};

use tlsbox_engine::pair::{PairStatus, SecurePair};

use crate::Failure;
use crate::poll::Interest;

/// Bytes read from the socket, or asked from the pair, at a time.
const CHUNK: usize = 16 * 1024;

/// A pair and its socket.
pub struct TlsConn {
    /// The transport, non-blocking.
    pub socket: TcpStream,
    /// The engine's pair for this connection.
    pub pair: SecurePair,
    /// The peer's address.
    pub remote: Option<SocketAddr>,
    /// Read from the socket, not yet taken by the pair (it takes no more
    /// while its cleartext waits to be read).
    incoming: Vec<u8>,
    /// Taken from the pair, not yet accepted by the socket.
    outgoing: Vec<u8>,
    /// The peer closed its side of the TCP connection.
    pub transport_eof: bool,
}

impl TlsConn {
    /// Wraps a connected socket (made non-blocking) and a fresh pair.
    pub fn new(socket: TcpStream, pair: SecurePair) -> Result<Self, Failure> {
        socket.set_nonblocking(true)?;
        let _ = socket.set_nodelay(true);
        Ok(Self {
            remote: socket.peer_addr().ok(),
            socket,
            pair,
            incoming: Vec::new(),
            outgoing: Vec::new(),
            transport_eof: false,
        })
    }

    /// Where the pair stands.
    pub fn status(&self) -> PairStatus {
        self.pair.status()
    }

    /// What to wait for: input while the pair takes it, output while bytes wait.
    pub fn interest(&self) -> Interest {
        let status = self.status();
        Interest {
            read: self.incoming.is_empty() && !self.transport_eof && status.wants_encrypted,
            write: self.has_output(),
        }
    }

    /// Encrypted bytes are still on their way to the peer.
    pub fn has_output(&self) -> bool {
        !self.outgoing.is_empty() || self.status().encrypted_pending > 0
    }

    /// Reads what the socket holds (without blocking) and feeds the pair.
    pub fn read_socket(&mut self) -> Result<(), Failure> {
        if self.transport_eof || !self.incoming.is_empty() {
            return self.feed();
        }
        let mut buf = [0u8; CHUNK];
        match self.socket.read(&mut buf) {
            Ok(0) => self.transport_eof = true,
            Ok(n) => self.incoming.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
        self.feed()
    }

    /// Gives the pair what it will take of the bytes read. A failure is the
    /// pair's: its alert may still wait in [`Self::flush`].
    pub fn feed(&mut self) -> Result<(), Failure> {
        while !self.incoming.is_empty() {
            let taken = self.pair.write_encrypted(&self.incoming)?;
            if taken == 0 {
                break;
            }
            self.incoming.drain(..taken);
        }
        Ok(())
    }

    /// All input read has been given to the pair.
    pub fn input_drained(&self) -> bool {
        self.incoming.is_empty()
    }

    /// Writes what the pair has for the peer, as far as the socket takes it.
    pub fn flush(&mut self) -> Result<(), Failure> {
        loop {
            if self.outgoing.is_empty() {
                self.outgoing = self.pair.read_encrypted(CHUNK);
                if self.outgoing.is_empty() {
                    return Ok(());
                }
            }
            match self.socket.write(&self.outgoing) {
                Ok(0) => return Err(Failure::plain("the connection closed while writing")),
                Ok(n) => {
                    self.outgoing.drain(..n);
                }
                Err(e)
                    if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::Interrupted =>
                {
                    return Ok(());
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Writes as much cleartext as the pair takes; returns how much.
    pub fn write_cleartext(&mut self, data: &[u8]) -> Result<usize, Failure> {
        let taken = self.pair.write_cleartext(data)?;
        self.flush()?;
        Ok(taken)
    }
}
