//! Waiting on several sockets at once. Rust's `std::net` on wasm32-wasip2
//! sits on wasi-libc, which implements `poll(2)` over `wasi:io/poll`
//! pollables of `wasi:sockets`: one wait covers the listener and every
//! connection, so a slow client never holds up the others.

use std::os::fd::AsRawFd;
use std::time::Duration;

/// What to wait for on one socket.
#[derive(Clone, Copy, Debug, Default)]
pub struct Interest {
    /// Wake when it can be read (or accepted from, or has hung up).
    pub read: bool,
    /// Wake when it can be written.
    pub write: bool,
}

/// What one socket is ready for.
#[derive(Clone, Copy, Debug, Default)]
pub struct Ready {
    /// Readable, or closed, or failed: a read will not block.
    pub read: bool,
    /// Writable, or failed: a write will not block.
    pub write: bool,
}

/// Waits until one of `sockets` is ready for what it is asked, or `timeout`
/// passes. Returns one answer per socket, in order.
pub fn wait(
    sockets: &[(&dyn AsRawFd, Interest)],
    timeout: Option<Duration>,
) -> std::io::Result<Vec<Ready>> {
    let mut fds: Vec<libc::pollfd> = sockets
        .iter()
        .map(|(socket, interest)| libc::pollfd {
            fd: socket.as_raw_fd(),
            events: if interest.read { libc::POLLIN } else { 0 }
                | if interest.write { libc::POLLOUT } else { 0 },
            revents: 0,
        })
        .collect();
    let timeout_ms = timeout.map_or(-1, |t| t.as_millis().clamp(1, i32::MAX as u128) as i32);
    // SAFETY: `fds` is a live, exclusively borrowed array of `fds.len()`
    // initialised `pollfd`s for the whole call; poll writes only `revents`.
    let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout_ms) };
    if n < 0 {
        let error = std::io::Error::last_os_error();
        if error.kind() == std::io::ErrorKind::Interrupted {
            return Ok(vec![Ready::default(); fds.len()]);
        }
        return Err(error);
    }
    let trouble = libc::POLLERR | libc::POLLHUP | libc::POLLNVAL;
    Ok(fds
        .iter()
        .map(|fd| Ready {
            read: fd.revents & (libc::POLLIN | trouble) != 0,
            write: fd.revents & (libc::POLLOUT | trouble) != 0,
        })
        .collect())
}
