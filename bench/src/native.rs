//! The benchmark's native side: a small tokio driver for a sans-IO TLS
//! pipe, used for the `rustls-native` baseline server (tlsbox's own engine,
//! built natively) and for the load client that every server is measured
//! against (plain rustls).

use std::io::{self, Read, Write};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Bytes read from the socket at once.
const READ_BUFFER: usize = 64 * 1024;

/// A TLS connection with no I/O: what [`Tls`] drives.
pub trait Pipe {
    /// Feeds bytes from the peer; returns how many were taken (fewer when
    /// cleartext must be read first).
    fn feed(&mut self, data: &[u8]) -> io::Result<usize>;
    /// Appends the bytes waiting to be sent to `out`.
    fn drain(&mut self, out: &mut Vec<u8>);
    /// The handshake has not finished.
    fn handshaking(&self) -> bool;
    /// Decrypted bytes into `out`; 0 when none are ready.
    fn read_plain(&mut self, out: &mut [u8]) -> io::Result<usize>;
    /// Queues cleartext; returns how much was taken.
    fn write_plain(&mut self, data: &[u8]) -> io::Result<usize>;
    /// Queues close_notify.
    fn end(&mut self);
    /// The peer sent close_notify.
    fn peer_closed(&self) -> bool;
}

fn invalid(message: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.to_string())
}

/// tlsbox's engine, built natively: the `rustls-native` baseline runs the
/// same code the guest runs, minus the sandbox.
impl Pipe for tlsbox_engine::pair::SecurePair {
    fn feed(&mut self, data: &[u8]) -> io::Result<usize> {
        self.write_encrypted(data).map_err(invalid)
    }

    fn drain(&mut self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.read_encrypted(usize::MAX));
    }

    fn handshaking(&self) -> bool {
        self.status().handshaking
    }

    fn read_plain(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let status = self.status();
        if status.cleartext_pending == 0 {
            return match status.failed {
                Some(error) => Err(invalid(error)),
                None => Ok(0),
            };
        }
        let data = self.read_cleartext(out.len());
        out[..data.len()].copy_from_slice(&data);
        Ok(data.len())
    }

    fn write_plain(&mut self, data: &[u8]) -> io::Result<usize> {
        self.write_cleartext(data).map_err(invalid)
    }

    fn end(&mut self) {
        tlsbox_engine::pair::SecurePair::end(self);
    }

    fn peer_closed(&self) -> bool {
        self.status().peer_closed
    }
}

/// The load client: plain rustls.
pub struct Client {
    connection: ClientConnection,
    peer_closed: bool,
}

impl Pipe for Client {
    fn feed(&mut self, mut data: &[u8]) -> io::Result<usize> {
        let total = data.len();
        match self.connection.read_tls(&mut data) {
            Ok(_) => {}
            // rustls' plaintext buffer is full: read first.
            Err(e) if e.kind() == io::ErrorKind::Other => return Ok(0),
            Err(e) => return Err(e),
        }
        let state = self.connection.process_new_packets().map_err(invalid)?;
        self.peer_closed |= state.peer_has_closed();
        Ok(total - data.len())
    }

    fn drain(&mut self, out: &mut Vec<u8>) {
        while self.connection.wants_write() {
            if self.connection.write_tls(out).is_err() {
                break;
            }
        }
    }

    fn handshaking(&self) -> bool {
        self.connection.is_handshaking()
    }

    fn read_plain(&mut self, out: &mut [u8]) -> io::Result<usize> {
        match self.connection.reader().read(out) {
            Ok(n) => Ok(n),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(0),
            Err(e) => Err(e),
        }
    }

    fn write_plain(&mut self, data: &[u8]) -> io::Result<usize> {
        self.connection.writer().write(data)
    }

    fn end(&mut self) {
        self.connection.send_close_notify();
    }

    fn peer_closed(&self) -> bool {
        self.peer_closed
    }
}

/// A [`Pipe`] over a TCP socket, driven with plain async code: send what the
/// pipe has, feed it what the socket brings, until the caller's step is done.
pub struct Tls<P> {
    tcp: TcpStream,
    pipe: P,
    incoming: Box<[u8]>,
    start: usize,
    end: usize,
    outgoing: Vec<u8>,
}

impl<P: Pipe> Tls<P> {
    /// Wraps `pipe` around `tcp`; [`Self::handshake`] runs the handshake.
    pub fn new(tcp: TcpStream, pipe: P) -> Self {
        let _ = tcp.set_nodelay(true);
        Self {
            tcp,
            pipe,
            incoming: vec![0; READ_BUFFER].into_boxed_slice(),
            start: 0,
            end: 0,
            outgoing: Vec::new(),
        }
    }

    async fn flush(&mut self) -> io::Result<()> {
        self.pipe.drain(&mut self.outgoing);
        if !self.outgoing.is_empty() {
            self.tcp.write_all(&self.outgoing).await?;
            self.outgoing.clear();
        }
        Ok(())
    }

    /// Feeds buffered input; true when the pipe took some.
    fn feed(&mut self) -> io::Result<bool> {
        if self.start == self.end {
            return Ok(false);
        }
        let taken = self.pipe.feed(&self.incoming[self.start..self.end])?;
        self.start += taken;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        Ok(taken > 0)
    }

    /// Reads more from the socket; false at end of stream.
    async fn fill(&mut self) -> io::Result<bool> {
        if self.end == self.incoming.len() {
            self.incoming.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        let n = self.tcp.read(&mut self.incoming[self.end..]).await?;
        self.end += n;
        Ok(n > 0)
    }

    /// Runs the handshake to its end.
    pub async fn handshake(&mut self) -> io::Result<()> {
        loop {
            self.flush().await?;
            if !self.pipe.handshaking() {
                return Ok(());
            }
            if self.feed()? {
                continue;
            }
            if !self.fill().await? {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
        }
    }

    /// Reads cleartext; 0 at the end of the stream.
    pub async fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        loop {
            let n = self.pipe.read_plain(out)?;
            if n > 0 {
                return Ok(n);
            }
            if self.pipe.peer_closed() {
                return Ok(0);
            }
            self.flush().await?;
            if self.feed()? {
                continue;
            }
            if !self.fill().await? {
                return Ok(0);
            }
        }
    }

    /// Encrypts and sends all of `data`.
    pub async fn write_all(&mut self, mut data: &[u8]) -> io::Result<()> {
        while !data.is_empty() {
            let taken = self.pipe.write_plain(data)?;
            data = &data[taken..];
            self.flush().await?;
            if taken == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
        }
        Ok(())
    }

    /// Closing will reset the connection instead of leaving it in TIME_WAIT.
    pub fn reset_on_close(&self) {
        let _ = self.tcp.set_zero_linger();
    }

    /// Sends close_notify and closes the socket's sending side.
    pub async fn shutdown(&mut self) -> io::Result<()> {
        self.pipe.end();
        self.flush().await?;
        self.tcp.shutdown().await
    }
}

impl Tls<Client> {
    /// The handshake resumed a session (a ticket from an earlier
    /// connection) rather than being a full one.
    pub fn resumed(&self) -> bool {
        self.pipe.connection.handshake_kind() == Some(rustls::HandshakeKind::Resumed)
    }

    /// After [`Self::shutdown`]: reads until the server's first TLS 1.3
    /// session ticket has been taken into the config's session store, or
    /// the server closes. Returns the tickets received. A server sends its
    /// tickets as soon as the handshake is done, before it reads anything,
    /// so they come ahead of its answer to close_notify; one that issues
    /// none closes, and this returns 0.
    pub async fn await_ticket(&mut self) -> io::Result<u32> {
        loop {
            let tickets = self.pipe.connection.tls13_tickets_received();
            if tickets > 0 || self.pipe.peer_closed {
                return Ok(tickets);
            }
            if self.feed()? {
                continue;
            }
            if !self.fill().await? {
                return Ok(self.pipe.connection.tls13_tickets_received());
            }
        }
    }
}

/// Connects the load client to `127.0.0.1:port` and completes the handshake.
pub async fn connect(port: u16, config: &Arc<ClientConfig>) -> io::Result<Tls<Client>> {
    let tcp = TcpStream::connect(("127.0.0.1", port)).await?;
    let name = ServerName::try_from("localhost").expect("a valid DNS name");
    let connection = ClientConnection::new(config.clone(), name).map_err(invalid)?;
    let mut tls = Tls::new(
        tcp,
        Client {
            connection,
            peer_closed: false,
        },
    );
    tls.handshake().await?;
    Ok(tls)
}

/// The load client's config: TLS 1.3, only `suite`, no resumption (every
/// connection is a full handshake).
///
/// It checks the server's handshake signature but not its certificate
/// chain, like `openssl s_time`: the benchmark measures servers, and chain
/// verification would spend the shared CPU on the client's side.
pub fn client_config(suite: rustls::CipherSuite) -> Arc<ClientConfig> {
    let mut config = load_client_config(suite);
    config.resumption = rustls::client::Resumption::disabled();
    Arc::new(config)
}

/// The load client's config for resumed handshakes: as [`client_config`],
/// but with rustls' default session store (`Resumption::in_memory_sessions`),
/// which every connection made with this config shares. TLS 1.3 tickets
/// are single-use: each connection takes one from the store, and the
/// server's new tickets on that connection refill it. Use one config per
/// server: every server is `localhost` to the store.
pub fn resuming_client_config(suite: rustls::CipherSuite) -> Arc<ClientConfig> {
    let mut config = load_client_config(suite);
    config.resumption = rustls::client::Resumption::in_memory_sessions(256);
    Arc::new(config)
}

/// [`client_config`] offering the post-quantum hybrid X25519MLKEM768 as its
/// only key exchange (aws-lc-rs', rustls' own): a server without ML-KEM
/// fails the handshake rather than falling back.
pub fn post_quantum_client_config(suite: rustls::CipherSuite) -> Arc<ClientConfig> {
    let mut provider = load_client_provider(suite);
    provider.kx_groups = vec![rustls::crypto::aws_lc_rs::kx_group::X25519MLKEM768];
    let provider = Arc::new(provider);
    let verifier = SignatureOnly(provider.clone());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .expect("the provider speaks TLS 1.3")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.resumption = rustls::client::Resumption::disabled();
    Arc::new(config)
}

/// [`client_config`] before its resumption is chosen.
fn load_client_config(suite: rustls::CipherSuite) -> ClientConfig {
    let provider = Arc::new(load_client_provider(suite));
    let verifier = SignatureOnly(provider.clone());
    ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .expect("the ring provider speaks TLS 1.3")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth()
}

/// The load client's crypto: ring's, but for ChaCha20-Poly1305, which is
/// libcrypto's (through rustls-openssl).
///
/// Why: the load client shares the machine with the server it measures,
/// and must not be what caps the transfer. ring's ChaCha20-Poly1305 runs at
/// about 60% of libcrypto's speed on machines with AVX-512, so a client
/// using it capped every server's ChaCha20-Poly1305 transfer near the same
/// rate, hiding their differences; AES-GCM is fastest in ring.
fn load_client_provider(suite: rustls::CipherSuite) -> CryptoProvider {
    let mut provider = rustls::crypto::ring::default_provider();
    provider.cipher_suites = [
        rustls::crypto::ring::cipher_suite::TLS13_AES_128_GCM_SHA256,
        rustls::crypto::ring::cipher_suite::TLS13_AES_256_GCM_SHA384,
        rustls_openssl::cipher_suite::TLS13_CHACHA20_POLY1305_SHA256,
    ]
    .into_iter()
    .filter(|s| s.suite() == suite)
    .collect();
    provider
}

/// A client as rustls users write one: TLS 1.3, only `suite`, no
/// resumption, the chain and name verified against `ca` (PEM) by webpki.
pub fn verifying_client_config(suite: rustls::CipherSuite, ca: &str) -> Arc<ClientConfig> {
    let mut provider = rustls::crypto::ring::default_provider();
    provider.cipher_suites.retain(|s| s.suite() == suite);
    let mut roots = rustls::RootCertStore::empty();
    for der in tlsbox_engine::pem::certificates(ca).expect("a CA fixture") {
        roots.add(der).expect("a usable CA fixture");
    }
    let mut config = ClientConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .expect("the ring provider speaks TLS 1.3")
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.resumption = rustls::client::Resumption::disabled();
    Arc::new(config)
}

/// Benchmark only: accepts any certificate chain, but still checks that the
/// server signed the handshake with the key of the certificate it sent.
#[derive(Debug)]
struct SignatureOnly(Arc<CryptoProvider>);

impl ServerCertVerifier for SignatureOnly {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
