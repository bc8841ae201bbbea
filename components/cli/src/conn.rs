//! One TLS connection over a non-blocking socket: the engine's [`Driver`],
//! the one driver loop the components share, over the socket; and what the
//! poll loop waits for on it.

use std::net::{SocketAddr, TcpStream};

use tlsbox_engine::io::Driver;
use tlsbox_engine::pair::SecurePair;

use crate::Failure;
use crate::poll::Interest;

/// A pair driven over its socket.
pub type TlsConn = Driver<TcpStream>;

/// Drives `pair` over `socket`, made non-blocking; with the peer's address.
pub fn new(socket: TcpStream, pair: SecurePair) -> Result<(TlsConn, Option<SocketAddr>), Failure> {
    socket.set_nonblocking(true)?;
    let _ = socket.set_nodelay(true);
    let remote = socket.peer_addr().ok();
    Ok((Driver::new(pair, socket), remote))
}

/// What to wait for: input while the pair takes it, output while bytes wait.
pub fn interest(tls: &TlsConn) -> Interest {
    Interest {
        read: tls.wants_read(),
        write: tls.wants_write(),
    }
}
