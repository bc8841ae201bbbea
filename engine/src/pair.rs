//! A secure pair: one TLS connection, client or server side, as an encrypted pipe.

use std::io::{self, BufRead, Write};
use std::net::IpAddr;
use std::sync::Arc;

use rustls::client::{ResolvesClientCert, Resumption};
use rustls::server::{Accepted, Acceptor, ClientHello, NoServerSessionStorage, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::{
    ClientConfig, ClientConnection, Connection, ServerConfig, ServerConnection, SignatureScheme,
};
use rustls_pki_types::{CertificateDer, ServerName};

use crate::cert_info::{self, PeerCertificate};
use crate::cipher::{self, Cipher};
use crate::context::SecureContext;
use crate::error::{Error, ErrorCode};
use crate::node_verifiers::{NodeClientVerifier, NodeServerVerifier, SharedVerdict};
use crate::server::ServerShared;
use crate::tls_error::from_rustls;

/// Encrypted bytes a pair holds for its caller before it refuses more cleartext.
const OUTBOX_LIMIT: usize = 64 * 1024;
/// Decrypted bytes past which a pair refuses more encrypted input: rustls'
/// own limit on received plaintext, which it enforces only once it holds
/// *more* than this. So a pair holding one full record still takes the
/// next: stopping at one record cost the receive path a second guest call
/// per record, and the bytes of the next record crossed into the guest
/// twice.
const PLAINTEXT_LIMIT: usize = 16 * 1024;

/// How a client connects (Node's `tls.connect` options).
#[derive(Clone, Debug, Default)]
pub struct ClientOptions {
    /// The SNI name to send; `None` sends none (an IP host).
    pub servername: Option<String>,
    /// The name or IP the server's certificate must match (`servername || host`).
    /// Empty: verify the chain only, as Node v0.6's `createSecurePair` did.
    pub check_host: String,
    /// Fail the handshake when the server's certificate does not verify.
    pub reject_unauthorized: bool,
    /// ALPN protocols to offer, in order.
    pub alpn_protocols: Vec<String>,
    /// Record the pair's secrets for [`SecurePair::take_keylog`].
    pub keylog: bool,
    /// Node's `ciphers`: the suites to offer (see [`crate::cipher::select`]);
    /// `None` offers rustls' safe defaults.
    pub ciphers: Option<String>,
}

/// The names of a client connection to a host, by Node's `tls.connect`
/// rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectNames {
    /// [`ClientOptions::servername`]: the `servername` option, else the
    /// host, unless the host is an IP address (RFC 6066 puts no address in
    /// SNI).
    pub servername: Option<String>,
    /// [`ClientOptions::check_host`]: `servername || host`.
    pub check_host: String,
}

impl ConnectNames {
    /// The names for connecting to `host` with the `servername` option.
    pub fn new(host: &str, servername: Option<&str>) -> Self {
        let servername = match servername {
            Some(name) => Some(name.to_string()),
            None if host.parse::<std::net::IpAddr>().is_ok() => None,
            None => Some(host.to_string()),
        };
        Self {
            check_host: servername.clone().unwrap_or_else(|| host.to_string()),
            servername,
        }
    }
}

/// Where a pair stands.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PairStatus {
    /// The handshake has not finished.
    pub handshaking: bool,
    /// The pair takes more encrypted input now.
    pub wants_encrypted: bool,
    /// Encrypted bytes waiting for [`SecurePair::read_encrypted`].
    pub encrypted_pending: usize,
    /// Cleartext bytes waiting for [`SecurePair::read_cleartext`].
    pub cleartext_pending: usize,
    /// The peer sent close_notify.
    pub peer_closed: bool,
    /// This side called [`SecurePair::end`].
    pub ended: bool,
    /// The pair failed with this error.
    pub failed: Option<Error>,
    /// A server with an SNI callback has read a ClientHello naming this
    /// server: it waits for [`SecurePair::supply_context`] before going on.
    pub awaiting_context: Option<String>,
}

enum State {
    /// A server waiting for the whole ClientHello to pick a context.
    Accepting {
        acceptor: Box<Acceptor>,
        server: Arc<ServerShared>,
    },
    /// A server that read the ClientHello and waits for its caller to pick
    /// the context for `servername` (Node's `SNICallback`).
    AwaitingContext {
        accepted: Box<Accepted>,
        server: Arc<ServerShared>,
        servername: String,
    },
    /// Handshaking or established.
    Connected(Box<Connection>),
    /// Failed before a connection existed.
    Dead,
}

/// Hands `data` to rustls to frame and encrypt; how much it took.
fn write_plaintext(connection: &mut Connection, data: &[u8]) -> Result<usize, Error> {
    connection
        .writer()
        .write(data)
        .map_err(|e| Error::new(ErrorCode::ErrTlsInvalidState, e.to_string()))
}

/// One TLS connection as an encrypted pipe. See the crate docs.
pub struct SecurePair {
    state: State,
    outbox: Vec<u8>,
    outbox_start: usize,
    cleartext_pending: usize,
    peer_closed: bool,
    ended: bool,
    failed: Option<Error>,
    verdict: SharedVerdict,
    /// Secrets recorded for the key log, when asked for.
    keylog: Option<Arc<KeyLogLines>>,
    /// For a server: whether it asked for a client certificate.
    request_cert: bool,
    is_server: bool,
    client_servername: Option<String>,
}

impl SecurePair {
    /// A client-side pair; its ClientHello waits in [`Self::read_encrypted`].
    pub fn connect(context: &SecureContext, options: &ClientOptions) -> Result<Self, Error> {
        let invalid = |what: &str| Error::new(ErrorCode::ErrInvalidArgValue, what.to_string());
        let server_name = match &options.servername {
            Some(name) if name.parse::<IpAddr>().is_ok() => {
                return Err(invalid(&format!(
                    "The property 'options.servername' is invalid. Received '{name}': \
                     setting an IP address as servername is not permitted (RFC 6066)"
                )));
            }
            Some(name) => ServerName::try_from(name.clone())
                .map_err(|_| invalid(&format!("invalid servername {name:?}")))?,
            // No SNI will be sent; rustls still wants a name, which it uses
            // for nothing else here (our verifier checks `check_host`).
            None => match options.check_host.parse::<IpAddr>() {
                Ok(ip) => ServerName::IpAddress(ip.into()),
                Err(_) => ServerName::try_from("localhost").expect("a valid DNS name"),
            },
        };
        let verdict = SharedVerdict::default();
        let verifier = NodeServerVerifier {
            trust: context.trust.clone(),
            check_host: options.check_host.clone(),
            reject_unauthorized: options.reject_unauthorized,
            verdict: verdict.clone(),
        };
        // `dangerous()` is rustls' door to any custom verifier; ours verifies
        // fully (webpki chain + Node's hostname check), see `verifier`.
        let provider = crate::provider_with_ciphers(options.ciphers.as_deref())?;
        let builder = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| from_rustls(&e))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier));
        let mut config = match &context.certified_key {
            Some(key) => builder.with_client_cert_resolver(Arc::new(FixedCert(key.clone()))),
            None => builder.with_no_client_auth(),
        };
        config.alpn_protocols = protocol_list(&options.alpn_protocols);
        // One instance per connection: a resumption cache would never be reused.
        config.resumption = Resumption::disabled();
        config.enable_sni = options.servername.is_some();
        let keylog: Option<Arc<KeyLogLines>> = options.keylog.then(Arc::default);
        if let Some(keylog) = &keylog {
            config.key_log = keylog.clone();
        }
        let connection =
            ClientConnection::new(Arc::new(config), server_name).map_err(|e| from_rustls(&e))?;
        let mut pair = Self::new(State::Connected(Box::new(connection.into())), verdict);
        pair.client_servername = options.servername.clone();
        pair.keylog = keylog;
        pair.flush();
        Ok(pair)
    }

    /// A server-side pair of `server`, waiting for a ClientHello.
    pub(crate) fn accept(server: Arc<ServerShared>) -> Self {
        let request_cert = server.options.request_cert;
        let keylog: Option<Arc<KeyLogLines>> = server.options.keylog.then(Arc::default);
        let state = State::Accepting {
            acceptor: Box::default(),
            server,
        };
        let mut pair = Self::new(state, SharedVerdict::default());
        pair.is_server = true;
        pair.request_cert = request_cert;
        pair.keylog = keylog;
        pair
    }

    fn new(state: State, verdict: SharedVerdict) -> Self {
        Self {
            state,
            outbox: Vec::new(),
            outbox_start: 0,
            cleartext_pending: 0,
            peer_closed: false,
            ended: false,
            failed: None,
            verdict,
            keylog: None,
            request_cert: false,
            is_server: false,
            client_servername: None,
        }
    }

    /// Feeds bytes received from the peer. Returns how many were taken:
    /// fewer than given when cleartext must be read first, or once the peer
    /// has closed. A failure is sticky; the alert to send may still wait in
    /// [`Self::read_encrypted`].
    pub fn write_encrypted(&mut self, mut data: &[u8]) -> Result<usize, Error> {
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        let total = data.len();
        if let State::Accepting { .. } = self.state {
            self.feed_acceptor(&mut data)?;
        }
        if let State::Connected(_) = self.state {
            self.feed_connection(&mut data)?;
        }
        self.flush();
        Ok(total - data.len())
    }

    fn feed_acceptor(&mut self, data: &mut &[u8]) -> Result<(), Error> {
        let State::Accepting { acceptor, server } = &mut self.state else {
            return Ok(());
        };
        while !data.is_empty() {
            if acceptor.read_tls(data).is_err() {
                let error = Error::new(ErrorCode::ErrSslProtocolError, "ClientHello too large");
                self.state = State::Dead;
                return Err(self.fail(error));
            }
            match acceptor.accept() {
                Ok(None) => continue,
                Ok(Some(accepted)) => {
                    let server = server.clone();
                    let servername = accepted.client_hello().server_name().map(str::to_string);
                    return match servername {
                        // Node calls SNICallback only when the client sent a name.
                        Some(servername) if server.options.sni_callback => {
                            self.state = State::AwaitingContext {
                                accepted: Box::new(accepted),
                                server,
                                servername,
                            };
                            Ok(())
                        }
                        servername => {
                            let context = server.context_for(servername.as_deref());
                            self.start_connection(accepted, &server, context)
                        }
                    };
                }
                Err((error, mut alert)) => {
                    let _ = alert.write_all(&mut self.outbox);
                    self.state = State::Dead;
                    return Err(self.fail(from_rustls(&error)));
                }
            }
        }
        Ok(())
    }

    /// Builds the server connection for an accepted ClientHello with `context`.
    fn start_connection(
        &mut self,
        accepted: Accepted,
        server: &ServerShared,
        context: Arc<SecureContext>,
    ) -> Result<(), Error> {
        let config = match server_config(server, context, self.verdict.clone(), self.keylog.clone())
        {
            Ok(config) => config,
            Err(error) => {
                self.state = State::Dead;
                return Err(self.fail(error));
            }
        };
        match accepted.into_connection(config) {
            Ok(connection) => {
                self.state = State::Connected(Box::new(ServerConnection::into(connection)));
                Ok(())
            }
            Err((error, mut alert)) => {
                let _ = alert.write_all(&mut self.outbox);
                self.state = State::Dead;
                Err(self.fail(from_rustls(&error)))
            }
        }
    }

    /// Answers [`PairStatus::awaiting_context`]: the context to serve, or
    /// `None` for what the server's `add_context` table (then its default)
    /// gives that name. The handshake then goes on with the bytes already
    /// given; call [`Self::write_encrypted`] with nothing to move it along.
    pub fn supply_context(&mut self, context: Option<SecureContext>) -> Result<(), Error> {
        let state = std::mem::replace(&mut self.state, State::Dead);
        let State::AwaitingContext {
            accepted,
            server,
            servername,
        } = state
        else {
            self.state = state;
            return Err(Error::new(
                ErrorCode::ErrTlsInvalidState,
                "no SNI context is awaited",
            ));
        };
        let context = match context {
            Some(context) => Arc::new(context),
            None => server.context_for(Some(&servername)),
        };
        let result = self.start_connection(*accepted, &server, context);
        self.flush();
        result
    }

    fn feed_connection(&mut self, data: &mut &[u8]) -> Result<(), Error> {
        let State::Connected(connection) = &mut self.state else {
            return Ok(());
        };
        while !data.is_empty() && !self.peer_closed && self.cleartext_pending <= PLAINTEXT_LIMIT {
            match connection.read_tls(data) {
                Ok(0) => break,
                Ok(_) => {}
                // rustls' received-plaintext buffer is full: the caller reads first.
                Err(e) if e.kind() == io::ErrorKind::Other => break,
                Err(e) => {
                    let error = Error::new(ErrorCode::ErrSslProtocolError, e.to_string());
                    return Err(self.fail(error));
                }
            }
            match connection.process_new_packets() {
                Ok(io_state) => {
                    self.cleartext_pending = io_state.plaintext_bytes_to_read();
                    self.peer_closed |= io_state.peer_has_closed();
                }
                Err(error) => {
                    // Our verifier's verdict names the failure better than
                    // the rustls cause chosen for the alert.
                    let error = match (&error, self.verdict_failure()) {
                        (rustls::Error::InvalidCertificate(_), Some(ours)) => ours,
                        _ => from_rustls(&error),
                    };
                    self.flush();
                    return Err(self.fail(error));
                }
            }
        }
        Ok(())
    }

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

    /// Takes up to `max` encrypted bytes to send to the peer.
    pub fn read_encrypted(&mut self, max: usize) -> Vec<u8> {
        self.flush();
        // `max` is the caller's (up to u32::MAX across the WIT boundary, and
        // usize is 32 bits in the guest): compare, never add.
        if self.outbox_start == 0 && max >= self.outbox.len() {
            // All of it: hand over the buffer itself rather than a copy
            // (the bulk path: each step takes everything the pair has).
            return std::mem::take(&mut self.outbox);
        }
        let end = self.outbox_start + max.min(self.encrypted_pending());
        let out = self.outbox[self.outbox_start..end].to_vec();
        self.outbox_start = end;
        if self.outbox_start == self.outbox.len() {
            self.outbox.clear();
            self.outbox_start = 0;
        }
        out
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

    /// Where the pair stands.
    pub fn status(&self) -> PairStatus {
        let handshaking = match &self.state {
            State::Accepting { .. } | State::AwaitingContext { .. } => true,
            State::Connected(connection) => connection.is_handshaking(),
            State::Dead => false,
        };
        PairStatus {
            handshaking,
            wants_encrypted: self.failed.is_none()
                && !self.peer_closed
                && self.cleartext_pending <= PLAINTEXT_LIMIT
                && matches!(self.state, State::Accepting { .. } | State::Connected(_)),
            encrypted_pending: self.encrypted_pending(),
            cleartext_pending: self.cleartext_pending,
            peer_closed: self.peer_closed,
            ended: self.ended,
            failed: self.failed.clone(),
            awaiting_context: match &self.state {
                State::AwaitingContext { servername, .. } => Some(servername.clone()),
                _ => None,
            },
        }
    }

    fn verdict_failure(&self) -> Option<Error> {
        match self.verdict.lock().as_deref() {
            Ok(Some(Err(error))) => Some(error.clone()),
            _ => None,
        }
    }

    /// The peer's certificate verified (Node's `authorized`).
    pub fn authorized(&self) -> bool {
        matches!(self.verdict.lock().as_deref(), Ok(Some(Ok(_))))
    }

    /// Why the peer's certificate did not verify (Node's `authorizationError`).
    pub fn authorization_error(&self) -> Option<Error> {
        match self.verdict.lock().as_deref() {
            Ok(Some(Err(error))) => Some(error.clone()),
            Ok(Some(Ok(_))) => None,
            // A server that asked for a certificate and got none, as OpenSSL says it.
            _ if self.is_server && self.request_cert && self.handshake_done() => Some(Error::new(
                ErrorCode::UnableToGetIssuerCert,
                "unable to get issuer certificate",
            )),
            _ => None,
        }
    }

    /// The peer's certificate, then its issuers as far as verification found
    /// them (or as the peer sent them, when it did not verify).
    pub fn peer_certificate_chain(&self) -> Vec<PeerCertificate> {
        let verified = match self.verdict.lock().as_deref() {
            Ok(Some(Ok(path))) => Some(path.clone()),
            _ => None,
        };
        let chain: Vec<CertificateDer<'static>> = match (verified, &self.state) {
            (Some(path), _) => path,
            (None, State::Connected(connection)) => connection
                .peer_certificates()
                .map(|certs| certs.iter().map(|c| c.clone().into_owned()).collect())
                .unwrap_or_default(),
            (None, _) => Vec::new(),
        };
        chain
            .iter()
            .filter_map(|der| cert_info::describe(der).ok())
            .collect()
    }

    /// The peer's certificate with its issuers linked
    /// ([`PeerCertificate::from_chain`] of [`Self::peer_certificate_chain`]):
    /// Node's `getPeerCertificate(true)`.
    pub fn peer_certificate(&self) -> Option<PeerCertificate> {
        PeerCertificate::from_chain(self.peer_certificate_chain())
    }

    /// The SNI name: what this client sent, or what this server received.
    pub fn servername(&self) -> Option<String> {
        if !self.is_server {
            return self.client_servername.clone();
        }
        match &self.state {
            State::Connected(connection) => match connection.as_ref() {
                Connection::Server(server) => server.server_name().map(str::to_string),
                Connection::Client(_) => None,
            },
            _ => None,
        }
    }

    /// The ALPN protocol both sides agreed on.
    pub fn alpn_protocol(&self) -> Option<String> {
        match &self.state {
            State::Connected(connection) => connection
                .alpn_protocol()
                .map(|p| String::from_utf8_lossy(p).into_owned()),
            _ => None,
        }
    }

    /// The negotiated cipher suite.
    pub fn cipher(&self) -> Option<Cipher> {
        match &self.state {
            State::Connected(connection) => {
                connection.negotiated_cipher_suite().map(cipher::describe)
            }
            _ => None,
        }
    }

    /// `TLSv1.2` or `TLSv1.3`.
    pub fn protocol(&self) -> Option<String> {
        match &self.state {
            State::Connected(connection) => connection
                .protocol_version()
                .map(|v| cipher::protocol_name(v).to_string()),
            _ => None,
        }
    }

    /// The key log lines recorded since the last call (`SSLKEYLOGFILE`
    /// format, no newline). Always empty unless `keylog` was asked for.
    pub fn take_keylog(&mut self) -> Vec<String> {
        match &self.keylog {
            Some(keylog) => {
                std::mem::take(&mut *keylog.lines.lock().unwrap_or_else(|e| e.into_inner()))
            }
            None => Vec::new(),
        }
    }

    fn handshake_done(&self) -> bool {
        matches!(&self.state, State::Connected(c) if !c.is_handshaking())
    }

    fn encrypted_pending(&self) -> usize {
        self.outbox.len() - self.outbox_start
    }

    /// Moves everything rustls has to send into the outbox.
    fn flush(&mut self) {
        if let State::Connected(connection) = &mut self.state {
            while connection.wants_write() {
                if connection.write_tls(&mut self.outbox).is_err() {
                    break;
                }
            }
        }
    }

    fn fail(&mut self, error: Error) -> Error {
        self.failed = Some(error.clone());
        error
    }
}

/// The server config for one accepted ClientHello: the context chosen for
/// its SNI name, this server's client-certificate policy and ALPN list.
fn server_config(
    server: &ServerShared,
    context: Arc<SecureContext>,
    verdict: SharedVerdict,
    keylog: Option<Arc<KeyLogLines>>,
) -> Result<Arc<ServerConfig>, Error> {
    let Some(certified_key) = context.certified_key.clone() else {
        return Err(Error::new(
            ErrorCode::ErrTlsInvalidCredentials,
            "no certificate configured for this server name",
        ));
    };
    let options = &server.options;
    let verifier = NodeClientVerifier {
        root_hints: NodeClientVerifier::root_hints(&context.trust),
        trust: context.trust.clone(),
        request_cert: options.request_cert,
        reject_unauthorized: options.reject_unauthorized,
        verdict,
    };
    let provider = crate::provider_with_ciphers(options.ciphers.as_deref())?;
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| from_rustls(&e))?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_cert_resolver(Arc::new(FixedCert(certified_key)));
    config.alpn_protocols = protocol_list(&options.alpn_protocols);
    // One instance per connection: session state would never be reused.
    config.session_storage = Arc::new(NoServerSessionStorage {});
    config.send_tls13_tickets = 0;
    if let Some(keylog) = keylog {
        config.key_log = keylog;
    }
    Ok(Arc::new(config))
}

fn protocol_list(protocols: &[String]) -> Vec<Vec<u8>> {
    protocols.iter().map(|p| p.as_bytes().to_vec()).collect()
}

/// Secrets rustls reports, kept as `SSLKEYLOGFILE` lines until the caller
/// takes them. Only ever made when the caller asked for a key log.
#[derive(Default)]
struct KeyLogLines {
    lines: std::sync::Mutex<Vec<String>>,
}

impl rustls::KeyLog for KeyLogLines {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        let line = format!("{label} {} {}", hex(client_random), hex(secret));
        self.lines
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(line);
    }

    fn will_log(&self, _label: &str) -> bool {
        true
    }
}

/// Never prints the secrets it holds.
impl std::fmt::Debug for KeyLogLines {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyLogLines(..)")
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One certified key, presented whatever the peer asks.
#[derive(Debug)]
struct FixedCert(Arc<CertifiedKey>);

impl ResolvesServerCert for FixedCert {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }
}

impl ResolvesClientCert for FixedCert {
    fn resolve(&self, _hints: &[&[u8]], _schemes: &[SignatureScheme]) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }

    fn has_certs(&self) -> bool {
        true
    }
}
