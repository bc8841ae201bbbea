//! Shared by `host/build.rs` and the tests that build wasm crates with a
//! nested cargo: what the nested build must not inherit.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::process::Command;

/// Removes from `command`'s environment what the outer cargo set for its
/// own (host-target) build: flags and wrappers meant for the host target,
/// the outer target dir, and every other `CARGO_*` variable (`CARGO_HOME`
/// aside) and `OUT_DIR`, which build scripts such as ring's track: leaving
/// them in would rebuild the wasm dependencies each time a different outer
/// build (a test, a `just` recipe, the build script) runs the nested one.
pub fn clear_outer_build(command: &mut Command) {
    for (var, _) in std::env::vars_os() {
        let name = var.to_string_lossy();
        let outer = (name.starts_with("CARGO_") && name != "CARGO_HOME")
            || [
                "OUT_DIR",
                "RUSTFLAGS",
                "RUSTC_WRAPPER",
                "RUSTC_WORKSPACE_WRAPPER",
            ]
            .contains(&&*name);
        if outer {
            command.env_remove(&var);
        }
    }
}
