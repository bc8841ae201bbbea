//! The options of Node's `tls.createServer`, `tls.connect` and
//! `tls.createSecurePair`, in Rust form.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::client_session::ClientSession;
use crate::error::{Error, Result};
use crate::limits::{LimitsHook, SandboxLimits};
use crate::tickets::{TICKET_KEYS_LEN, Ticketer};
use crate::wit::{GuestCredentials, GuestServerOptions, GuestTickets};

/// PEM credentials (Node's `key`, `passphrase`, `cert`, `ca`, `crl`), and
/// an OCSP response to staple.
///
/// A client given no `ca` trusts Mozilla's roots, as Node's does (see
/// [`ConnectOptions`]); a `ca` replaces them. A server trusts exactly its
/// `ca` for client certificates.
#[derive(Clone, Debug, Default)]
pub struct Credentials {
    /// Private key PEM (PKCS#8, PKCS#1, SEC1, or encrypted PKCS#8 with `passphrase`).
    pub key: Option<String>,
    /// Passphrase for an encrypted key.
    pub passphrase: Option<String>,
    /// Certificate chain PEM: the leaf, then intermediates.
    pub cert: Option<String>,
    /// Trusted roots; each entry may hold several certificates.
    pub ca: Vec<String>,
    /// Certificate revocation lists (PEM).
    pub crl: Vec<String>,
    /// An OCSP response (DER) that a server staples with this
    /// certificate for clients that ask (`openssl s_server -status_file`);
    /// see [`Self::with_ocsp_response_file`]. Node has no such option, only
    /// the `OCSPRequest` event ([`ServerOptions::ocsp_callback`]).
    pub ocsp_response: Option<Vec<u8>>,
}

impl Credentials {
    /// Key and certificate read from PEM files.
    pub fn from_files(key: impl AsRef<Path>, cert: impl AsRef<Path>) -> Result<Self> {
        Ok(Self {
            key: Some(read_pem(key)?),
            cert: Some(read_pem(cert)?),
            ..Self::default()
        })
    }

    /// Adds a trusted root (or several, from one PEM text).
    pub fn with_ca(mut self, pem: impl Into<String>) -> Self {
        self.ca.push(pem.into());
        self
    }

    /// Adds trusted roots read from a PEM file.
    pub fn with_ca_file(self, path: impl AsRef<Path>) -> Result<Self> {
        Ok(self.with_ca(read_pem(path)?))
    }

    /// Staples the OCSP response (DER) read from a file, as `openssl ocsp
    /// -respout` writes it.
    pub fn with_ocsp_response_file(mut self, path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let der = std::fs::read(path)
            .map_err(|e| Error::InvalidArgument(format!("cannot read {}: {e}", path.display())))?;
        self.ocsp_response = Some(der);
        Ok(self)
    }

    pub(crate) fn to_guest(&self) -> GuestCredentials {
        GuestCredentials {
            key: self.key.clone(),
            passphrase: self.passphrase.clone(),
            cert: self.cert.clone(),
            cert_chain: Vec::new(),
            ca: self.ca.clone(),
            // Roots the host decoded itself are added per connection
            // (`roots::ClientRoots`).
            ca_certificates: Vec::new(),
            ca_anchors: Vec::new(),
            held_roots: crate::wit::GuestHeldRoots::empty(),
            crl: self.crl.clone(),
            ocsp_response: self.ocsp_response.clone(),
        }
    }
}

/// Reads a PEM file, naming the file in the error.
pub fn read_pem(path: impl AsRef<Path>) -> Result<String> {
    let path = path.as_ref();
    std::fs::read_to_string(path)
        .map_err(|e| Error::InvalidArgument(format!("cannot read {}: {e}", path.display())))
}

/// Where a connection's cryptographic primitives run. Both choices run the
/// TLS protocol (parsing, the state machine, certificate path checks, SNI,
/// ALPN, the key schedule) inside the connection's sandbox.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Crypto {
    /// The self-contained component: ring inside the guest, which imports
    /// nothing but WASI. What runs on a runtime that only offers WASI.
    /// WebAssembly has no AES instructions, so bulk AES-GCM is slow.
    Guest,
    /// The component built with host crypto: record protection (AES-GCM,
    /// ChaCha20-Poly1305, TLS 1.3 and 1.2), ephemeral key exchange, signing
    /// and signature verification run natively in the host through the
    /// `tlsbox:tls/crypto` import. The private key is parsed once per
    /// process and never enters the sandbox (the guest asks the host to
    /// sign); traffic keys live in the connection's own resource table.
    #[default]
    Host,
}

impl std::str::FromStr for Crypto {
    type Err = String;

    /// `host` or `guest`, as the command lines spell the builds.
    fn from_str(name: &str) -> Result<Self, String> {
        match name {
            "host" => Ok(Self::Host),
            "guest" => Ok(Self::Guest),
            other => Err(format!(
                "unknown engine build {other:?}: expected host or guest"
            )),
        }
    }
}

/// How a server's connections are spread over guest instances: the
/// isolation bought against what each connection costs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Isolation {
    /// Every connection in a fresh instance of its own (the default): a
    /// trap or a limit ends that one connection, and no connection ever
    /// shares memory with another.
    #[default]
    PerConnection,
    /// Connections that share credentials share an instance, up to
    /// `max_connections_per_instance` of them over the instance's life;
    /// the server's contexts are parsed once per instance instead of once
    /// per connection, and the instance's fixed cost is spread over its
    /// connections. A trap or a limit ends exactly the connections of that
    /// instance, and no others; a bug in the engine that let one peer read
    /// another's memory would reach only the connections of its instance.
    /// Each connection brings its limits to the instance: it may grow to
    /// `max_connections_per_instance` × [`SandboxLimits::memory_bytes`]
    /// and hold as many times [`SandboxLimits::max_resources`]; the
    /// deadline and the bytes per call stay per call. Servers only:
    /// clients always connect from an instance of their own.
    PerContext {
        /// The most connections one instance serves (at least 1).
        max_connections_per_instance: usize,
    },
}

impl std::str::FromStr for Isolation {
    type Err = String;

    /// `connection`, or `context:N` (N connections per instance at most),
    /// as `tlsbox server --isolation` spells them.
    fn from_str(text: &str) -> Result<Self, String> {
        let expected = "expected connection or context:N, N a whole number from 1";
        match text.split_once(':') {
            None if text == "connection" => Ok(Self::PerConnection),
            Some(("context", n)) => match n.parse::<usize>() {
                Ok(n) if n >= 1 => Ok(Self::PerContext {
                    max_connections_per_instance: n,
                }),
                _ => Err(format!("bad isolation {text:?}: {expected}")),
            },
            _ => Err(format!("unknown isolation {text:?}: {expected}")),
        }
    }
}

/// Node's default `handshakeTimeout`.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(120);

/// Any error an SNI callback wants to report.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What an SNI callback resolves to: credentials for the name, `None` for
/// the server's `add_context` table (then its default credentials), or an
/// error that fails this handshake only.
pub type SniFuture = Pin<Box<dyn Future<Output = Result<Option<Credentials>, BoxError>> + Send>>;

/// Node's `SNICallback(servername, cb)`: called with the SNI name of each
/// ClientHello that has one, before the server answers it. Made by
/// [`ServerOptions::sni_callback`].
#[derive(Clone)]
pub struct SniCallback(Arc<dyn Fn(String) -> SniFuture + Send + Sync>);

impl SniCallback {
    pub(crate) fn call(&self, servername: String) -> SniFuture {
        (self.0)(servername)
    }
}

impl std::fmt::Debug for SniCallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SniCallback")
    }
}

/// Node's `ALPNCallback({ servername, protocols })`: given the SNI name
/// (if any) and the client's ALPN protocols, returns the one to agree on,
/// or `None` to refuse the client with a `no_application_protocol` alert.
/// Made by [`ServerOptions::alpn_callback`].
#[derive(Clone)]
pub struct AlpnCallback(Arc<AlpnChoice>);

/// The closure behind [`AlpnCallback`].
type AlpnChoice = dyn Fn(Option<&str>, &[String]) -> Option<String> + Send + Sync;

impl AlpnCallback {
    pub(crate) fn call(&self, servername: Option<&str>, protocols: &[String]) -> Option<String> {
        (self.0)(servername, protocols)
    }
}

impl std::fmt::Debug for AlpnCallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AlpnCallback")
    }
}

/// What an OCSP callback is asked about: the certificate a connection's
/// server presents, and its issuer (Node's `OCSPRequest` event arguments).
#[derive(Clone, Debug)]
pub struct OcspRequest {
    /// The server's certificate, DER.
    pub certificate: Vec<u8>,
    /// Its issuer, DER, when the context's chain holds it.
    pub issuer: Option<Vec<u8>>,
}

/// What an OCSP callback resolves to: the response to staple (DER),
/// `None` for the context's own [`Credentials::ocsp_response`] if it has
/// one, or an error that fails this handshake only.
pub type OcspFuture = Pin<Box<dyn Future<Output = Result<Option<Vec<u8>>, BoxError>> + Send>>;

/// Node's `OCSPRequest` event: called for each connection once its
/// certificate is chosen, before the server answers. Made by
/// [`ServerOptions::ocsp_callback`].
#[derive(Clone)]
pub struct OcspCallback(Arc<dyn Fn(OcspRequest) -> OcspFuture + Send + Sync>);

impl OcspCallback {
    pub(crate) fn call(&self, request: OcspRequest) -> OcspFuture {
        (self.0)(request)
    }
}

impl std::fmt::Debug for OcspCallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OcspCallback")
    }
}

/// The callbacks a server pair may pause for, as the stream that drives
/// its handshake answers them.
#[derive(Clone, Debug, Default)]
pub(crate) struct ServerHooks {
    pub(crate) sni: Option<SniCallback>,
    pub(crate) alpn: Option<AlpnCallback>,
    pub(crate) ocsp: Option<OcspCallback>,
}

/// Node's `checkServerIdentity(hostname, cert)`: given the name a client
/// connects to and the server's certificate, returns `Err(message)` to
/// refuse it. Made by [`ConnectOptions::check_server_identity`].
#[derive(Clone)]
pub struct CheckServerIdentity(Arc<IdentityCheck>);

/// The closure behind [`CheckServerIdentity`].
type IdentityCheck = dyn Fn(&str, &crate::PeerCertificate) -> Result<(), String> + Send + Sync;

impl CheckServerIdentity {
    pub(crate) fn call(&self, hostname: &str, cert: &crate::PeerCertificate) -> Result<(), String> {
        (self.0)(hostname, cert)
    }
}

impl std::fmt::Debug for CheckServerIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CheckServerIdentity")
    }
}

/// Options of [`crate::create_server`].
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// The default context's credentials (`key`, `cert`, `ca`, `crl`).
    pub credentials: Credentials,
    /// Ask clients for a certificate (`requestCert`).
    pub request_cert: bool,
    /// With `request_cert`: refuse clients whose certificate does not verify.
    pub reject_unauthorized: bool,
    /// ALPN protocols, server's preference first (`ALPNProtocols`; Node v0.6's
    /// `NPNProtocols` means the same here, see [`Self::npn_protocols`]).
    pub alpn_protocols: Vec<String>,
    /// Node's `ciphers`: the suites to accept, OpenSSL or IANA names
    /// separated by `:` (`TLS_CHACHA20_POLY1305_SHA256:ECDHE-RSA-AES128-GCM-SHA256`).
    /// `None` accepts the engine's safe defaults.
    pub ciphers: Option<String>,
    /// Node's `minVersion`: `TLSv1.2` or `TLSv1.3`; `None` is TLS 1.2.
    pub min_version: Option<String>,
    /// Node's `maxVersion`: `TLSv1.2` or `TLSv1.3`; `None` is TLS 1.3.
    pub max_version: Option<String>,
    /// Node's `ecdhCurve`: key-exchange groups separated by `:`, preferred
    /// first (`X25519:P-256`; OpenSSL's names, `P-256` or `prime256v1`).
    /// `None` (or `auto`) is X25519MLKEM768 (with [`Crypto::Host`]), X25519,
    /// P-256, P-384.
    pub ecdh_curve: Option<String>,
    /// Node's `sigalgs`: the signature schemes to ask for, accept and sign
    /// with, separated by `:` in OpenSSL's names (`RSA-PSS+SHA256:ECDSA+SHA256`,
    /// `ecdsa_secp256r1_sha256`). `None` is the engine's defaults.
    pub sigalgs: Option<String>,
    /// Contexts chosen by SNI name, as `addContext(pattern, credentials)` adds them.
    pub contexts: Vec<(String, Credentials)>,
    /// Picks the credentials for each SNI name (`SNICallback`); see
    /// [`Self::sni_callback`].
    pub sni_callback: Option<SniCallback>,
    /// Picks the ALPN protocol of each client that offers some
    /// (`ALPNCallback`); see [`Self::alpn_callback`]. Not with
    /// [`Self::alpn_protocols`].
    pub alpn_callback: Option<AlpnCallback>,
    /// Gives each connection the OCSP response to staple (the
    /// `OCSPRequest` event); see [`Self::ocsp_callback`].
    pub ocsp_callback: Option<OcspCallback>,
    /// Close connections beyond this many before their handshake (`maxConnections`).
    pub max_connections: Option<usize>,
    /// Abort handshakes that take longer (`handshakeTimeout`, 120 s by default).
    pub handshake_timeout: Duration,
    /// What each connection's sandbox may use.
    pub limits: SandboxLimits,
    /// Append every connection's TLS secrets to this file in the
    /// `SSLKEYLOGFILE` format (what Wireshark reads). Anyone with the file
    /// can decrypt the traffic: for debugging only. Off by default.
    pub keylog: Option<PathBuf>,
    /// Picks each connection's limits from the peer's address instead of
    /// [`Self::limits`] (which still applies to checking credentials).
    pub limits_for: Option<LimitsHook>,
    /// Which component each connection runs (see [`Crypto`]).
    pub crypto: Crypto,
    /// Issue session tickets, so that returning clients resume (on by
    /// default, as in Node); [`Self::no_tickets`] turns them off. The host
    /// holds the ticket keys; only [`Crypto::Host`] connections resume.
    pub tickets: bool,
    /// Node's `ticketKeys`: the 48 bytes that seal session tickets (see
    /// [`Self::ticket_keys`]). `None`: random keys, made per server and
    /// rotated every 6 hours.
    pub ticket_keys: Option<[u8; TICKET_KEYS_LEN]>,
    /// Listen with `SO_REUSEPORT` (Node's `listen({ reusePort: true })`):
    /// servers in several processes then share one port, the kernel
    /// spreading connections across them. Off by default.
    pub reuse_port: bool,
    /// How connections are spread over guest instances: one each (the
    /// default) or shared, up to a count (see [`Isolation`]).
    pub isolation: Isolation,
}

impl ServerOptions {
    /// A server presenting `credentials`, with Node's defaults otherwise.
    pub fn new(credentials: Credentials) -> Self {
        Self {
            credentials,
            request_cert: false,
            reject_unauthorized: false,
            alpn_protocols: Vec::new(),
            ciphers: None,
            min_version: None,
            max_version: None,
            ecdh_curve: None,
            sigalgs: None,
            contexts: Vec::new(),
            sni_callback: None,
            alpn_callback: None,
            ocsp_callback: None,
            max_connections: None,
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
            limits: SandboxLimits::default(),
            keylog: None,
            limits_for: None,
            crypto: Crypto::default(),
            tickets: true,
            ticket_keys: None,
            reuse_port: false,
            isolation: Isolation::default(),
        }
    }

    /// Node's `ticketKeys`: seals session tickets with `keys` (48 bytes:
    /// the first 16 name the keys, the other 32 are the AES-256-GCM key).
    /// Servers started with the same keys, in one process or several,
    /// resume each other's sessions. Keep them secret: anyone with them can
    /// decrypt the sessions' tickets.
    pub fn ticket_keys(mut self, keys: &[u8; TICKET_KEYS_LEN]) -> Self {
        self.ticket_keys = Some(*keys);
        self
    }

    /// No session tickets: every handshake is a full one.
    pub fn no_tickets(mut self) -> Self {
        self.tickets = false;
        self
    }

    /// These options as the guest's, for one connection's sandbox; its
    /// tickets sealed with `ticketer`'s keys (by the host with host crypto,
    /// with the keys handed over in the self-contained build).
    pub(crate) fn guest_options(
        &self,
        keylog: bool,
        ticketer: Option<&Ticketer>,
    ) -> GuestServerOptions {
        let tickets = match (ticketer, self.crypto) {
            (None, _) => GuestTickets::None,
            (Some(_), Crypto::Host) => GuestTickets::Host,
            (Some(ticketer), Crypto::Guest) => {
                GuestTickets::Keys((ticketer.key_list(), ticketer.lifetime_secs()))
            }
        };
        GuestServerOptions {
            request_cert: self.request_cert,
            reject_unauthorized: self.reject_unauthorized,
            alpn_protocols: self.alpn_protocols.clone(),
            sni_callback: self.sni_callback.is_some(),
            alpn_callback: self.alpn_callback.is_some(),
            ocsp_callback: self.ocsp_callback.is_some(),
            keylog,
            ciphers: self.ciphers.clone(),
            min_version: self.min_version.clone(),
            max_version: self.max_version.clone(),
            ecdh_curve: self.ecdh_curve.clone(),
            sigalgs: self.sigalgs.clone(),
            tickets,
        }
    }

    /// Node's `SNICallback`: `callback(servername)` picks the credentials of
    /// each connection whose ClientHello names a server, and may await
    /// (a database, a certificate store, ...). `Ok(None)` falls back to the
    /// `add_context` table, then the default credentials; an `Err` fails
    /// that handshake with a `ClientError` (code `ERR_TLSBOX_SNI_CALLBACK`)
    /// and the server keeps serving. Clients that send no name skip it.
    ///
    /// ```no_run
    /// # fn run(default: tlsbox::Credentials, other: tlsbox::Credentials) {
    /// let options = tlsbox::ServerOptions::new(default).sni_callback(move |name: String| {
    ///     let other = other.clone();
    ///     async move {
    ///         match name.as_str() {
    ///             "other.test" => Ok(Some(other)),
    ///             "blocked.test" => Err("no service for this name".into()),
    ///             _ => Ok(None),
    ///         }
    ///     }
    /// });
    /// # }
    /// ```
    pub fn sni_callback<F, Fut>(mut self, callback: F) -> Self
    where
        F: Fn(String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Option<Credentials>, BoxError>> + Send + 'static,
    {
        self.sni_callback = Some(SniCallback(Arc::new(move |name| {
            Box::pin(callback(name)) as SniFuture
        })));
        self
    }

    /// Node's `ALPNCallback`: `choose(servername, protocols)` picks the
    /// protocol of each connection whose client offers ALPN, from the
    /// client's list, or refuses the client with `None` (it then sees the
    /// `no_application_protocol` alert, and the server a `ClientError`
    /// with code `ERR_SSL_NO_APPLICATION_PROTOCOL`). A protocol the client
    /// did not offer fails the handshake with
    /// `ERR_TLS_ALPN_CALLBACK_INVALID_RESULT`. Clients that offer no ALPN
    /// skip it. It cannot be used with [`Self::alpn_protocols`]
    /// (`ERR_TLS_ALPN_CALLBACK_WITH_PROTOCOLS` from `create_server`).
    ///
    /// ```
    /// # fn options(credentials: tlsbox::Credentials) -> tlsbox::ServerOptions {
    /// tlsbox::ServerOptions::new(credentials).alpn_callback(|_servername, protocols| {
    ///     protocols.iter().find(|p| *p == "h2" || *p == "http/1.1").cloned()
    /// })
    /// # }
    /// ```
    pub fn alpn_callback(
        mut self,
        choose: impl Fn(Option<&str>, &[String]) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.alpn_callback = Some(AlpnCallback(Arc::new(choose)));
        self
    }

    /// Node's `OCSPRequest` event: `respond(request)` gives the OCSP
    /// response (DER) to staple for each connection, once its certificate
    /// is chosen, and may await (an OCSP responder, a cache). `Ok(None)`
    /// staples the context's own [`Credentials::ocsp_response`], if any;
    /// an `Err` fails that handshake (code `ERR_TLSBOX_OCSP_CALLBACK`). It
    /// is called for every connection: the engine staples the response
    /// only for clients that ask (`status_request`), but cannot tell the
    /// callback which those are beforehand.
    pub fn ocsp_callback<F, Fut>(mut self, respond: F) -> Self
    where
        F: Fn(OcspRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Option<Vec<u8>>, BoxError>> + Send + 'static,
    {
        self.ocsp_callback = Some(OcspCallback(Arc::new(move |request| {
            Box::pin(respond(request)) as OcspFuture
        })));
        self
    }

    /// The callbacks each connection's handshake may pause for.
    pub(crate) fn hooks(&self) -> ServerHooks {
        ServerHooks {
            sni: self.sni_callback.clone(),
            alpn: self.alpn_callback.clone(),
            ocsp: self.ocsp_callback.clone(),
        }
    }

    /// Chooses each connection's [`SandboxLimits`] with `pick`, called with
    /// the peer's address when the connection is accepted.
    ///
    /// ```
    /// # fn options(credentials: tlsbox::Credentials) -> tlsbox::ServerOptions {
    /// tlsbox::ServerOptions::new(credentials).limits_for(|peer| {
    ///     let mut limits = tlsbox::SandboxLimits::default();
    ///     if !peer.ip().is_loopback() {
    ///         limits.memory_bytes = 8 << 20;
    ///     }
    ///     limits
    /// })
    /// # }
    /// ```
    pub fn limits_for(
        mut self,
        pick: impl Fn(std::net::SocketAddr) -> SandboxLimits + Send + Sync + 'static,
    ) -> Self {
        self.limits_for = Some(LimitsHook::new(pick));
        self
    }

    /// Node v0.6's `NPNProtocols`: NPN is obsolete, so the list goes to ALPN.
    pub fn npn_protocols(mut self, protocols: Vec<String>) -> Self {
        self.alpn_protocols = protocols;
        self
    }
}

/// Options of [`crate::connect`].
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    /// `ca` to trust, and `key`/`cert` to present if the server asks.
    pub credentials: Credentials,
    /// The SNI name, and the name the certificate must match. Defaults to
    /// the host connected to, unless that is an IP address.
    pub servername: Option<String>,
    /// Fail when the server's certificate does not verify. Defaults to
    /// true, as in Node since v0.10 (v0.6 never rejected).
    pub reject_unauthorized: bool,
    /// ALPN protocols to offer (`ALPNProtocols`, alias `NPNProtocols`).
    pub alpn_protocols: Vec<String>,
    /// Node's `ciphers`: the suites to offer, OpenSSL or IANA names
    /// separated by `:`. `None` offers the engine's safe defaults.
    pub ciphers: Option<String>,
    /// Node's `minVersion`: `TLSv1.2` or `TLSv1.3`; `None` is TLS 1.2.
    pub min_version: Option<String>,
    /// Node's `maxVersion`: `TLSv1.2` or `TLSv1.3`; `None` is TLS 1.3.
    pub max_version: Option<String>,
    /// Node's `ecdhCurve`: key-exchange groups separated by `:`, preferred
    /// first (`X25519:P-256`; OpenSSL's names, `P-256` or `prime256v1`).
    /// `None` (or `auto`) is X25519MLKEM768 (with [`Crypto::Host`]), X25519,
    /// P-256, P-384.
    pub ecdh_curve: Option<String>,
    /// Node's `sigalgs`: the signature schemes to ask for, accept and sign
    /// with, separated by `:` in OpenSSL's names (`RSA-PSS+SHA256:ECDSA+SHA256`,
    /// `ecdsa_secp256r1_sha256`). `None` is the engine's defaults.
    pub sigalgs: Option<String>,
    /// Abort the handshake after this long.
    pub handshake_timeout: Duration,
    /// What the connection's sandbox may use.
    pub limits: SandboxLimits,
    /// Append the connection's TLS secrets to this file in the
    /// `SSLKEYLOGFILE` format. For debugging only. Off by default.
    pub keylog: Option<PathBuf>,
    /// Which component the connection runs (see [`Crypto`]).
    pub crypto: Crypto,
    /// Replaces the host-name check (Node's `checkServerIdentity`): see
    /// [`Self::check_server_identity`].
    pub check_server_identity: Option<CheckServerIdentity>,
    /// Without `ca`, trust the platform's roots too (Node's
    /// `--use-system-ca`): see [`Self::system_ca`].
    pub system_ca: bool,
    /// Resume the sessions of an earlier connection
    /// ([`crate::CleartextStream::session`]; Node's `session` option): the
    /// connection runs in that connection's instance and offers the
    /// sessions kept there for its server name. `None`: a fresh instance.
    pub session: Option<ClientSession>,
    /// Node's `requestOCSP`: keep the OCSP response the server staples,
    /// for [`crate::CleartextStream::ocsp_response`].
    pub request_ocsp: bool,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self {
            credentials: Credentials::default(),
            servername: None,
            reject_unauthorized: true,
            alpn_protocols: Vec::new(),
            ciphers: None,
            min_version: None,
            max_version: None,
            ecdh_curve: None,
            sigalgs: None,
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
            limits: SandboxLimits::default(),
            keylog: None,
            crypto: Crypto::default(),
            system_ca: false,
            check_server_identity: None,
            session: None,
            request_ocsp: false,
        }
    }
}

impl ConnectOptions {
    /// Node's `checkServerIdentity`: once the server's chain verifies,
    /// `check(hostname, cert)` decides instead of the built-in host-name
    /// rule, with `hostname` the `servername` or else the host connected
    /// to. This is how a client pins a certificate or a key:
    ///
    /// ```no_run
    /// # fn pin(ca: String) -> tlsbox::ConnectOptions {
    /// const PINNED: &str = "AB:CD:…"; // the SHA-256 fingerprint expected
    /// tlsbox::ConnectOptions::with_ca(ca).check_server_identity(|hostname, cert| {
    ///     match cert.fingerprint256 == PINNED {
    ///         true => Ok(()),
    ///         false => Err(format!("{hostname}: certificate not pinned")),
    ///     }
    /// })
    /// # }
    /// ```
    ///
    /// An `Err` fails the connection with its message (code
    /// `ERR_TLS_CERT_ALTNAME_INVALID`), or, when rejection is off, is the
    /// connection's `authorization_error`. Not called when the chain does
    /// not verify (that error stands), nor on a resumed connection, which
    /// shows no certificate (its session came from a connection that
    /// passed the check).
    pub fn check_server_identity<F>(mut self, check: F) -> Self
    where
        F: Fn(&str, &crate::PeerCertificate) -> Result<(), String> + Send + Sync + 'static,
    {
        self.check_server_identity = Some(CheckServerIdentity(Arc::new(check)));
        self
    }

    /// Node's `--use-system-ca`: a client without `ca` trusts the
    /// platform's store (read once per process with `rustls-native-certs`,
    /// which honours `SSL_CERT_FILE` and `SSL_CERT_DIR`) as well as the
    /// default roots. Those roots are parsed in each connection's sandbox,
    /// where Mozilla's are built in.
    pub fn system_ca(mut self) -> Self {
        self.system_ca = true;
        self
    }

    /// Trust the roots in `ca` (PEM), with Node's defaults otherwise.
    pub fn with_ca(ca: impl Into<String>) -> Self {
        Self {
            credentials: Credentials::default().with_ca(ca),
            ..Self::default()
        }
    }

    /// Finish the handshake even when the server's certificate does not
    /// verify, and report it through `authorized`/`authorization_error`
    /// instead (Node's `rejectUnauthorized: false`). Anyone on the path can
    /// then read and change the traffic: check `authorized()` yourself.
    pub fn dangerous_accept_unauthorized(mut self) -> Self {
        self.reject_unauthorized = false;
        self
    }
}
