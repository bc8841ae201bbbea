//! The exported `wasi:io` resources: each stream and pollable is either the
//! host's, passed through, or a TLS one of this component's.

use std::cell::RefCell;
use std::rc::Rc;

use crate::Provider;
use crate::bindings::exports::wasi::cli::{stdin, stdout};
use crate::bindings::exports::wasi::io::{error, poll, streams};
use crate::bindings::wasi::io::poll as host_poll;
use crate::bindings::wasi::io::streams as host;
use crate::conn::Conn;

/// The most bytes a host's `blocking-write-and-flush` takes in one call.
pub(crate) const HOST_WRITE_MAX: usize = 4096;

/// An exported `error`: a host's error or one of ours, as text.
pub struct Error(pub(crate) String);

impl error::GuestError for Error {
    fn to_debug_string(&self) -> String {
        self.0.clone()
    }
}

/// A `stream-error` carrying `message`.
pub(crate) fn failed(message: impl Into<String>) -> streams::StreamError {
    streams::StreamError::LastOperationFailed(error::Error::new(Error(message.into())))
}

/// The host's stream error, re-exported as ours.
pub(crate) fn from_host(e: host::StreamError) -> streams::StreamError {
    match e {
        host::StreamError::Closed => streams::StreamError::Closed,
        host::StreamError::LastOperationFailed(e) => failed(e.to_debug_string()),
    }
}

/// An exported `pollable`.
pub enum Pollable {
    /// Already ready (a TLS stream with cleartext waiting, a done handshake).
    Ready,
    /// Ready when the host's pollable is.
    Host(host_poll::Pollable),
}

impl Pollable {
    /// Wraps `pollable` as an exported handle.
    pub(crate) fn export(pollable: Pollable) -> poll::Pollable {
        poll::Pollable::new(pollable)
    }
}

impl poll::GuestPollable for Pollable {
    fn ready(&self) -> bool {
        match self {
            Pollable::Ready => true,
            Pollable::Host(p) => p.ready(),
        }
    }

    fn block(&self) {
        if let Pollable::Host(p) = self {
            p.block();
        }
    }
}

/// An exported `input-stream`.
pub enum Input {
    /// The host's stream, passed through.
    Host(host::InputStream),
    /// The cleartext of a TLS connection.
    Tls(Rc<RefCell<Conn>>),
}

impl Input {
    /// Up to `len` bytes, without waiting (`blocking`: at least one).
    pub(crate) fn read_bytes(
        &self,
        len: u64,
        blocking: bool,
    ) -> Result<Vec<u8>, streams::StreamError> {
        match self {
            Input::Host(s) if blocking => s.blocking_read(len).map_err(from_host),
            Input::Host(s) => s.read(len).map_err(from_host),
            Input::Tls(conn) => conn.borrow_mut().read_cleartext(len, blocking),
        }
    }

    /// Ready when `read_bytes` has something (or the end) to give.
    pub(crate) fn pollable(&self) -> Pollable {
        match self {
            Input::Host(s) => Pollable::Host(s.subscribe()),
            Input::Tls(conn) => conn.borrow().cleartext_pollable(),
        }
    }
}

impl streams::GuestInputStream for Input {
    fn read(&self, len: u64) -> Result<Vec<u8>, streams::StreamError> {
        self.read_bytes(len, false)
    }

    fn blocking_read(&self, len: u64) -> Result<Vec<u8>, streams::StreamError> {
        self.read_bytes(len, true)
    }

    fn skip(&self, len: u64) -> Result<u64, streams::StreamError> {
        Ok(self.read_bytes(len, false)?.len() as u64)
    }

    fn blocking_skip(&self, len: u64) -> Result<u64, streams::StreamError> {
        Ok(self.read_bytes(len, true)?.len() as u64)
    }

    fn subscribe(&self) -> poll::Pollable {
        Pollable::export(self.pollable())
    }
}

/// An exported `output-stream`.
pub enum Output {
    /// The host's stream, passed through.
    Host(host::OutputStream),
    /// The cleartext of a TLS connection: encrypted and sent at once.
    Tls(Rc<RefCell<Conn>>),
}

/// How much a TLS output stream takes per `write`.
const TLS_WRITE_MAX: u64 = 16 * 1024;

impl Output {
    /// Writes all of `bytes` and waits until the host took them.
    pub(crate) fn write_all(&self, bytes: &[u8]) -> Result<(), streams::StreamError> {
        match self {
            Output::Host(s) => {
                for chunk in bytes.chunks(HOST_WRITE_MAX) {
                    s.blocking_write_and_flush(chunk).map_err(from_host)?;
                }
                Ok(())
            }
            Output::Tls(conn) => conn.borrow_mut().write_cleartext(bytes),
        }
    }
}

impl streams::GuestOutputStream for Output {
    fn check_write(&self) -> Result<u64, streams::StreamError> {
        match self {
            Output::Host(s) => s.check_write().map_err(from_host),
            Output::Tls(conn) => conn.borrow().check_open().map(|()| TLS_WRITE_MAX),
        }
    }

    fn write(&self, contents: Vec<u8>) -> Result<(), streams::StreamError> {
        match self {
            Output::Host(s) => s.write(&contents).map_err(from_host),
            Output::Tls(_) => self.write_all(&contents),
        }
    }

    fn blocking_write_and_flush(&self, contents: Vec<u8>) -> Result<(), streams::StreamError> {
        match self {
            Output::Host(s) => s.blocking_write_and_flush(&contents).map_err(from_host),
            Output::Tls(_) => self.write_all(&contents),
        }
    }

    fn flush(&self) -> Result<(), streams::StreamError> {
        match self {
            Output::Host(s) => s.flush().map_err(from_host),
            Output::Tls(conn) => conn.borrow().check_open(),
        }
    }

    fn blocking_flush(&self) -> Result<(), streams::StreamError> {
        match self {
            Output::Host(s) => s.blocking_flush().map_err(from_host),
            Output::Tls(conn) => conn.borrow().check_open(),
        }
    }

    fn subscribe(&self) -> poll::Pollable {
        match self {
            Output::Host(s) => Pollable::export(Pollable::Host(s.subscribe())),
            Output::Tls(_) => Pollable::export(Pollable::Ready),
        }
    }

    fn write_zeroes(&self, len: u64) -> Result<(), streams::StreamError> {
        let len = usize::try_from(len).map_err(|_| failed("too many zeroes"))?;
        streams::GuestOutputStream::write(self, vec![0; len])
    }

    fn blocking_write_zeroes_and_flush(&self, len: u64) -> Result<(), streams::StreamError> {
        let len = usize::try_from(len).map_err(|_| failed("too many zeroes"))?;
        self.write_all(&vec![0; len])
    }

    fn splice(
        &self,
        src: streams::InputStreamBorrow<'_>,
        len: u64,
    ) -> Result<u64, streams::StreamError> {
        let bytes = src.get::<Input>().read_bytes(len, false)?;
        self.write_all(&bytes)?;
        Ok(bytes.len() as u64)
    }

    fn blocking_splice(
        &self,
        src: streams::InputStreamBorrow<'_>,
        len: u64,
    ) -> Result<u64, streams::StreamError> {
        let bytes = src.get::<Input>().read_bytes(len, true)?;
        self.write_all(&bytes)?;
        Ok(bytes.len() as u64)
    }
}

impl error::Guest for Provider {
    type Error = Error;
}

impl poll::Guest for Provider {
    type Pollable = Pollable;

    fn poll(in_: Vec<poll::PollableBorrow<'_>>) -> Vec<u32> {
        let pollables: Vec<&Pollable> = in_.iter().map(|p| p.get::<Pollable>()).collect();
        let ready: Vec<u32> = (0..pollables.len() as u32)
            .filter(|&i| matches!(pollables[i as usize], Pollable::Ready))
            .collect();
        if !ready.is_empty() {
            return ready;
        }
        // All are the host's: let the host wait, and map its indices back.
        let host: Vec<&host_poll::Pollable> = pollables
            .iter()
            .filter_map(|p| match p {
                Pollable::Host(h) => Some(h),
                Pollable::Ready => None,
            })
            .collect();
        host_poll::poll(&host)
    }
}

impl streams::Guest for Provider {
    type InputStream = Input;
    type OutputStream = Output;
}

impl stdin::Guest for Provider {
    fn get_stdin() -> streams::InputStream {
        streams::InputStream::new(Input::Host(crate::bindings::wasi::cli::stdin::get_stdin()))
    }
}

impl stdout::Guest for Provider {
    fn get_stdout() -> streams::OutputStream {
        streams::OutputStream::new(Output::Host(
            crate::bindings::wasi::cli::stdout::get_stdout(),
        ))
    }
}
