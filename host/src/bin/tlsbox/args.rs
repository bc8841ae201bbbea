//! The command line, as parsed; turned into library options by each command.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
pub use tlsbox_node_shapes::args::{ClientFlags, ServerFlags};

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
    /// An echo server: greets each client with `welcome!` and sends back what it reads
    /// (or, with --www, a status page over HTTP).
    Server(ServerArgs),
    /// Connects, reports the handshake, then copies stdin to the server and the server to stdout.
    Client(ClientArgs),
    /// Runs Node's echo example through the sandbox with the bundled fixtures: a server and
    /// a client on loopback, each authorizing the other.
    Demo,
    /// Writes the self-contained engine component (exports `tlsbox:tls/tls`),
    /// to plug into a component that imports it: `wac plug app.wasm --plug tlsbox.wasm`.
    Component(crate::run::ComponentArgs),
    /// Runs a WASI command component (`wasi:cli/run`), such as one composed
    /// with the engine, with TCP on loopback (and --allow addresses) only.
    Run(crate::run::RunArgs),
}

/// Options of `tlsbox server`: the shared flags, and this host's sandbox.
#[derive(Args, Debug)]
pub struct ServerArgs {
    #[command(flatten)]
    pub flags: ServerFlags,
    #[command(flatten)]
    pub sandbox: SandboxArgs,
    /// Which sandboxed engine build runs each connection: host (primitives
    /// in the host, the default) or guest (self-contained).
    #[arg(long, value_name = "host|guest", default_value = "host")]
    pub crypto: tlsbox::Crypto,
    #[command(flatten)]
    pub tickets: TicketArgs,
    /// Listen with SO_REUSEPORT, so that several `tlsbox server` processes
    /// share the port (with the same --ticket-keys, they resume each
    /// other's clients).
    #[arg(long)]
    pub reuse_port: bool,
    /// How connections are spread over sandboxes: `connection` (each in a
    /// fresh instance of its own, the default) or `context:N` (up to N
    /// connections share an instance, which parses the credentials once;
    /// a trap or limit ends exactly that instance's connections).
    #[arg(
        long,
        value_name = "connection|context:N",
        default_value = "connection"
    )]
    pub isolation: tlsbox::Isolation,
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// What the server does with each connection once it is secure.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Answer an HTTP GET with a status page, as `openssl s_server -www`:
    /// `HTTP/1.0 200` whose body is the connection's JSON (the
    /// secureConnection object), then close_notify. For `curl` or a browser.
    #[arg(long)]
    pub www: bool,
    /// Echo without the `welcome!` line first, for tools that expect their
    /// own bytes back first.
    #[arg(long, conflicts_with = "www")]
    pub no_greeting: bool,
}

/// Session resumption: the ticket keys the server's host holds.
#[derive(Args, Debug)]
pub struct TicketArgs {
    /// Seal session tickets with the 48 bytes in FILE (Node's `ticketKeys`;
    /// e.g. `head -c 48 /dev/urandom > FILE`): servers started with the
    /// same file resume each other's clients. Without it, random keys per
    /// process, rotated every 6 hours.
    #[arg(long, value_name = "FILE", conflicts_with = "no_tickets")]
    pub ticket_keys: Option<PathBuf>,
    /// Issue no session tickets: every handshake is a full one.
    #[arg(long)]
    pub no_tickets: bool,
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

/// Options of `tlsbox client`: the shared flags, and this host's sandbox.
#[derive(Args, Debug)]
pub struct ClientArgs {
    #[command(flatten)]
    pub flags: ClientFlags,
    #[command(flatten)]
    pub sandbox: SandboxArgs,
    /// Which sandboxed engine build runs the connection: host (primitives
    /// in the host, the default) or guest (self-contained).
    #[arg(long, value_name = "host|guest", default_value = "host")]
    pub crypto: tlsbox::Crypto,
    /// Connect, then N more times resuming the session (`openssl s_client
    /// -reconnect`): each connection reports its handshake (with
    /// `sessionReused`) and closes, and the last carries stdin and stdout.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub reconnect: usize,
    /// Without --ca, trust the platform's roots as well as the default
    /// (Mozilla's) ones: Node's `--use-system-ca`. `SSL_CERT_FILE` and
    /// `SSL_CERT_DIR` name other files.
    #[arg(long)]
    pub use_system_ca: bool,
}
