//! `tlsbox component` and `tlsbox run`: the engine as a component to compose
//! with, and the host that runs the composition.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::Args;
use tlsbox::command::{CommandOptions, run_command};

/// Options of `tlsbox component`.
#[derive(Args, Debug)]
pub struct ComponentArgs {
    /// Where to write the component.
    #[arg(long, short, default_value = "tlsbox.wasm", value_name = "FILE")]
    pub out: PathBuf,
}

/// Options of `tlsbox run`.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// The command component (`.wasm`).
    pub component: PathBuf,
    /// A host directory the command may read, as HOST or HOST::GUEST (repeatable).
    #[arg(long, value_name = "DIR")]
    pub dir: Vec<String>,
    /// An environment variable, NAME=VALUE (repeatable).
    #[arg(long, value_name = "NAME=VALUE")]
    pub env: Vec<String>,
    /// An address the command may use besides loopback (repeatable).
    #[arg(long, value_name = "IP")]
    pub allow: Vec<IpAddr>,
    /// The command's arguments (after `--`).
    #[arg(last = true)]
    pub args: Vec<String>,
}

/// Writes the self-contained engine component.
pub fn write_component(args: ComponentArgs) -> tlsbox::Result<()> {
    std::fs::write(
        &args.out,
        tlsbox::runtime::component_wasm(tlsbox::Crypto::Guest)?,
    )?;
    eprintln!("wrote {}", args.out.display());
    Ok(())
}

/// Runs the command; exits with its exit code.
pub async fn run(args: RunArgs) -> tlsbox::Result<()> {
    let wasm = std::fs::read(&args.component)?;
    let mut options = CommandOptions::new(args.args);
    for dir in &args.dir {
        let (host, guest) = dir.split_once("::").unwrap_or((dir, dir));
        options.preopen(host, guest);
    }
    for variable in &args.env {
        let (name, value) = variable.split_once('=').ok_or_else(|| {
            tlsbox::Error::InvalidArgument(format!("--env {variable}: expected NAME=VALUE"))
        })?;
        options.env(name, value);
    }
    for address in args.allow {
        options.allow_address(address);
    }
    match run_command(&wasm, options).await? {
        0 => Ok(()),
        code => std::process::exit(code),
    }
}
