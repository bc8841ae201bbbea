//! The command line, as parsed; turned into library options by each command.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Where a connection's cryptographic primitives run (`tlsbox::Crypto`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum CryptoArg {
    /// The self-contained component: ring inside the sandbox (WASI imports only).
    Guest,
    /// Record protection (AES-GCM, ChaCha20-Poly1305) natively in the host.
    #[default]
    Host,
}

impl From<CryptoArg> for tlsbox::Crypto {
    fn from(arg: CryptoArg) -> Self {
        match arg {
            CryptoArg::Guest => tlsbox::Crypto::Guest,
            CryptoArg::Host => tlsbox::Crypto::Host,
        }
    }
}

/// TLS server and client with the TLS engine sandboxed in WebAssembly
/// (Node's `tls` module, in Rust).
#[derive(Parser, Debug)]
#[command(name = "tlsbox", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// An echo server: greets each client with `welcome!` and sends back what it reads.
    Server(ServerArgs),
    /// Connects, reports the handshake, then copies stdin to the server and the server to stdout.
    Client(ClientArgs),
    /// Runs Node's echo example through the sandbox with the bundled fixtures: a server and
    /// a client on loopback, each authorizing the other.
    Demo,
    /// Benchmarks tlsbox against native rustls, Node's `tls` and OpenSSL on loopback:
    /// handshakes/s, bulk MB/s, memory per connection, set-up cost, cold start.
    Bench(crate::bench::BenchArgs),
    /// Runs a WASI command component, such as `tlsbox-cli.wasm` (built from
    /// `cli-component/`), as `wasmtime run` would, with TCP and name lookup allowed.
    RunComponent(RunComponentArgs),
    /// A server or client process of `tlsbox bench` (internal).
    #[command(hide = true)]
    BenchPeer(crate::bench::peer::PeerArgs),
}

/// Options of `tlsbox server`.
#[derive(Args, Debug)]
pub struct ServerArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:4433", value_name = "HOST:PORT")]
    pub accept: String,
    /// Certificate chain (PEM): the leaf, then intermediates.
    #[arg(long, value_name = "FILE")]
    pub cert: PathBuf,
    /// Private key (PEM).
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// Passphrase of an encrypted key.
    #[arg(long, value_name = "PASSPHRASE")]
    pub pass: Option<String>,
    /// Roots to verify client certificates against (repeatable).
    #[arg(long, value_name = "FILE")]
    pub ca: Vec<PathBuf>,
    /// Certificate revocation lists (repeatable).
    #[arg(long, value_name = "FILE")]
    pub crl: Vec<PathBuf>,
    /// Ask clients for a certificate (Node's `requestCert`).
    #[arg(long)]
    pub request_cert: bool,
    /// With --request-cert, refuse clients whose certificate does not verify.
    #[arg(long)]
    pub reject_unauthorized: bool,
    /// ALPN protocols, comma-separated, preferred first.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub alpn: Vec<String>,
    /// Another context for an SNI name or `*.name` (repeatable; Node's `addContext`).
    #[arg(long, value_name = "PATTERN=CERT,KEY")]
    pub context: Vec<String>,
    /// Close connections beyond this many (Node's `maxConnections`).
    #[arg(long, value_name = "N")]
    pub max_connections: Option<usize>,
    /// Abort handshakes that take longer than this (milliseconds).
    #[arg(long, value_name = "MS", default_value_t = 120_000)]
    pub handshake_timeout: u64,
    #[command(flatten)]
    pub sandbox: SandboxArgs,
    /// Print one JSON object per line for each event.
    #[arg(long)]
    pub json: bool,
    /// Which sandboxed engine build runs each connection.
    #[arg(long, value_enum, default_value_t)]
    pub crypto: CryptoArg,
    /// Cipher suites to accept, OpenSSL or IANA names separated by `:` (Node's `ciphers`).
    #[arg(long, value_name = "LIST")]
    pub ciphers: Option<String>,
}

/// Limits on each connection's sandbox, and the key log.
#[derive(Args, Debug)]
pub struct SandboxArgs {
    /// Memory each connection's TLS engine instance may use (MiB).
    #[arg(long, value_name = "MIB", default_value_t = 32)]
    pub max_memory: usize,
    /// CPU time one call into a connection's TLS engine may take (milliseconds).
    #[arg(long, value_name = "MS", default_value_t = 2000)]
    pub call_deadline: u64,
    /// Append every connection's TLS secrets to FILE (SSLKEYLOGFILE format,
    /// for Wireshark). Anyone with the file can decrypt the traffic.
    #[arg(long, value_name = "FILE")]
    pub keylog: Option<PathBuf>,
}

impl SandboxArgs {
    /// The library's limits, from these flags.
    pub fn limits(&self) -> tlsbox::SandboxLimits {
        tlsbox::SandboxLimits {
            memory_bytes: self.max_memory.saturating_mul(1 << 20),
            call_deadline: std::time::Duration::from_millis(self.call_deadline),
            ..tlsbox::SandboxLimits::default()
        }
    }
}

/// Options of `tlsbox client`.
#[derive(Args, Debug)]
pub struct ClientArgs {
    /// Server to connect to.
    #[arg(long, default_value = "localhost:4433", value_name = "HOST:PORT")]
    pub connect: String,
    /// SNI name, and the name the certificate must match (default: the host, unless an IP).
    #[arg(long, value_name = "NAME")]
    pub servername: Option<String>,
    /// Roots to trust (repeatable). tlsbox has no built-in root store.
    #[arg(long, value_name = "FILE")]
    pub ca: Vec<PathBuf>,
    /// Certificate revocation lists the server's chain is checked against (repeatable).
    #[arg(long, value_name = "FILE")]
    pub crl: Vec<PathBuf>,
    /// Client certificate (PEM), sent if the server asks.
    #[arg(long, value_name = "FILE", requires = "key")]
    pub cert: Option<PathBuf>,
    /// Client private key (PEM).
    #[arg(long, value_name = "FILE", requires = "cert")]
    pub key: Option<PathBuf>,
    /// Passphrase of an encrypted key.
    #[arg(long, value_name = "PASSPHRASE")]
    pub pass: Option<String>,
    /// ALPN protocols to offer, comma-separated.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub alpn: Vec<String>,
    /// Connect even if the server's certificate does not verify (Node's
    /// `rejectUnauthorized: false`). The connection is then open to tampering.
    #[arg(long)]
    pub insecure: bool,
    /// Abort the handshake after this long (milliseconds).
    #[arg(long, value_name = "MS", default_value_t = 120_000)]
    pub handshake_timeout: u64,
    #[command(flatten)]
    pub sandbox: SandboxArgs,
    /// Print the handshake's outcome as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Which sandboxed engine build runs the connection.
    #[arg(long, value_enum, default_value_t)]
    pub crypto: CryptoArg,
    /// Cipher suites to offer, OpenSSL or IANA names separated by `:` (Node's `ciphers`).
    #[arg(long, value_name = "LIST")]
    pub ciphers: Option<String>,
}

/// Options of `tlsbox run-component`.
#[derive(Args, Debug)]
pub struct RunComponentArgs {
    /// A host directory the component may read: `HOST` (seen under the same
    /// path) or `HOST::GUEST` (repeatable; `wasmtime run --dir`).
    #[arg(long, value_name = "HOST[::GUEST]")]
    pub dir: Vec<String>,
    /// Deny TCP and name lookup (allowed by default: a TLS tool needs them).
    #[arg(long)]
    pub no_network: bool,
    /// The component (`.wasm`).
    pub component: PathBuf,
    /// The component's own arguments.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}
