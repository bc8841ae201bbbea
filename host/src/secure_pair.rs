//! `tls.createSecurePair`: TLS over a transport the caller already has —
//! how StartTLS upgrades a plain connection.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};

use crate::error::{Error, Result};
use crate::limits::SandboxLimits;
use crate::options::{Credentials, Crypto, DEFAULT_HANDSHAKE_TIMEOUT};
use crate::sandbox::Sandbox;
use crate::stream::CleartextStream;
use crate::wit::{GuestClientOptions, GuestServerOptions, GuestTickets};

/// A secure pair not yet attached to a transport (Node's `SecurePair`).
/// [`SecurePair::secure`] attaches its encrypted side to any
/// `AsyncRead + AsyncWrite` and resolves at Node's `secure` event with the
/// cleartext side. To get Node's separate `encrypted` stream, attach one end
/// of a [`tokio::io::duplex`] and use the other end as the encrypted stream.
#[derive(Clone, Debug)]
pub struct SecurePair {
    credentials: Credentials,
    is_server: bool,
    request_cert: bool,
    reject_unauthorized: bool,
    servername: Option<String>,
    alpn_protocols: Vec<String>,
    handshake_timeout: Duration,
    limits: SandboxLimits,
    crypto: Crypto,
}

/// Node's `tls.createSecurePair(credentials, isServer, requestCert,
/// rejectUnauthorized)`. A client pair checks the server's chain against
/// `credentials.ca`, and its name only once [`SecurePair::servername`] is
/// set (v0.6 never checked names).
///
/// ```no_run
/// # async fn run(plain: tokio::net::TcpStream) -> tlsbox::Result<()> {
/// // ... a plain-text exchange on `plain` agreed to start TLS ...
/// let ca = tlsbox::read_pem("fixtures/ca1-cert.pem")?;
/// let pair = tlsbox::create_secure_pair(tlsbox::Credentials::default().with_ca(ca), false, false, true)?
///     .servername("localhost");
/// let secure = pair.secure(plain).await?;
/// assert!(secure.authorized());
/// # Ok(()) }
/// ```
pub fn create_secure_pair(
    credentials: Credentials,
    is_server: bool,
    request_cert: bool,
    reject_unauthorized: bool,
) -> Result<SecurePair> {
    let limits = SandboxLimits::default();
    Sandbox::check_credentials(&limits, &credentials.to_guest())?;
    if is_server && credentials.cert.is_none() {
        return Err(Error::InvalidArgument(
            "a server pair needs a key and a certificate".into(),
        ));
    }
    Ok(SecurePair {
        credentials,
        is_server,
        request_cert,
        reject_unauthorized,
        servername: None,
        alpn_protocols: Vec::new(),
        handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
        limits,
        crypto: Crypto::default(),
    })
}

impl SecurePair {
    /// The SNI name to send (client) and the name the server's certificate must match.
    pub fn servername(mut self, name: impl Into<String>) -> Self {
        self.servername = Some(name.into());
        self
    }

    /// ALPN protocols to offer (client) or accept in this order (server).
    pub fn alpn_protocols(mut self, protocols: Vec<String>) -> Self {
        self.alpn_protocols = protocols;
        self
    }

    /// The sandbox limits for this pair.
    pub fn limits(mut self, limits: SandboxLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Which component the pair runs (see [`Crypto`]).
    pub fn crypto(mut self, crypto: Crypto) -> Self {
        self.crypto = crypto;
        self
    }

    /// Runs the handshake over `io` and resolves with the cleartext side
    /// (Node's `secure` event).
    pub async fn secure<IO: AsyncRead + AsyncWrite + Unpin>(
        self,
        io: IO,
    ) -> Result<CleartextStream<IO>> {
        let sandbox = if self.is_server {
            let options = GuestServerOptions {
                request_cert: self.request_cert,
                reject_unauthorized: self.reject_unauthorized,
                alpn_protocols: self.alpn_protocols.clone(),
                sni_callback: false,
                alpn_callback: false,
                ocsp_callback: false,
                keylog: false,
                ciphers: None,
                min_version: None,
                max_version: None,
                ecdh_curve: None,
                sigalgs: None,
                // One pair, not a server: no one returns to resume.
                tickets: GuestTickets::None,
            };
            Sandbox::server(
                &self.limits,
                self.crypto,
                &self.credentials.to_guest(),
                &[],
                &options,
            )?
        } else {
            let options = GuestClientOptions {
                servername: self.servername.clone(),
                check_host: self.servername.clone().unwrap_or_default(),
                reject_unauthorized: self.reject_unauthorized,
                alpn_protocols: self.alpn_protocols.clone(),
                keylog: false,
                ciphers: None,
                min_version: None,
                max_version: None,
                ecdh_curve: None,
                sigalgs: None,
                // createSecurePair's credentials are the whole trust: a
                // pair without `ca` verifies against nothing, as in v0.6.
                default_roots: false,
                resume: false,
                request_ocsp: false,
            };
            Sandbox::client(
                &self.limits,
                self.crypto,
                &self.credentials.to_guest(),
                &options,
            )?
        };
        let mut stream = CleartextStream::new(io, sandbox)?;
        match tokio::time::timeout(self.handshake_timeout, stream.handshake()).await {
            Ok(Ok(())) => Ok(stream),
            Ok(Err(error)) => Err(error),
            Err(_) => Err(Error::HandshakeTimeout),
        }
    }
}
