//! `tlsbox`: a TLS server and client in the spirit of `openssl s_server` /
//! `s_client`, with every connection's TLS sandboxed in WebAssembly.

mod args;
mod client;
mod demo;
mod report;
mod run;
mod server;
mod www;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("TLSBOX_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
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
            Command::Component(args) => run::write_component(args),
            Command::Run(args) => run::run(args).await,
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
