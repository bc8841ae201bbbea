//! `CleartextStream`: the application's side of a secure pair, driving the
//! pair's encrypted side over any transport.
//!
//! The driver is one function, [`CleartextStream::pump`], that does the same
//! three steps in the same order whenever the stream is polled:
//! 1. send the encrypted bytes the pair has for the peer (until the
//!    transport pushes back);
//! 2. hand the pair the encrypted bytes already read from the peer (as many
//!    as it takes);
//! 3. read more from the peer, only when the pair wants more.
//!
//! Buffers are bounded: at most [`INCOMING_BUFFER`] bytes read ahead from
//! the peer (a connection starts with [`INCOMING_START`]), at most one chunk
//! of encrypted output in flight, and the pair itself holds a bounded
//! amount of cleartext both ways. A peer that never reads stalls its
//! writer; it never makes the host buffer more.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use serde_json::Value;

use tlsbox_node_shapes::json;

use crate::cert::{self, PeerCertificate};
use crate::connection_info::{Cipher, ConnectionInfo, EphemeralKeyInfo};
use crate::error::{Error, Result, TlsError};
use crate::keylog::KeyLogFile;
use crate::options::{Credentials, OcspRequest, ServerHooks};
use crate::sandbox::Sandbox;
use crate::wit::{GuestAwaiting, PairStatus, Step};

/// Encrypted bytes read ahead from the transport once the peer sends in
/// bulk: one full TLS record and then some.
const INCOMING_BUFFER: usize = 32 * 1024;
/// The read-ahead buffer a connection starts with, enough for a handshake's
/// flights and small messages. It grows to [`INCOMING_BUFFER`] after a read
/// fills it, so an idle connection does not hold 32 KiB: on a fresh server
/// (pages the allocator has never handed out need no zeroing) that saves
/// ~4 KiB per idle connection, and up to the whole 28 KiB once freed memory
/// is reused, which the allocator must zero for a zeroed buffer.
const INCOMING_START: usize = 4 * 1024;
/// The most encrypted bytes taken from the pair at once: a whole
/// [`CLEARTEXT_CHUNK`] sealed (four records' headers and tags on top).
const OUTGOING_CHUNK: usize = 80 * 1024;
/// The most cleartext handed to the pair in one call. 64 KiB, the size
/// writers commonly use: at 48 KiB a 64 KiB write took two guest calls and
/// two sends, and a ChaCha20-Poly1305 transfer cost 10–25% more server CPU
/// per byte.
const CLEARTEXT_CHUNK: usize = 64 * 1024;

/// Dropped when a connection ends: how servers count live connections.
pub(crate) type ConnectionGuard = Box<dyn Send + Sync>;

/// A secure connection's cleartext side (Node's `CleartextStream`):
/// `AsyncRead` yields what the peer sent, `AsyncWrite` sends to it, and
/// `shutdown` sends close_notify. Reading returns end-of-stream when the
/// peer sends close_notify (or its transport closes).
pub struct CleartextStream<IO = tokio::net::TcpStream> {
    io: IO,
    sandbox: Sandbox,
    status: PairStatus,
    incoming: Box<[u8]>,
    incoming_start: usize,
    incoming_end: usize,
    outgoing: Vec<u8>,
    outgoing_start: usize,
    transport_eof: bool,
    failed: Option<io::ErrorKind>,
    failure: Option<String>,
    info: ConnectionInfo,
    /// The peer's certificate once asked for: `Some(None)` when it sent none.
    peer_certificate: Option<Option<PeerCertificate>>,
    /// This side's certificate once asked for: `Some(None)` when it has none.
    local_certificate: Option<Option<PeerCertificate>>,
    local_addr: Option<SocketAddr>,
    remote_addr: Option<SocketAddr>,
    keylog: Option<KeyLogFile>,
    _guard: Option<ConnectionGuard>,
}

impl<IO> std::fmt::Debug for CleartextStream<IO> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CleartextStream")
            .field("info", &self.info)
            .field("remote_addr", &self.remote_addr)
            .finish_non_exhaustive()
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> CleartextStream<IO> {
    /// Wraps `io` around a pair; the handshake is driven by [`Self::handshake`].
    pub(crate) fn new(io: IO, mut sandbox: Sandbox) -> Result<Self> {
        let status = sandbox.status()?;
        Ok(Self {
            io,
            sandbox,
            status,
            incoming: vec![0; INCOMING_START].into_boxed_slice(),
            incoming_start: 0,
            incoming_end: 0,
            outgoing: Vec::new(),
            outgoing_start: 0,
            transport_eof: false,
            failed: None,
            failure: None,
            info: ConnectionInfo::default(),
            peer_certificate: None,
            local_certificate: None,
            local_addr: None,
            remote_addr: None,
            keylog: None,
            _guard: None,
        })
    }

    pub(crate) fn set_addresses(&mut self, local: Option<SocketAddr>, remote: Option<SocketAddr>) {
        self.local_addr = local;
        self.remote_addr = remote;
    }

    /// Where the pair's key log lines go (the pair must be made with `keylog`).
    pub(crate) fn set_keylog(&mut self, keylog: Option<KeyLogFile>) {
        self.keylog = keylog;
    }

    pub(crate) fn set_guard(&mut self, guard: ConnectionGuard) {
        self._guard = Some(guard);
    }

    /// Drives the handshake to its end, then records what the pair reports.
    pub(crate) async fn handshake(&mut self) -> Result<()> {
        self.handshake_with(&ServerHooks::default()).await
    }

    /// [`Self::handshake`] for a server pair that may pause after the
    /// ClientHello for its `hooks` (Node's `SNICallback`, `ALPNCallback`,
    /// `OCSPRequest`).
    pub(crate) async fn handshake_with(&mut self, hooks: &ServerHooks) -> Result<()> {
        let done = self.drive_handshake(hooks).await;
        // rustls reports every secret during the handshake (it logs none on
        // key updates), so one take afterwards is all of them; a failed
        // handshake's secrets help debug it.
        if let Some(keylog) = &self.keylog
            && let Ok(lines) = self.sandbox.take_keylog()
        {
            keylog.append(&lines);
        }
        done?;
        self.info = self.sandbox.connection_info()?;
        Ok(())
    }

    /// Runs the handshake, pausing for `hooks` whenever the pair awaits a
    /// decision. A missing hook answers `None` (the pair's own choice).
    async fn drive_handshake(&mut self, hooks: &ServerHooks) -> Result<()> {
        loop {
            std::future::poll_fn(|cx| self.poll_handshake(cx)).await?;
            let Some(awaiting) = self.status.awaiting.take() else {
                return Ok(());
            };
            let answered = match awaiting {
                GuestAwaiting::Context(servername) => {
                    let credentials = match &hooks.sni {
                        Some(callback) => callback
                            .call(servername)
                            .await
                            .map_err(|e| Error::SniCallback(e.to_string()))?,
                        None => None,
                    };
                    let guest = credentials.as_ref().map(Credentials::to_guest);
                    self.sandbox.supply_context(guest.as_ref())
                }
                GuestAwaiting::Alpn(offer) => {
                    let choice = hooks.alpn.as_ref().and_then(|callback| {
                        callback.call(offer.servername.as_deref(), &offer.protocols)
                    });
                    self.sandbox.supply_alpn(choice.as_deref())
                }
                GuestAwaiting::Ocsp(chain) => {
                    let mut chain = chain.into_iter();
                    let request = OcspRequest {
                        certificate: chain.next().unwrap_or_default(),
                        issuer: chain.next(),
                    };
                    let response = match &hooks.ocsp {
                        Some(callback) => callback
                            .call(request)
                            .await
                            .map_err(|e| Error::OcspCallback(e.to_string()))?,
                        None => None,
                    };
                    self.sandbox.supply_ocsp(response.as_deref())
                }
            };
            if let Err(error) = answered {
                // A refusal (no ALPN protocol) leaves its alert to send.
                let mut error = Some(error);
                let error = std::future::poll_fn(|cx| {
                    let error = error.take().expect("polled once");
                    Poll::Ready(self.fail(cx, error))
                });
                return Err(error.await);
            }
            self.status = self.sandbox.status()?;
        }
    }

    /// Ready when the handshake is done, or when the pair waits for its
    /// caller's decision (`status.awaiting`).
    fn poll_handshake(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        loop {
            if !self.status.handshaking {
                // Send what finished the handshake (a client's Finished) now
                // if the transport takes it; anything left goes on next poll.
                let _ = self.send_outgoing(cx);
                return Poll::Ready(Ok(()));
            }
            if self.status.awaiting.is_some() {
                return Poll::Ready(Ok(()));
            }
            let progress = self.pump(cx)?;
            if self.transport_eof
                && self.incoming_start == self.incoming_end
                && self.status.handshaking
            {
                return Poll::Ready(Err(Error::HangUp));
            }
            if !progress {
                return Poll::Pending;
            }
        }
    }

    /// One pass of the driver (see the module docs). Returns whether anything
    /// moved; when nothing did, a transport poll has registered the waker.
    fn pump(&mut self, cx: &mut Context<'_>) -> Result<bool> {
        if let Some(kind) = self.failed {
            return Err(Error::Io(io::Error::new(
                kind,
                self.failure.clone().unwrap_or_default(),
            )));
        }
        let mut progress = self.send_outgoing(cx)?;

        if self.incoming_start < self.incoming_end && self.status.wants_encrypted {
            let data = &self.incoming[self.incoming_start..self.incoming_end];
            let step = match self.sandbox.push_encrypted(data, self.room_for_output()) {
                Ok(step) => step,
                Err(error) => return Err(self.fail(cx, error)),
            };
            let taken = step.taken as usize;
            self.take_step(step);
            self.incoming_start += taken;
            if self.incoming_start == self.incoming_end {
                self.incoming_start = 0;
                self.incoming_end = 0;
            }
            progress |= taken > 0;
            progress |= self.send_outgoing(cx)?;
        }

        if self.incoming_end == 0 && self.status.wants_encrypted && !self.transport_eof {
            let mut buf = ReadBuf::new(&mut self.incoming);
            match Pin::new(&mut self.io).poll_read(cx, &mut buf) {
                Poll::Ready(Ok(())) => {
                    let n = buf.filled().len();
                    if n == self.incoming.len() && n < INCOMING_BUFFER {
                        // The peer sends in bulk: read ahead in full-size
                        // reads from now on (the one copy of this read's
                        // bytes is the price of starting small).
                        let mut grown = vec![0; INCOMING_BUFFER];
                        grown[..n].copy_from_slice(&self.incoming);
                        self.incoming = grown.into_boxed_slice();
                    }
                    self.incoming_end = n;
                    self.transport_eof = n == 0;
                    progress = true;
                }
                Poll::Ready(Err(e)) => return Err(Error::Io(e)),
                Poll::Pending => {}
            }
        }
        Ok(progress)
    }

    /// Encrypted output is waiting for the transport, here or in the pair.
    fn output_in_flight(&self) -> bool {
        self.outgoing_start < self.outgoing.len() || self.status.encrypted_pending > 0
    }

    /// How much encrypted output the next step may bring back: all it has
    /// once the last output is on the wire, none before (one chunk in flight).
    fn room_for_output(&self) -> usize {
        if self.outgoing_start == self.outgoing.len() {
            OUTGOING_CHUNK
        } else {
            0
        }
    }

    /// Keeps a step's status and its encrypted output.
    fn take_step(&mut self, step: Step) {
        self.status = step.status;
        if !step.encrypted.is_empty() {
            self.outgoing = step.encrypted;
            self.outgoing_start = 0;
        }
    }

    /// Writes the pair's encrypted output to the transport until it pushes
    /// back. Returns whether anything was written.
    fn send_outgoing(&mut self, cx: &mut Context<'_>) -> Result<bool> {
        let mut progress = false;
        loop {
            if self.outgoing_start == self.outgoing.len() {
                if self.status.encrypted_pending == 0 {
                    return Ok(progress);
                }
                let step = self.sandbox.pull_encrypted(OUTGOING_CHUNK)?;
                self.status = step.status;
                self.outgoing = step.encrypted;
                self.outgoing_start = 0;
                if self.outgoing.is_empty() {
                    return Ok(progress);
                }
            }
            match Pin::new(&mut self.io).poll_write(cx, &self.outgoing[self.outgoing_start..]) {
                Poll::Ready(Ok(0)) => return Err(Error::Io(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => {
                    self.outgoing_start += n;
                    progress = true;
                }
                Poll::Ready(Err(e)) => return Err(Error::Io(e)),
                Poll::Pending => return Ok(progress),
            }
        }
    }

    /// A TLS failure: send the alert the pair queued (best effort, without
    /// waiting), and make the failure sticky.
    fn fail(&mut self, cx: &mut Context<'_>, error: Error) -> Error {
        if let Ok(status) = self.sandbox.status() {
            self.status = status;
        }
        let _ = self.send_outgoing(cx);
        let _ = Pin::new(&mut self.io).poll_flush(cx);
        self.failed = Some(io::ErrorKind::InvalidData);
        self.failure = Some(error.to_string());
        error
    }

    /// Marks the connection unauthorized for `error` (a client's
    /// `checkServerIdentity` refusal when rejection is off).
    pub(crate) fn set_authorization_error(&mut self, error: TlsError) {
        self.info.authorized = false;
        self.info.authorization_error = Some(error);
    }

    /// What the handshake established.
    pub fn info(&self) -> &ConnectionInfo {
        &self.info
    }

    /// The peer's certificate verified (Node's `authorized`).
    pub fn authorized(&self) -> bool {
        self.info.authorized
    }

    /// Why it did not (Node's `authorizationError`).
    pub fn authorization_error(&self) -> Option<&TlsError> {
        self.info.authorization_error.as_ref()
    }

    /// The peer's certificate (Node's `getPeerCertificate()`); its issuers
    /// hang off `issuer_certificate`. Described by the guest on the first
    /// call, as Node does on each: most connections never ask, and
    /// describing a chain costs about a fifth of a client's handshake.
    /// `None` when the peer sent none, before the handshake, or when the
    /// sandbox can no longer answer.
    pub fn peer_certificate(&mut self) -> Option<&PeerCertificate> {
        if self.peer_certificate.is_none() && !self.status.handshaking {
            let chain = self.sandbox.peer_certificate_chain().unwrap_or_default();
            self.peer_certificate = Some(cert::from_wit_chain(chain));
        }
        self.peer_certificate.as_ref().and_then(Option::as_ref)
    }

    /// This side's own certificate (Node's `getCertificate()`): a server's
    /// for the context it chose by SNI, a client's when it was given one.
    /// Described by the guest on the first call; `None` when this side has
    /// no certificate (Node's `{}`), before the handshake, or when the
    /// sandbox can no longer answer.
    pub fn certificate(&mut self) -> Option<&PeerCertificate> {
        if self.local_certificate.is_none() && !self.status.handshaking {
            let described = self.sandbox.local_certificate().ok().flatten();
            self.local_certificate = Some(described.map(cert::from_wit));
        }
        self.local_certificate.as_ref().and_then(Option::as_ref)
    }

    /// The key exchange a client agreed with its server (Node's
    /// `getEphemeralKeyInfo()`: `{ type: 'ECDH', name: 'X25519', size: 253 }`).
    /// `None` on a server (where Node returns `null`), before the
    /// handshake, and where Node reports `{}`.
    pub fn ephemeral_key_info(&self) -> Option<&EphemeralKeyInfo> {
        self.info.ephemeral_key.as_ref()
    }

    /// The OCSP response the server stapled (DER), on a client made with
    /// [`crate::ConnectOptions::request_ocsp`] (Node's `OCSPResponse`
    /// event). `None` when the server stapled none.
    pub fn ocsp_response(&self) -> Option<&[u8]> {
        self.info.ocsp_response.as_deref()
    }

    /// The ALPN protocol agreed on (Node's `alpnProtocol`).
    pub fn alpn_protocol(&self) -> Option<&str> {
        self.info.alpn_protocol.as_deref()
    }

    /// Node v0.6's `npnProtocol`: NPN is gone, ALPN carries the same answer.
    pub fn npn_protocol(&self) -> Option<&str> {
        self.alpn_protocol()
    }

    /// The SNI name: sent by this client, or received by this server.
    pub fn servername(&self) -> Option<&str> {
        self.info.servername.as_deref()
    }

    /// Node's `getCipher()`.
    pub fn cipher(&self) -> Option<&Cipher> {
        self.info.cipher.as_ref()
    }

    /// Whether the handshake resumed an earlier session (Node's
    /// `isSessionReused()`).
    pub fn is_session_reused(&self) -> bool {
        self.info.session_reused
    }

    /// Node's `exportKeyingMaterial(length, label, context)`: `length`
    /// bytes of keying material from the connection's secrets (RFC 5705;
    /// RFC 8446 §7.5), the same at the peer for the same label and
    /// context. An error before the handshake is done, for a zero length,
    /// or for more than the sandbox's bytes-per-call limit.
    pub fn export_keying_material(
        &mut self,
        length: usize,
        label: &str,
        context: Option<&[u8]>,
    ) -> Result<Vec<u8>> {
        self.sandbox.export_keying_material(length, label, context)
    }

    /// On a client connection made by [`crate::connect`]: its sessions,
    /// for a later connection to resume through
    /// [`crate::ConnectOptions::session`] (Node's `getSession()`). Taken
    /// once the server's tickets have arrived (after the first data from
    /// the server, or at its close), it holds them; taken sooner, the
    /// next connection resumes only if they arrive before it starts. `None`
    /// on a server connection.
    pub fn session(&self) -> Option<crate::ClientSession> {
        self.sandbox
            .client_instance()
            .map(|instance| crate::ClientSession { instance })
    }

    /// Node's `getProtocol()`: `TLSv1.2` or `TLSv1.3`.
    pub fn protocol(&self) -> Option<&str> {
        self.info.protocol.as_deref()
    }

    /// This end's address (Node's `address()`), when the transport is a socket.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.local_addr
    }

    /// The peer's address (Node's `remoteAddress`/`remotePort`).
    pub fn remote_addr(&self) -> Option<SocketAddr> {
        self.remote_addr
    }

    /// The stream's state as the JSON of Node's `TLSSocket`, under Node's
    /// names: `authorized`, `authorizationError` (the code), `servername` and
    /// `alpnProtocol` (`false` when none), `getProtocol()` as `protocol`,
    /// `getCipher()` as `cipher`, `remoteAddress`, `remotePort` and
    /// `getPeerCertificate(true)` as `peerCertificate` (`{}` when none).
    /// `tlsbox server --json` prints this; tests compare it with Node's.
    pub fn to_json(&mut self) -> Value {
        // Described by the guest on first use, then read where it is kept.
        self.peer_certificate();
        let peer_certificate = self.peer_certificate.as_ref().and_then(Option::as_ref);
        let code = self.authorization_error().map(|e| e.code());
        json::socket(&json::SocketView {
            authorized: self.authorized(),
            authorization_error: code.as_deref(),
            servername: self.servername(),
            alpn_protocol: self.alpn_protocol(),
            protocol: self.protocol(),
            cipher: self.cipher(),
            remote: self.remote_addr(),
            peer_certificate,
            session_reused: self.is_session_reused(),
            client: self.sandbox.is_client(),
            ephemeral_key: self.ephemeral_key_info(),
            ocsp_response: self.ocsp_response(),
        })
    }

    /// Bytes this connection holds and has not delivered yet: encrypted
    /// input read ahead, encrypted output not yet taken by the transport,
    /// and what the pair buffers both ways. Bounded by fixed sizes whatever
    /// the peer does; a diagnostic for tests and metrics.
    pub fn buffered_bytes(&self) -> usize {
        (self.incoming_end - self.incoming_start)
            + (self.outgoing.len() - self.outgoing_start)
            + self.status.encrypted_pending as usize
            + self.status.cleartext_pending as usize
    }

    /// How many encrypted bytes this connection can read ahead now.
    #[cfg(test)]
    pub(crate) fn read_ahead_capacity(&self) -> usize {
        self.incoming.len()
    }

    /// Records the host sealed in place in the engine's output: the bulk
    /// path of [`crate::Crypto::Host`], taken when the application writes
    /// while no output is waiting. A diagnostic for tests and benchmarks.
    pub fn records_sealed_by_host(&self) -> usize {
        self.sandbox.sealed_in_output()
    }

    /// The transport underneath.
    pub fn get_ref(&self) -> &IO {
        &self.io
    }
}

fn to_io(error: Error) -> io::Error {
    error.into()
}

impl<IO: AsyncRead + AsyncWrite + Unpin> AsyncRead for CleartextStream<IO> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        loop {
            if this.status.cleartext_pending > 0 {
                let max = buf.remaining().min(this.status.cleartext_pending as usize);
                let status = this
                    .sandbox
                    .pull_cleartext(max, |data| buf.put_slice(data))
                    .map_err(to_io)?;
                this.status = status;
                return Poll::Ready(Ok(()));
            }
            if let Some(error) = &this.status.failed {
                let error = Error::Tls(TlsError::from(error.clone()));
                return Poll::Ready(Err(to_io(error)));
            }
            if this.status.peer_closed
                || (this.transport_eof && this.incoming_start == this.incoming_end)
            {
                return Poll::Ready(Ok(()));
            }
            if !this.pump(cx).map_err(to_io)? {
                return Poll::Pending;
            }
        }
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> AsyncWrite for CleartextStream<IO> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if data.is_empty() {
            return Poll::Ready(Ok(0));
        }
        loop {
            if this.output_in_flight() {
                // Send what is waiting first: cleartext pushed once all of
                // it is on the wire takes the bulk path (its records reach
                // the host in place and are sealed there: three copies
                // fewer per record), and a transport that pushes back
                // holds the writer here rather than the pair filling up
                // with sealed output.
                if !this.pump(cx).map_err(to_io)? {
                    return Poll::Pending;
                }
                continue;
            }
            let chunk = &data[..data.len().min(CLEARTEXT_CHUNK)];
            let step = this
                .sandbox
                .push_cleartext(chunk, this.room_for_output())
                .map_err(to_io)?;
            let taken = step.taken as usize;
            this.take_step(step);
            if taken > 0 {
                this.send_outgoing(cx).map_err(to_io)?;
                return Poll::Ready(Ok(taken));
            }
            // The pair's output is full: move it to the transport first.
            if !this.pump(cx).map_err(to_io)? {
                return Poll::Pending;
            }
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        this.send_outgoing(cx).map_err(to_io)?;
        if this.outgoing_start < this.outgoing.len() || this.status.encrypted_pending > 0 {
            return Poll::Pending;
        }
        Pin::new(&mut this.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if !self.status.ended {
            let this = &mut *self;
            let step = this.sandbox.end(this.room_for_output()).map_err(to_io)?;
            this.take_step(step);
        }
        ready!(self.as_mut().poll_flush(cx))?;
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests;
