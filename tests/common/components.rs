//! Example components for the composition tests: built for wasm32-wasip2
//! by a nested cargo (as `host/build.rs` builds the engine), and composed
//! with the engine the way `wac plug` does it.

use std::path::{Path, PathBuf};
use std::process::Command;

use wac_graph::types::Package;
use wac_graph::{CompositionGraph, EncodeOptions};

const TARGET: &str = "wasm32-wasip2";
/// The guest profile and target dir of `host/build.rs`: the rustls and
/// wit-bindgen it compiled are reused, so a rebuild takes seconds.
const PROFILE: &str = "guest";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host/ lives in the workspace")
        .to_path_buf()
}

/// What a component crate builds.
pub enum Kind {
    /// A command (`fn main`): `<package>.wasm`.
    Binary,
    /// A library, an rlib natively and a cdylib here: `<package_name>.wasm`.
    Library,
}

/// Builds the workspace package `package` (a component crate) for
/// wasm32-wasip2; returns its `.wasm`. Cargo makes this a no-op when
/// nothing changed.
pub fn build(package: &str, kind: Kind) -> Vec<u8> {
    let target_dir = workspace().join("target").join("guest");
    let mut command = Command::new(env!("CARGO"));
    command
        .current_dir(workspace())
        .args(["rustc", "--quiet", "--package", package, "--target", TARGET])
        .args(["--profile", PROFILE])
        .arg("--target-dir")
        .arg(&target_dir);
    let artifact = match kind {
        Kind::Binary => format!("{package}.wasm"),
        Kind::Library => {
            command.args(["--lib", "--crate-type", "cdylib"]);
            format!("{}.wasm", package.replace('-', "_"))
        }
    };
    tlsbox_nested_cargo::clear_outer_build(&mut command);
    let status = command.status().expect("run cargo");
    assert!(status.success(), "building {package} for {TARGET} failed");
    let path = target_dir.join(TARGET).join(PROFILE).join(artifact);
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// `wac plug SOCKET --plug PLUG`: every import of `socket` that `plug`
/// exports is satisfied by one instance of `plug`; the result exports what
/// `socket` exports.
pub fn plug(socket: &[u8], plug: &[u8]) -> Vec<u8> {
    let mut graph = CompositionGraph::new();
    let socket = Package::from_bytes("example:socket", None, socket, graph.types_mut())
        .expect("socket is a component");
    let socket = graph.register_package(socket).expect("register socket");
    let plug = Package::from_bytes("example:plug", None, plug, graph.types_mut())
        .expect("plug is a component");
    let plug = graph.register_package(plug).expect("register plug");
    wac_graph::plug(&mut graph, vec![plug], socket).expect("plug");
    graph
        .encode(EncodeOptions::default())
        .expect("encode the composition")
}

/// The names a component imports and exports, read without compiling it.
pub fn imports_and_exports(wasm: &[u8]) -> (Vec<String>, Vec<String>) {
    let mut graph = CompositionGraph::new();
    let package =
        Package::from_bytes("example:any", None, wasm, graph.types_mut()).expect("a component");
    let world = &graph.types()[package.ty()];
    (
        world.imports.keys().cloned().collect(),
        world.exports.keys().cloned().collect(),
    )
}
