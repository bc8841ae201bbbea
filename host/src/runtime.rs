//! The one wasmtime engine of a process, the tlsbox components compiled for
//! it (cached on disk), and the epoch ticker that enforces call deadlines.
//!
//! There are two components, one per [`Crypto`] choice: the self-contained
//! one (`engine` world: ring inside the guest, only WASI imports) and the
//! host-crypto one (`engine-host-crypto` world: it also imports
//! `tlsbox:tls/crypto`). Each is compiled on first use.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine};

use crate::bindings;
use crate::error::Error;
use crate::options::Crypto;
use crate::sandbox::state::SandboxState;

/// The self-contained component, as built by `build.rs` from `guest/`:
/// only where a C compiler for wasm32 was there for ring's C code.
#[cfg(tlsbox_self_contained)]
static COMPONENT_WASM: Option<&[u8]> = Some(include_bytes!(env!("TLSBOX_COMPONENT_PATH")));
#[cfg(not(tlsbox_self_contained))]
static COMPONENT_WASM: Option<&[u8]> = None;
/// The component built with host crypto (`guest/` with `--features host-crypto`).
static HOST_CRYPTO_COMPONENT_WASM: &[u8] =
    include_bytes!(env!("TLSBOX_HOST_CRYPTO_COMPONENT_PATH"));

/// Why there is no self-contained component, and how to get one.
const NOT_BUILT: &str = "this tlsbox was built without the self-contained engine \
    (Crypto::Guest): building it compiles ring's C code for wasm32, which needs clang; \
    install clang (apt-get install clang) and build again, or use Crypto::Host";

/// How often the engine's epoch advances: the granularity of call deadlines.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

type Pre = bindings::EngineHostCryptoPre<SandboxState>;

/// The engine, its linker, and each component's pre-linked instance template.
pub(crate) struct Runtime {
    pub(crate) engine: Engine,
    linker: Linker<SandboxState>,
    self_contained: OnceLock<Result<Pre, String>>,
    host_crypto: OnceLock<Result<Pre, String>>,
}

static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();

impl Runtime {
    /// The process-wide runtime, made on first use.
    pub(crate) fn get() -> Result<&'static Runtime, Error> {
        RUNTIME
            .get_or_init(|| Runtime::new().map_err(|e| format!("{e:#}")))
            .as_ref()
            .map_err(|message| Error::Sandbox(format!("cannot start the TLS engine: {message}")))
    }

    fn new() -> wasmtime::Result<Self> {
        let mut config = Config::new();
        // Deadlines on guest calls: a guest stuck in a loop traps instead of
        // holding a thread.
        config.epoch_interruption(true);
        // `TLSBOX_PERFMAP=1`: name the guest's compiled functions for
        // `perf` (/tmp/perf-PID.map), to see where a sandbox spends its time.
        if std::env::var_os("TLSBOX_PERFMAP").is_some() {
            config.profiler(wasmtime::ProfilingStrategy::PerfMap);
        }
        let engine = Engine::new(&config)?;
        let mut linker = Linker::<SandboxState>::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        // Only the host-crypto component imports these; the other ignores them.
        crate::imports::add_to_linker(&mut linker)?;
        start_epoch_ticker(engine.clone());
        Ok(Self {
            engine,
            linker,
            self_contained: OnceLock::new(),
            host_crypto: OnceLock::new(),
        })
    }

    /// The instance template for `crypto`'s component, compiled (or loaded
    /// from the cache) on first use.
    pub(crate) fn pre(&self, crypto: Crypto) -> Result<&Pre, Error> {
        let cell = match crypto {
            Crypto::Guest => &self.self_contained,
            Crypto::Host => &self.host_crypto,
        };
        let wasm = component_wasm(crypto)?;
        cell.get_or_init(|| {
            let component = load_component(&self.engine, wasm).map_err(|e| format!("{e:#}"))?;
            let pre = self
                .linker
                .instantiate_pre(&component)
                .map_err(|e| format!("{e:#}"))?;
            Pre::new(pre).map_err(|e| format!("{e:#}"))
        })
        .as_ref()
        .map_err(|message| Error::Sandbox(format!("cannot load the TLS engine: {message}")))
    }
}

/// The interfaces `crypto`'s component imports, by name (for example
/// `wasi:clocks/wall-clock@0.2.x`): what the sandbox can reach at all.
pub fn component_imports(crypto: Crypto) -> Result<Vec<String>, Error> {
    let runtime = Runtime::get()?;
    let component = runtime.pre(crypto)?.instance_pre().component();
    Ok(component
        .component_type()
        .imports(&runtime.engine)
        .map(|(name, _)| name.to_string())
        .collect())
}

/// `crypto`'s component's bytes (a WASI 0.2 component). The self-contained
/// one is an error in a build made without clang.
pub fn component_wasm(crypto: Crypto) -> Result<&'static [u8], Error> {
    match crypto {
        Crypto::Guest => COMPONENT_WASM.ok_or_else(|| Error::EngineNotBuilt(NOT_BUILT.into())),
        Crypto::Host => Ok(HOST_CRYPTO_COMPONENT_WASM),
    }
}

/// Advances the epoch every [`EPOCH_TICK`] for as long as the process runs.
fn start_epoch_ticker(engine: Engine) {
    let weak = engine.weak();
    drop(engine);
    std::thread::Builder::new()
        .name("tlsbox-epoch".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        })
        .expect("spawn the epoch ticker thread");
}

/// The compiled component: from the on-disk cache when a compatible one is
/// there, else compiled now and cached for the next start.
pub(crate) fn load_component(engine: &Engine, wasm: &[u8]) -> wasmtime::Result<Component> {
    let Some(path) = cache_path(engine, wasm) else {
        return Component::new(engine, wasm);
    };
    if path.exists() {
        // SAFETY: the file is one this code wrote (atomically, by rename) into
        // tlsbox's own cache directory, keyed by this engine's compatibility
        // hash and the component's bytes; wasmtime checks its header and
        // version again and refuses anything else.
        match unsafe { Component::deserialize_file(engine, &path) } {
            Ok(component) => return Ok(component),
            Err(e) => tracing::warn!("ignoring unusable cached component {}: {e}", path.display()),
        }
    }
    let component = Component::new(engine, wasm)?;
    if let Err(e) = store_in_cache(&path, &component.serialize()?) {
        tracing::warn!(
            "cannot cache the compiled component at {}: {e}",
            path.display()
        );
    }
    Ok(component)
}

fn store_in_cache(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let temporary = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&temporary, bytes)?;
    std::fs::rename(&temporary, path)
}

/// `<cache dir>/component-<hash>.cwasm`, or none when there is nowhere to cache.
fn cache_path(engine: &Engine, wasm: &[u8]) -> Option<PathBuf> {
    let dir = cache_dir()?;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    wasm.hash(&mut hasher);
    Some(dir.join(format!("component-{:016x}.cwasm", hasher.finish())))
}

/// `$TLSBOX_CACHE_DIR`, else `$XDG_CACHE_HOME/tlsbox`, else `~/.cache/tlsbox`.
/// `TLSBOX_CACHE_DIR=off` disables the cache.
fn cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("TLSBOX_CACHE_DIR") {
        return (dir != "off").then(|| PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME") {
        return Some(PathBuf::from(dir).join("tlsbox"));
    }
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache").join("tlsbox"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The host-crypto component is in every build; the self-contained one
    /// only where clang was there, and asking for it otherwise says how to
    /// get it.
    #[test]
    fn each_component_is_there_or_says_how_to_get_it() {
        let host = component_wasm(Crypto::Host).expect("always built");
        assert_eq!(&host[..4], b"\0asm");
        let guest = component_wasm(Crypto::Guest);
        if cfg!(tlsbox_self_contained) {
            assert_eq!(&guest.expect("built with clang")[..4], b"\0asm");
        } else {
            let error = guest.expect_err("built without clang");
            assert_eq!(error.code(), "ERR_TLSBOX_ENGINE_NOT_BUILT");
            assert!(error.to_string().contains("needs clang"), "{error}");
            let refused = Runtime::get().and_then(|runtime| runtime.pre(Crypto::Guest).map(|_| ()));
            assert_eq!(refused.unwrap_err().code(), "ERR_TLSBOX_ENGINE_NOT_BUILT");
        }
    }
}
