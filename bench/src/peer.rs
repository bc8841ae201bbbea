//! `tlsbox-bench peer`: the benchmark's servers for `tlsbox` and
//! `rustls-native`, each in its own process so that its memory can be read
//! from `/proc` and its CPU is not shared with the load client's runtime.
//!
//! Protocol, shared with `bench/node_peer.js` and (`GET` only) `openssl
//! s_server -WWW`: after the handshake the client sends `GET /bulk-<bytes>
//! HTTP/1.0` and a blank line; the server sends that many bytes and closes.
//! Or the client sends `PUT /bulk-<bytes> HTTP/1.0`, a blank line and that
//! many bytes; the server reads them all, answers with their count in
//! decimal and closes. A client that sends nothing and closes (the
//! handshake benchmark) or stays idle (the memory benchmark) gets nothing.

use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, ValueEnum};
use tlsbox::Error;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::native::{Pipe, Tls};

/// Which server a peer runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PeerSystem {
    /// tlsbox: every connection in its own sandbox.
    Tlsbox,
    /// tlsbox's engine built natively, driven by a small tokio driver.
    RustlsNative,
    /// tokio-rustls with rustls' default provider and server config.
    TokioRustls,
}

/// Options of the hidden `tlsbox-bench peer`.
#[derive(Args, Debug)]
pub struct PeerArgs {
    /// What to run.
    #[arg(long, value_enum)]
    pub system: PeerSystem,
    /// Serve on a free loopback port (printed as `{"port":N}`) until stdin closes.
    #[arg(long, requires_all = ["cert", "key"], conflicts_with = "connect")]
    pub serve: bool,
    /// Certificate chain (PEM) to serve.
    #[arg(long)]
    pub cert: Option<PathBuf>,
    /// Private key (PEM) to serve.
    #[arg(long)]
    pub key: Option<PathBuf>,
    /// Instead: connect once to this loopback port as `--system`'s client,
    /// verifying against `--ca`, and exit (the cold-start measure).
    #[arg(long, requires = "ca")]
    pub connect: Option<u16>,
    /// Root to trust when connecting.
    #[arg(long)]
    pub ca: Option<PathBuf>,
    /// For `tlsbox`: which engine build serves (host or guest).
    #[arg(long, default_value = "host")]
    pub crypto: tlsbox::Crypto,
    /// For `tlsbox`: an instance per connection (`connection`) or shared
    /// by up to N (`context:N`).
    #[arg(long, default_value = "connection")]
    pub isolation: tlsbox::Isolation,
}

/// Runs the peer.
pub async fn run(args: PeerArgs) -> Result<(), Error> {
    if let Some(port) = args.connect {
        let ca = tlsbox::read_pem(args.ca.as_ref().expect("clap requires --ca"))?;
        return match args.system {
            PeerSystem::Tlsbox => connect_tlsbox(port, ca).await,
            PeerSystem::RustlsNative => connect_native(port, ca).await,
            PeerSystem::TokioRustls => Err(Error::InvalidArgument(
                "tokio-rustls is measured as a server only".into(),
            )),
        };
    }
    let (Some(cert), Some(key)) = (&args.cert, &args.key) else {
        return Err(Error::InvalidArgument(
            "peer needs --serve with --cert and --key, or --connect".into(),
        ));
    };
    let credentials = tlsbox::Credentials::from_files(key, cert)?;
    // The parent closes our stdin when it is done (or dies): exit then.
    tokio::spawn(async {
        let mut sink = Vec::new();
        let _ = tokio::io::stdin().read_to_end(&mut sink).await;
        std::process::exit(0);
    });
    match args.system {
        PeerSystem::Tlsbox => serve_tlsbox(credentials, args.crypto, args.isolation).await,
        PeerSystem::RustlsNative => serve_native(credentials).await,
        PeerSystem::TokioRustls => serve_tokio_rustls(credentials).await,
    }
}

/// The server a Rust user writes with tokio-rustls: rustls' default
/// provider (aws-lc-rs; named here because this process also has ring's)
/// and its default server config, which keeps sessions in memory and
/// issues two stateful TLS 1.3 tickets per handshake.
async fn serve_tokio_rustls(credentials: tlsbox::Credentials) -> Result<(), Error> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let bad = |what: &str, e: &dyn std::fmt::Display| {
        Error::InvalidArgument(format!("tokio-rustls server: {what}: {e}"))
    };
    let cert = credentials.cert.unwrap_or_default();
    let key = credentials.key.unwrap_or_default();
    let chain = CertificateDer::pem_slice_iter(cert.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad("certificate", &e))?;
    let key = PrivateKeyDer::from_pem_slice(key.as_bytes()).map_err(|e| bad("key", &e))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad("versions", &e))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| bad("config", &e))?;
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    announce(listener.local_addr()?.port());
    loop {
        let (tcp, _) = listener.accept().await?;
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            if let Ok(tls) = acceptor.accept(tcp).await {
                let _ = respond(tls).await;
            }
        });
    }
}

/// One tlsbox client connection, as `tlsbox client` makes it: handshake
/// (chain and name verified), close.
async fn connect_tlsbox(port: u16, ca: String) -> Result<(), Error> {
    let mut stream =
        tlsbox::connect("localhost", port, tlsbox::ConnectOptions::with_ca(ca)).await?;
    AsyncWriteExt::shutdown(&mut stream).await?;
    let mut rest = [0u8; 1024];
    while AsyncReadExt::read(&mut stream, &mut rest).await? > 0 {}
    Ok(())
}

fn announce(port: u16) {
    println!("{{\"port\":{port}}}");
}

async fn serve_tlsbox(
    credentials: tlsbox::Credentials,
    crypto: tlsbox::Crypto,
    isolation: tlsbox::Isolation,
) -> Result<(), Error> {
    let mut options = tlsbox::ServerOptions::new(credentials);
    options.crypto = crypto;
    options.isolation = isolation;
    let server = tlsbox::create_server(options)?;
    let address = server.listen("127.0.0.1:0").await?;
    announce(address.port());
    while let Some(stream) = server.accept().await {
        tokio::spawn(async move {
            let _ = respond(stream).await;
        });
    }
    Ok(())
}

async fn serve_native(credentials: tlsbox::Credentials) -> Result<(), Error> {
    let engine_credentials = tlsbox_engine::context::Credentials {
        key: credentials.key,
        passphrase: credentials.passphrase,
        cert: credentials.cert,
        cert_chain: Default::default(),
        ca: credentials.ca,
        ca_certificates: Default::default(),
        ca_anchors: Vec::new(),
        held_roots: Default::default(),
        crl: credentials.crl,
        ocsp_response: credentials.ocsp_response,
    };
    let context = tlsbox_engine::context::SecureContext::new(&engine_credentials)
        .map_err(|e| Error::InvalidArgument(e.to_string()))?;
    // Session tickets, as a rustls server makes them (ring's ticketer) and
    // as many as tlsbox's server sends (2 per handshake, rustls' default):
    // the handshake measures compare servers that all issue tickets, and
    // the resumption measure needs them.
    let ticketer = rustls::crypto::ring::Ticketer::new()
        .map_err(|e| Error::InvalidArgument(format!("no session-ticket keys: {e}")))?;
    let options = tlsbox_engine::server::ServerOptions {
        ticketer: Some(ticketer),
        ..Default::default()
    };
    let server = Arc::new(tlsbox_engine::server::Server::new(context, options));
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    announce(listener.local_addr()?.port());
    loop {
        let (tcp, _) = listener.accept().await?;
        let server = server.clone();
        tokio::spawn(async move {
            let mut tls = Tls::new(tcp, server.accept());
            if tls.handshake().await.is_ok() {
                let _ = respond(tls).await;
            }
        });
    }
}

/// One established connection, whichever system runs it.
pub trait Conn {
    /// Reads cleartext; 0 at the end of the stream.
    fn read<'a>(
        &'a mut self,
        out: &'a mut [u8],
    ) -> impl Future<Output = io::Result<usize>> + Send + 'a;
    /// Sends all of `data`.
    fn write_all<'a>(
        &'a mut self,
        data: &'a [u8],
    ) -> impl Future<Output = io::Result<()>> + Send + 'a;
    /// Sends close_notify and closes.
    fn shutdown(&mut self) -> impl Future<Output = io::Result<()>> + Send + '_;
}

impl<P: Pipe + Send> Conn for Tls<P> {
    fn read<'a>(
        &'a mut self,
        out: &'a mut [u8],
    ) -> impl Future<Output = io::Result<usize>> + Send + 'a {
        Tls::read(self, out)
    }
    fn write_all<'a>(
        &'a mut self,
        data: &'a [u8],
    ) -> impl Future<Output = io::Result<()>> + Send + 'a {
        Tls::write_all(self, data)
    }
    fn shutdown(&mut self) -> impl Future<Output = io::Result<()>> + Send + '_ {
        Tls::shutdown(self)
    }
}

impl Conn for tokio_rustls::server::TlsStream<TcpStream> {
    fn read<'a>(
        &'a mut self,
        out: &'a mut [u8],
    ) -> impl Future<Output = io::Result<usize>> + Send + 'a {
        AsyncReadExt::read(self, out)
    }
    fn write_all<'a>(
        &'a mut self,
        data: &'a [u8],
    ) -> impl Future<Output = io::Result<()>> + Send + 'a {
        AsyncWriteExt::write_all(self, data)
    }
    fn shutdown(&mut self) -> impl Future<Output = io::Result<()>> + Send + '_ {
        AsyncWriteExt::shutdown(self)
    }
}

impl Conn for tlsbox::CleartextStream {
    fn read<'a>(
        &'a mut self,
        out: &'a mut [u8],
    ) -> impl Future<Output = io::Result<usize>> + Send + 'a {
        AsyncReadExt::read(self, out)
    }
    fn write_all<'a>(
        &'a mut self,
        data: &'a [u8],
    ) -> impl Future<Output = io::Result<()>> + Send + 'a {
        AsyncWriteExt::write_all(self, data)
    }
    fn shutdown(&mut self) -> impl Future<Output = io::Result<()>> + Send + '_ {
        AsyncWriteExt::shutdown(self)
    }
}

/// The server's side of the protocol in the module docs.
async fn respond(mut conn: impl Conn) -> io::Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 4096 {
        let n = conn.read(&mut buf).await?;
        if n == 0 {
            return conn.shutdown().await;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let end_of_head = head
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(head.len(), |at| at + 4);
    if let Some(expected) = uploaded_bytes(&head) {
        // The client sends: count to `expected`, then say how many came.
        let mut counted = head.len() - end_of_head;
        let mut buf = vec![0u8; 64 * 1024];
        while counted < expected {
            let n = conn.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            counted += n;
        }
        conn.write_all(counted.to_string().as_bytes()).await?;
        return conn.shutdown().await;
    }
    let mut left = requested_bytes(&head);
    let chunk = vec![0x5a_u8; 64 * 1024];
    while left > 0 {
        let n = left.min(chunk.len());
        conn.write_all(&chunk[..n]).await?;
        left -= n;
    }
    conn.shutdown().await
}

/// The `<bytes>` of `GET /bulk-<bytes>`, else 0.
fn requested_bytes(head: &[u8]) -> usize {
    bulk_bytes(head, "GET").unwrap_or(0)
}

/// The `<bytes>` of `PUT /bulk-<bytes>`: the client sends that many.
fn uploaded_bytes(head: &[u8]) -> Option<usize> {
    bulk_bytes(head, "PUT")
}

/// The `<bytes>` of a `<method> /bulk-<bytes>` request line.
fn bulk_bytes(head: &[u8], method: &str) -> Option<usize> {
    let line = head.split(|&b| b == b'\r').next().unwrap_or_default();
    std::str::from_utf8(line)
        .ok()
        .and_then(|l| l.strip_prefix(method))
        .and_then(|l| l.strip_prefix(" /bulk-"))
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
}

/// One verified handshake with the native engine, then a clean close: what
/// a native client process costs from start to its first handshake.
async fn connect_native(port: u16, ca: String) -> Result<(), Error> {
    let context =
        tlsbox_engine::context::SecureContext::new(&tlsbox_engine::context::Credentials {
            ca: vec![ca],
            ..Default::default()
        })
        .map_err(|e| Error::InvalidArgument(e.to_string()))?;
    let options = tlsbox_engine::pair::ClientOptions {
        servername: Some("localhost".into()),
        check_host: "localhost".into(),
        reject_unauthorized: true,
        ..Default::default()
    };
    let pair = tlsbox_engine::pair::SecurePair::connect(&context, &options)
        .map_err(|e| Error::InvalidArgument(e.to_string()))?;
    let tcp = TcpStream::connect(("127.0.0.1", port)).await?;
    let mut tls = Tls::new(tcp, pair);
    tls.handshake().await?;
    tls.shutdown().await?;
    let mut rest = [0u8; 1024];
    while tls.read(&mut rest).await? > 0 {}
    Ok(())
}

/// Reads the `{"port":N}` line a peer prints when it listens.
pub fn parse_port_line(line: &str) -> Option<u16> {
    let value: serde_json::Value = serde_json::from_str(line.trim()).ok()?;
    value["port"].as_u64().and_then(|p| u16::try_from(p).ok())
}
