//! A TLS connection over a transport's two streams: the engine's pair,
//! moved by the engine's [`Driver`] (the one driver loop the components
//! share) over the transport's input and output.

use std::cell::RefCell;
use std::io::{self, ErrorKind, Read, Write};
use std::rc::Rc;

use tlsbox_engine::io::{Driver, pair_error};
use tlsbox_engine::pair::SecurePair;

use crate::bindings::exports::wasi::io::streams::StreamError;
use crate::streams::{Input, Output, Pollable, failed};

/// The most cleartext bytes one read returns.
const READ_MAX: u64 = 16 * 1024;

/// The transport's two streams as the driver's `Read + Write`: a read
/// waits for bytes only when `blocking`; a write always waits until the
/// host took the bytes.
pub(crate) struct Transport {
    input: Input,
    output: Output,
    blocking: bool,
}

impl Read for Transport {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.input.read_bytes(buf.len() as u64, self.blocking) {
            Ok(bytes) if bytes.is_empty() => Err(ErrorKind::WouldBlock.into()),
            Ok(bytes) => {
                let n = bytes.len().min(buf.len());
                buf[..n].copy_from_slice(&bytes[..n]);
                Ok(n)
            }
            Err(StreamError::Closed) => Ok(0),
            Err(e) => Err(io::Error::other(format!(
                "the transport failed: {}",
                describe(e)
            ))),
        }
    }
}

impl Write for Transport {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.output.write_all(buf).map_err(|e| {
            io::Error::other(format!("the transport refused output: {}", describe(e)))
        })?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// One TLS connection and its transport.
pub struct Conn {
    driver: Driver<Transport>,
}

impl Conn {
    /// A connection whose pair starts over `input` and `output`.
    pub(crate) fn new(pair: SecurePair, input: Input, output: Output) -> Self {
        let transport = Transport {
            input,
            output,
            blocking: false,
        };
        Self {
            driver: Driver::new(pair, transport),
        }
    }

    /// The engine's pair (for the connection's facts: ALPN, SNI, peer).
    pub(crate) fn pair(&self) -> &SecurePair {
        self.driver.pair()
    }

    /// Sends every encrypted byte the pair holds.
    fn flush_encrypted(&mut self) -> Result<(), String> {
        self.driver
            .write_pending()
            .map(drop)
            .map_err(|e| e.to_string())
    }

    /// One run of the driver, reading the transport only when nothing read
    /// is pending (`blocking`: waiting for bytes). The pair's own failure
    /// and a transport that ends mid-handshake show in the status and the
    /// transport's end, for the caller to report; the transport's failures
    /// are errors.
    fn pump(&mut self, blocking: bool) -> Result<(), String> {
        self.driver.transport_mut().blocking = blocking;
        match self.driver.complete_io() {
            Ok(_) => Ok(()),
            Err(e) if pair_error(&e).is_some() || e.kind() == ErrorKind::UnexpectedEof => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    }

    /// The transport's input ended and the pair took all of it.
    fn transport_done(&self) -> bool {
        self.driver.transport_eof() && self.driver.input_drained()
    }

    /// Moves the handshake on. None while it runs (after one step when not
    /// `blocking`); then whether it succeeded.
    pub(crate) fn handshake(&mut self, blocking: bool) -> Option<Result<(), String>> {
        let mut stepped = false;
        loop {
            let status = self.driver.status();
            if let Some(error) = status.failed {
                let _ = self.flush_encrypted();
                return Some(Err(error.to_string()));
            }
            if !status.handshaking {
                return Some(self.flush_encrypted());
            }
            if self.transport_done() {
                return Some(Err(
                    "ECONNRESET: the peer closed the transport during the handshake".into(),
                ));
            }
            if stepped && !blocking {
                return None;
            }
            if let Err(e) = self.pump(blocking) {
                return Some(Err(e));
            }
            stepped = true;
        }
    }

    /// Ready when the handshake can move on without waiting for the peer.
    pub(crate) fn handshake_pollable(&mut self) -> Pollable {
        // The first flight (a client's hello) goes out before anyone waits.
        let sent = self.flush_encrypted();
        let status = self.driver.status();
        if sent.is_err()
            || !status.handshaking
            || status.failed.is_some()
            || !self.driver.input_drained()
        {
            Pollable::Ready
        } else {
            self.driver.transport().input.pollable()
        }
    }

    /// Up to `len` cleartext bytes; without `blocking`, maybe none.
    pub(crate) fn read_cleartext(
        &mut self,
        len: u64,
        blocking: bool,
    ) -> Result<Vec<u8>, StreamError> {
        let len = usize::try_from(len.min(READ_MAX)).unwrap_or(usize::MAX);
        let mut pumped = false;
        loop {
            let status = self.driver.status();
            if status.cleartext_pending > 0 {
                return Ok(self.driver.pair_mut().read_cleartext(len));
            }
            if let Some(error) = status.failed {
                return Err(failed(error.to_string()));
            }
            if status.peer_closed || self.transport_done() {
                return Err(StreamError::Closed);
            }
            if pumped && !blocking {
                return Ok(Vec::new());
            }
            self.pump(blocking).map_err(failed)?;
            pumped = true;
        }
    }

    /// Ready when `read_cleartext` would not wait.
    pub(crate) fn cleartext_pollable(&self) -> Pollable {
        let status = self.driver.status();
        if status.cleartext_pending > 0
            || status.peer_closed
            || status.failed.is_some()
            || self.driver.transport_eof()
            || !self.driver.input_drained()
        {
            Pollable::Ready
        } else {
            self.driver.transport().input.pollable()
        }
    }

    /// Fails when no more cleartext may be written.
    pub(crate) fn check_open(&self) -> Result<(), StreamError> {
        let status = self.driver.status();
        match status.failed {
            Some(error) => Err(failed(error.to_string())),
            None if status.ended => Err(StreamError::Closed),
            None => Ok(()),
        }
    }

    /// Encrypts all of `bytes` and sends them.
    pub(crate) fn write_cleartext(&mut self, mut bytes: &[u8]) -> Result<(), StreamError> {
        self.check_open()?;
        while !bytes.is_empty() {
            let taken = self
                .driver
                .write_cleartext(bytes)
                .map_err(|e| failed(e.to_string()))?;
            if taken == 0 {
                return Err(failed("the TLS engine took no cleartext"));
            }
            bytes = &bytes[taken..];
        }
        Ok(())
    }

    /// Sends close_notify.
    pub(crate) fn close_output(&mut self) {
        let _ = self.driver.end();
    }
}

fn describe(e: StreamError) -> String {
    match e {
        StreamError::Closed => "closed".into(),
        StreamError::LastOperationFailed(e) => e.get::<crate::streams::Error>().0.clone(),
    }
}

/// A handshake under way, shared by the client and server futures: the
/// connection until the handshake ends, then its outcome once.
pub enum Handshaking {
    /// Not done yet (boxed: a connection is large, the other states small).
    Running(Box<Conn>),
    /// Could not even start (bad credentials).
    Refused(String),
    /// Done; `get` already answered.
    Taken,
}

impl Handshaking {
    /// A handshake of `pair` over `input` and `output`, or why `pair`
    /// could not be made.
    pub(crate) fn start(
        pair: Result<SecurePair, String>,
        input: Input,
        output: Output,
    ) -> RefCell<Self> {
        RefCell::new(match pair {
            Ok(pair) => Handshaking::Running(Box::new(Conn::new(pair, input, output))),
            Err(e) => Handshaking::Refused(e),
        })
    }
}

/// What `get` answers: none while running; then, once, the connection or
/// why it failed; an error after that.
pub(crate) type Outcome = Option<Result<Result<Rc<RefCell<Conn>>, String>, ()>>;

impl Handshaking {
    /// One non-blocking step, and the answer for `get`.
    pub(crate) fn get(state: &RefCell<Handshaking>) -> Outcome {
        let mut state = state.borrow_mut();
        let done = match &mut *state {
            Handshaking::Taken => return Some(Err(())),
            Handshaking::Refused(e) => Err(e.clone()),
            Handshaking::Running(conn) => match conn.handshake(false) {
                None => return None,
                Some(Ok(())) => Ok(()),
                Some(Err(e)) => Err(e),
            },
        };
        let conn = match std::mem::replace(&mut *state, Handshaking::Taken) {
            Handshaking::Running(conn) => conn,
            _ => return Some(Ok(Err(done.err().unwrap_or_default()))),
        };
        Some(Ok(done.map(|()| Rc::new(RefCell::new(*conn)))))
    }

    /// Ready when `get` can answer without waiting.
    pub(crate) fn pollable(state: &RefCell<Handshaking>) -> Pollable {
        match &mut *state.borrow_mut() {
            Handshaking::Running(conn) => conn.handshake_pollable(),
            _ => Pollable::Ready,
        }
    }
}
