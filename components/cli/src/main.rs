//! `tlsbox-cli`: `tlsbox server` and `tlsbox client` as one WebAssembly
//! command component (`wasi:cli/run`). Here the component is the whole
//! program: it opens its own sockets through `wasi:sockets`, reads its
//! certificates through `wasi:filesystem`, and drives the TLS engine
//! (`tlsbox-engine`, the code the sandboxed guest runs) itself. So the stock
//! `wasmtime` CLI runs it with nothing else of ours:
//!
//! ```sh
//! wasmtime run -S inherit-network -S tcp --dir fixtures \
//!     tlsbox-cli.wasm server --accept 127.0.0.1:4433 \
//!     --cert fixtures/agent1-cert.pem --key fixtures/agent1-key.pem --json
//! ```
//!
//! The flags and the `--json` lines are those of the native CLI
//! (`tlsbox-node-shapes`). There is no sandbox per connection here: the
//! runtime's sandbox is the whole component.

mod client;
mod conn;
mod poll;
mod report;
mod server;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tlsbox_node_shapes::args::{ClientFlags, ServerFlags};

/// TLS server and client (Node's `tls` module in Rust) as a WebAssembly
/// command component.
#[derive(Parser, Debug)]
#[command(name = "tlsbox-cli", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// An echo server: greets each client with `welcome!` and sends back what it reads.
    Server(ServerFlags),
    /// Connects, reports the handshake, then copies stdin to the server and the server to stdout.
    Client(ClientFlags),
}

/// A failure that ends the program: Node's code (when there is one) and a message.
#[derive(Debug)]
pub struct Failure {
    /// Node's code, as `tlsbox` prints it.
    pub code: Option<String>,
    /// What went wrong.
    pub message: String,
}

impl Failure {
    /// A failure without a code (bad arguments, files).
    pub fn plain(message: impl Into<String>) -> Self {
        Self {
            code: None,
            message: message.into(),
        }
    }
}

impl From<tlsbox_engine::Error> for Failure {
    fn from(error: tlsbox_engine::Error) -> Self {
        Self {
            code: Some(error.code.as_node_str().to_string()),
            message: error.message,
        }
    }
}

impl From<std::io::Error> for Failure {
    fn from(error: std::io::Error) -> Self {
        // The driver's errors: the pair's own failure, or a peer that hung
        // up during the handshake (Node's words for it).
        if let Some(failure) = tlsbox_engine::io::pair_error(&error) {
            return failure.clone().into();
        }
        if error.kind() == std::io::ErrorKind::UnexpectedEof {
            return Self {
                code: Some("ECONNRESET".into()),
                message: "socket hang up".into(),
            };
        }
        let code = match error.kind() {
            std::io::ErrorKind::ConnectionRefused => Some("ECONNREFUSED".to_string()),
            std::io::ErrorKind::ConnectionReset => Some("ECONNRESET".to_string()),
            _ => None,
        };
        Self {
            code,
            message: error.to_string(),
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{code}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Server(flags) => server::run(&flags),
        Command::Client(flags) => client::run(&flags),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("tlsbox: {failure}");
            ExitCode::FAILURE
        }
    }
}

/// The text of a PEM file (a clear error names the file: in a component it
/// must lie in a directory the runtime preopened, `--dir`).
pub fn read_pem(path: &std::path::Path) -> Result<String, Failure> {
    std::fs::read_to_string(path).map_err(|e| unreadable(path, e))
}

/// The bytes of a file (an OCSP response, DER), with [`read_pem`]'s error.
pub fn read_file(path: &std::path::Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| unreadable(path, e))
}

fn unreadable(path: &std::path::Path, e: std::io::Error) -> Failure {
    Failure::plain(format!(
        "cannot read {}: {e} (is its directory preopened, e.g. `wasmtime run --dir`?)",
        path.display()
    ))
}
