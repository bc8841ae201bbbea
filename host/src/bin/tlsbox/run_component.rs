//! `tlsbox run-component`: a WASI command component run as `wasmtime run`
//! would run it (see `tlsbox::command`).

use std::path::PathBuf;
use std::process::ExitCode;

use crate::args::RunComponentArgs;

pub fn run(args: &RunComponentArgs) -> ExitCode {
    let options = tlsbox::CommandOptions {
        args: args.args.clone(),
        dirs: args.dir.iter().map(|spec| dir_spec(spec)).collect(),
        network: !args.no_network,
        env: Vec::new(),
    };
    match tlsbox::run_command(&args.component, &options) {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Err(error) => {
            eprintln!("tlsbox: {error}");
            ExitCode::FAILURE
        }
    }
}

/// `HOST::GUEST`, or `HOST` seen under the same path.
fn dir_spec(spec: &str) -> (PathBuf, String) {
    match spec.split_once("::") {
        Some((host, guest)) => (PathBuf::from(host), guest.to_string()),
        None => (PathBuf::from(spec), spec.to_string()),
    }
}
