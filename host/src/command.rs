//! Runs any WASI 0.2 command component (one that exports `wasi:cli/run`, as
//! `cargo build --target wasm32-wasip2` makes of a `main`), the way
//! `wasmtime run` does: with this process's stdio, chosen arguments,
//! preopened directories and, when asked, the network.
//!
//! The tlsbox command component (`cli-component/`) runs here in the tests
//! and through `tlsbox run-component`. Unlike a TLS engine sandbox, such a
//! component is a whole program: it opens its own sockets and reads its own
//! files, so it gets what a user would grant it on `wasmtime run`'s command
//! line and nothing else.

use std::path::{Path, PathBuf};

use wasmtime::Store;
use wasmtime::component::{Linker, ResourceTable};
use wasmtime_wasi::p2::bindings::sync::CommandPre;
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use crate::error::{Error, Result};
use crate::runtime::{Runtime, load_component};

/// What a command component may reach, beyond stdio, clocks and randomness.
#[derive(Clone, Debug, Default)]
pub struct CommandOptions {
    /// `argv[1..]`; `argv[0]` is the component's file name.
    pub args: Vec<String>,
    /// Host directories the component may read (not write), each with the
    /// path the component sees it under (`wasmtime run --dir HOST::GUEST`).
    pub dirs: Vec<(PathBuf, String)>,
    /// TCP to and from any address, and name lookup
    /// (`wasmtime run -S inherit-network -S tcp -S allow-ip-name-lookup`).
    /// Off by default, as in wasmtime 48.
    pub network: bool,
    /// Environment variables the component sees (none by default).
    pub env: Vec<(String, String)>,
}

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

/// Runs the command component in `wasm` (a `.wasm` file) to completion on
/// this thread and returns its exit code: 0 when `run` returns `ok`, 1 when
/// it returns `err`, the code it passed to `wasi:cli/exit` otherwise. Must
/// not be called from inside an async runtime (WASI's blocking calls start
/// their own).
pub fn run_command(wasm: &Path, options: &CommandOptions) -> Result<i32> {
    let runtime = Runtime::get()?;
    let bytes = std::fs::read(wasm)
        .map_err(|e| Error::InvalidArgument(format!("cannot read {}: {e}", wasm.display())))?;
    let failed = |what: &str, e: wasmtime::Error| Error::Sandbox(format!("{what}: {e:#}"));
    let component =
        load_component(&runtime.engine, &bytes).map_err(|e| failed("cannot compile", e))?;
    let mut linker = Linker::<CommandState>::new(&runtime.engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(|e| failed("linker", e))?;
    let pre = linker
        .instantiate_pre(&component)
        .and_then(CommandPre::new)
        .map_err(|e| failed("not a WASI command component", e))?;

    let mut builder = WasiCtxBuilder::new();
    let name = wasm.file_name().map_or_else(
        || "component".to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    builder.inherit_stdio().arg(&name).args(&options.args);
    for (key, value) in &options.env {
        builder.env(key, value);
    }
    for (host, guest) in &options.dirs {
        builder
            .preopened_dir(host, guest, FsPerms::ReadOnly)
            .map_err(|e| failed(&format!("cannot preopen {}", host.display()), e))?;
    }
    if options.network {
        builder
            .inherit_network()
            .allow_tcp(true)
            .allow_ip_name_lookup(true);
    }
    let mut store = Store::new(
        &runtime.engine,
        CommandState {
            wasi: builder.build(),
            table: ResourceTable::new(),
        },
    );
    // The shared engine interrupts guests on epochs (for the TLS sandboxes'
    // call deadlines); a command runs for as long as it likes.
    store.set_epoch_deadline(u64::MAX / 2);
    let command = pre
        .instantiate(&mut store)
        .map_err(|e| failed("cannot instantiate", e))?;
    match command.wasi_cli_run().call_run(&mut store) {
        Ok(Ok(())) => Ok(0),
        Ok(Err(())) => Ok(1),
        Err(error) => match error.downcast_ref::<I32Exit>() {
            Some(exit) => Ok(exit.0),
            None => Err(failed("the component trapped", error)),
        },
    }
}
