//! `tlsbox-bench`: tlsbox against native rustls, Node's `tls` and OpenSSL,
//! side by side, on loopback (`cargo run -p tlsbox-bench --release -- ...`).
//!
//! Every server runs in its own process and is measured with the same
//! native rustls load client (see [`native::client_config`]), so the
//! differences are the servers'. Each measure is taken over several rounds
//! and reported as the median with the min–max range, and as a ratio to
//! `rustls-native` (tlsbox's engine built natively).
//!
//! This file holds the command line and `main` only: `settings` the
//! options, systems, keys and suites; `run` the measures, one module per
//! part; `report` the results and where they are printed and saved
//! (`table` and `chart` draw them); `servers`, `peer`, `native` and `load`
//! the servers under test and the load client.

mod chart;
mod load;
mod native;
mod peer;
mod report;
mod run;
mod servers;
mod settings;
mod table;

use clap::{Parser, Subcommand};

use settings::BenchArgs;

/// Benchmarks tlsbox against native rustls, Node's `tls` and OpenSSL on
/// loopback: handshakes/s (full and resumed), bulk MB/s, memory per
/// connection, set-up cost, cold start.
#[derive(Parser, Debug)]
#[command(name = "tlsbox-bench", args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    peer: Option<PeerCommand>,
    #[command(flatten)]
    bench: BenchArgs,
}

#[derive(Subcommand, Debug)]
enum PeerCommand {
    /// A server or client process of the benchmark (internal).
    #[command(hide = true)]
    Peer(peer::PeerArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("tlsbox-bench: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.peer {
            Some(PeerCommand::Peer(args)) => peer::run(args).await,
            None => run::run(cli.bench).await,
        }
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("tlsbox-bench: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// A progress line on stderr (stdout holds the results only).
pub(crate) fn progress(line: &str) {
    eprintln!("bench: {line}");
}
