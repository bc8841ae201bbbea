//! A TLS connection over a transport's two streams: the engine's pair, fed
//! from the transport's input and drained into its output.

use std::cell::RefCell;
use std::rc::Rc;

use tlsbox_engine::pair::SecurePair;

use crate::bindings::exports::wasi::io::streams::StreamError;
use crate::streams::{Input, Output, Pollable, failed};

/// The most transport bytes read per call.
const READ_CHUNK: u64 = 16 * 1024;
/// The most encrypted bytes taken from the pair per call.
const WRITE_CHUNK: usize = 16 * 1024;

/// One TLS connection and its transport.
pub struct Conn {
    pair: SecurePair,
    input: Input,
    output: Output,
    /// Transport bytes the pair did not take yet (it takes no more while
    /// cleartext waits to be read).
    pending: Vec<u8>,
    /// The transport's input ended.
    transport_closed: bool,
}

impl Conn {
    /// A connection whose pair starts over `input` and `output`.
    pub(crate) fn new(pair: SecurePair, input: Input, output: Output) -> Self {
        Self {
            pair,
            input,
            output,
            pending: Vec::new(),
            transport_closed: false,
        }
    }

    /// The engine's pair (for the connection's facts: ALPN, SNI, peer).
    pub(crate) fn pair(&self) -> &SecurePair {
        &self.pair
    }

    /// Sends every encrypted byte the pair holds.
    fn flush_encrypted(&mut self) -> Result<(), String> {
        loop {
            let bytes = self.pair.read_encrypted(WRITE_CHUNK);
            if bytes.is_empty() {
                return Ok(());
            }
            self.output
                .write_all(&bytes)
                .map_err(|e| format!("the transport refused output: {}", describe(e)))?;
        }
    }

    /// Feeds the pair what it will take, reading the transport once when
    /// nothing is pending (`blocking`: waiting for bytes), and sends its
    /// answer.
    fn pump(&mut self, blocking: bool) -> Result<(), String> {
        self.flush_encrypted()?;
        if self.pending.is_empty() && !self.transport_closed {
            match self.input.read_bytes(READ_CHUNK, blocking) {
                Ok(bytes) => self.pending = bytes,
                Err(StreamError::Closed) => self.transport_closed = true,
                Err(e) => return Err(format!("the transport failed: {}", describe(e))),
            }
        }
        if !self.pending.is_empty() {
            // A failure shows in the status; its alert goes out below.
            if let Ok(taken) = self.pair.write_encrypted(&self.pending) {
                self.pending.drain(..taken);
            }
        }
        self.flush_encrypted()
    }

    /// Moves the handshake on. None while it runs (after one step when not
    /// `blocking`); then whether it succeeded.
    pub(crate) fn handshake(&mut self, blocking: bool) -> Option<Result<(), String>> {
        let mut stepped = false;
        loop {
            let status = self.pair.status();
            if let Some(error) = status.failed {
                let _ = self.flush_encrypted();
                return Some(Err(error.to_string()));
            }
            if !status.handshaking {
                return Some(self.flush_encrypted());
            }
            if self.transport_closed && self.pending.is_empty() {
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
        let status = self.pair.status();
        if sent.is_err()
            || !status.handshaking
            || status.failed.is_some()
            || !self.pending.is_empty()
        {
            Pollable::Ready
        } else {
            self.input.pollable()
        }
    }

    /// Up to `len` cleartext bytes; without `blocking`, maybe none.
    pub(crate) fn read_cleartext(
        &mut self,
        len: u64,
        blocking: bool,
    ) -> Result<Vec<u8>, StreamError> {
        let len = usize::try_from(len.min(READ_CHUNK)).unwrap_or(WRITE_CHUNK);
        let mut pumped = false;
        loop {
            let status = self.pair.status();
            if status.cleartext_pending > 0 {
                return Ok(self.pair.read_cleartext(len));
            }
            if let Some(error) = status.failed {
                return Err(failed(error.to_string()));
            }
            if status.peer_closed || (self.transport_closed && self.pending.is_empty()) {
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
        let status = self.pair.status();
        if status.cleartext_pending > 0
            || status.peer_closed
            || status.failed.is_some()
            || self.transport_closed
            || !self.pending.is_empty()
        {
            Pollable::Ready
        } else {
            self.input.pollable()
        }
    }

    /// Fails when no more cleartext may be written.
    pub(crate) fn check_open(&self) -> Result<(), StreamError> {
        let status = self.pair.status();
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
                .pair
                .write_cleartext(bytes)
                .map_err(|e| failed(e.to_string()))?;
            self.flush_encrypted().map_err(failed)?;
            if taken == 0 {
                return Err(failed("the TLS engine took no cleartext"));
            }
            bytes = &bytes[taken..];
        }
        Ok(())
    }

    /// Sends close_notify.
    pub(crate) fn close_output(&mut self) {
        self.pair.end();
        let _ = self.flush_encrypted();
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
    /// Not done yet.
    Running(Conn),
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
            Ok(pair) => Handshaking::Running(Conn::new(pair, input, output)),
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
        Some(Ok(done.map(|()| Rc::new(RefCell::new(conn)))))
    }

    /// Ready when `get` can answer without waiting.
    pub(crate) fn pollable(state: &RefCell<Handshaking>) -> Pollable {
        match &mut *state.borrow_mut() {
            Handshaking::Running(conn) => conn.handshake_pollable(),
            _ => Pollable::Ready,
        }
    }
}
