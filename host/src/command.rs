//! Running a WASI command component (`wasi:cli/run`) in tlsbox's host, with
//! network access limited to what the caller allows.
//!
//! This is how a component that terminates TLS through tlsbox (composed
//! with the engine by `wac plug`, see `examples/tls-echo`) runs from Rust:
//!
//! ```rust,no_run
//! # async fn run(wasm: &[u8]) -> tlsbox::Result<()> {
//! let mut options = tlsbox::command::CommandOptions::new(["--listen", "127.0.0.1:4433"]);
//! options.preopen("fixtures", "fixtures");
//! let exit_code = tlsbox::command::run_command(wasm, options).await?;
//! # Ok(()) }
//! ```
//!
//! wasmtime denies TCP by default; here the command may use TCP (no UDP),
//! and only with loopback addresses and those in
//! [`CommandOptions::allow_address`]. It sees the arguments, environment
//! variables and directories it is given, the host's stderr, and the
//! host's stdin and stdout unless they are captured
//! ([`CommandOptions::capture_stdout`]) or given to a stream
//! ([`CommandOptions::stdio`]).
//! Unlike the per-connection sandboxes, a command has no CPU deadline: it
//! runs until it returns.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use tokio::io::{AsyncRead, AsyncWrite};
use wasmtime::component::{Linker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::cli::{AsyncStdinStream, AsyncStdoutStream};
use wasmtime_wasi::p2::bindings::Command;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::sockets::SocketAddrUse;
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use crate::error::{Error, Result};

/// What a command component gets from the host.
#[derive(Default)]
pub struct CommandOptions {
    args: Vec<String>,
    env: Vec<(String, String)>,
    dirs: Vec<(PathBuf, String)>,
    allowed: Vec<IpAddr>,
    stdout: Option<CapturedOutput>,
    stdio: Option<(AsyncStdinStream, AsyncStdoutStream)>,
}

impl CommandOptions {
    /// A command run with `args` after its program name (`tls-echo`'s
    /// `--listen ...`), no environment, no directories, and TCP on loopback.
    pub fn new<S: Into<String>>(args: impl IntoIterator<Item = S>) -> Self {
        Self {
            args: args.into_iter().map(Into::into).collect(),
            ..Self::default()
        }
    }

    /// Sets an environment variable.
    pub fn env(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Lets the command read the host directory `host` as `guest` (read
    /// only: it can open files there, not create or change them).
    pub fn preopen(&mut self, host: impl Into<PathBuf>, guest: impl Into<String>) -> &mut Self {
        self.dirs.push((host.into(), guest.into()));
        self
    }

    /// Lets the command bind, listen on, accept from or connect to `address`
    /// too, besides the loopback addresses.
    pub fn allow_address(&mut self, address: IpAddr) -> &mut Self {
        self.allowed.push(address);
        self
    }

    /// Captures the command's stdout instead of inheriting the host's: the
    /// returned handle reads what it printed so far, even while it runs.
    pub fn capture_stdout(&mut self) -> CapturedOutput {
        let captured = CapturedOutput(MemoryOutputPipe::new(CAPTURE_LIMIT));
        self.stdout = Some(captured.clone());
        captured
    }

    /// Connects the command's stdin to `reader` and its stdout to `writer`
    /// (the two halves of a TCP connection, say: a component whose
    /// transport is its standard streams), instead of the host's.
    pub fn stdio(
        &mut self,
        reader: impl AsyncRead + Send + Sync + 'static,
        writer: impl AsyncWrite + Send + Sync + 'static,
    ) -> &mut Self {
        self.stdio = Some((
            AsyncStdinStream::new(reader),
            AsyncStdoutStream::new(STDIO_BUDGET, writer),
        ));
        self
    }
}

/// The most bytes `stdio`'s writer holds before the command must wait.
const STDIO_BUDGET: usize = 64 * 1024;

/// The most stdout kept by [`CommandOptions::capture_stdout`]; past it the
/// command's writes fail.
const CAPTURE_LIMIT: usize = 1 << 20;

/// A command's captured stdout.
#[derive(Clone, Debug)]
pub struct CapturedOutput(MemoryOutputPipe);

impl CapturedOutput {
    /// What the command printed so far, as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.contents()).into_owned()
    }
}

/// Whether a command may use `address` for `usage`: loopback and the
/// allow-list always; the unspecified address (`0.0.0.0`, `::`) only to
/// bind, because wasmtime checks the implicit bind before a `connect` with
/// it.
fn address_allowed(allowed: &[IpAddr], address: SocketAddr, usage: SocketAddrUse) -> bool {
    let ip = address.ip().to_canonical();
    ip.is_loopback()
        || allowed.iter().any(|a| a.to_canonical() == ip)
        || (ip.is_unspecified() && matches!(usage, SocketAddrUse::TcpBind))
}

/// What a command's store holds.
struct CommandState {
    wasi: WasiCtx,
    table: ResourceTable,
}

impl WasiView for CommandState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// The engine and linker for commands: apart from the per-connection one,
/// because commands run without epoch deadlines.
struct CommandRuntime {
    engine: Engine,
    linker: Linker<CommandState>,
}

fn command_runtime() -> Result<&'static CommandRuntime> {
    static RUNTIME: OnceLock<std::result::Result<CommandRuntime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            let engine = Engine::new(&Config::new()).map_err(|e| format!("{e:#}"))?;
            let mut linker = Linker::new(&engine);
            wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(|e| format!("{e:#}"))?;
            Ok(CommandRuntime { engine, linker })
        })
        .as_ref()
        .map_err(|message| Error::Sandbox(format!("cannot start the command runtime: {message}")))
}

fn wasi_context(options: CommandOptions) -> Result<WasiCtx> {
    let mut builder = WasiCtxBuilder::new();
    builder
        .arg("command")
        .args(&options.args)
        .envs(&options.env)
        .inherit_stderr()
        .allow_tcp(true)
        .allow_udp(false)
        .allow_ip_name_lookup(true);
    match (options.stdio, options.stdout) {
        (Some((stdin, stdout)), _) => builder.stdin(stdin).stdout(stdout),
        (None, Some(captured)) => builder.inherit_stdin().stdout(captured.0),
        (None, None) => builder.inherit_stdin().inherit_stdout(),
    };
    let allowed = Arc::new(options.allowed);
    builder.socket_addr_check(move |address, usage| {
        let ok = address_allowed(&allowed, address, usage);
        Box::pin(async move { ok })
    });
    for (host, guest) in &options.dirs {
        builder
            .preopened_dir(host, guest, FsPerms::ReadOnly)
            .map_err(|e| {
                Error::InvalidArgument(format!("cannot open {}: {e:#}", host.display()))
            })?;
    }
    Ok(builder.build())
}

/// Runs the command component `wasm` to its end; returns its exit code (0
/// when `run` returned ok, 1 when it returned an error, else the code it
/// exited with). The component is compiled on each call (or loaded from
/// tlsbox's compiled-component cache).
pub async fn run_command(wasm: &[u8], options: CommandOptions) -> Result<i32> {
    let runtime = command_runtime()?;
    let failed = |what: &str, e: wasmtime::Error| Error::Sandbox(format!("{what}: {e:#}"));
    let component = crate::runtime::load_component(&runtime.engine, wasm)
        .map_err(|e| failed("cannot compile the command", e))?;
    let state = CommandState {
        wasi: wasi_context(options)?,
        table: ResourceTable::new(),
    };
    let mut store = Store::new(&runtime.engine, state);
    let command = Command::instantiate_async(&mut store, &component, &runtime.linker)
        .await
        .map_err(|e| failed("cannot instantiate the command", e))?;
    match command.wasi_cli_run().call_run(&mut store).await {
        Ok(Ok(())) => Ok(0),
        Ok(Err(())) => Ok(1),
        Err(e) => match e.downcast_ref::<I32Exit>() {
            Some(exit) => Ok(exit.0),
            None => Err(failed("the command trapped", e)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_and_the_allow_list_are_reachable() {
        let listed: IpAddr = "192.0.2.7".parse().unwrap();
        let allowed = [listed];
        let at = |ip: &str| SocketAddr::new(ip.parse().unwrap(), 443);
        assert!(address_allowed(
            &allowed,
            at("127.0.0.1"),
            SocketAddrUse::TcpConnect
        ));
        assert!(address_allowed(
            &allowed,
            at("::1"),
            SocketAddrUse::TcpListen
        ));
        assert!(address_allowed(
            &allowed,
            at("::ffff:127.0.0.1"),
            SocketAddrUse::TcpConnect
        ));
        assert!(address_allowed(
            &allowed,
            at("192.0.2.7"),
            SocketAddrUse::TcpConnect
        ));
        assert!(!address_allowed(
            &allowed,
            at("192.0.2.8"),
            SocketAddrUse::TcpConnect
        ));
        assert!(!address_allowed(
            &[],
            at("192.0.2.7"),
            SocketAddrUse::TcpConnect
        ));
        assert!(address_allowed(&[], at("0.0.0.0"), SocketAddrUse::TcpBind));
        assert!(!address_allowed(
            &[],
            at("0.0.0.0"),
            SocketAddrUse::TcpConnect
        ));
        assert!(!address_allowed(
            &[],
            at("0.0.0.0"),
            SocketAddrUse::TcpListen
        ));
    }
}
