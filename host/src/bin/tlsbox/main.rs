//! `tlsbox`: a TLS server and client in the spirit of `openssl s_server` /
//! `s_client`, with every connection's TLS sandboxed in WebAssembly.

mod args;
mod bench;
mod client;
mod demo;
mod report;
mod run_component;
mod server;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("TLSBOX_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    // A command component blocks this thread (WASI's blocking calls start
    // their own runtime): run it outside tokio.
    if let Command::RunComponent(args) = &cli.command {
        return run_component::run(args);
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("tlsbox: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Server(args) => server::run(args).await,
            Command::Client(args) => client::run(args).await,
            Command::Demo => demo::run().await,
            Command::Bench(args) => bench::run(args).await,
            Command::BenchPeer(args) => bench::peer::run(args).await,
            Command::RunComponent(_) => unreachable!("run before the async runtime starts"),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("tlsbox: {error}");
            ExitCode::FAILURE
        }
    }
}
