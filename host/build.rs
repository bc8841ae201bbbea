//! Builds the guest components (`guest/`) for wasm32-wasip2 with a nested
//! cargo, so that `cargo build` / `cargo test` at the root need no other step:
//! the self-contained one (`TLSBOX_COMPONENT_PATH`) and the one built with
//! `--features host-crypto` (`TLSBOX_HOST_CRYPTO_COMPONENT_PATH`).
//!
//! The nested cargo gets its own target directory: sharing the outer one
//! deadlocks on cargo's build lock. It must not inherit the outer build's
//! flags either (they are for the host target).

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "nested_cargo.rs"]
mod nested_cargo;

const TARGET: &str = "wasm32-wasip2";

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let workspace = manifest_dir.parent().expect("host/ lives in the workspace");
    for watched in ["guest", "engine", "wit", "Cargo.lock"] {
        println!(
            "cargo:rerun-if-changed={}",
            workspace.join(watched).display()
        );
    }
    println!("cargo:rerun-if-env-changed=TLSBOX_GUEST_PROFILE");

    check_target_installed();
    let target_dir = workspace.join("target").join("guest");
    let profile = env::var("TLSBOX_GUEST_PROFILE").unwrap_or_else(|_| "guest".into());
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));
    // One after the other, in the same target dir: the dependencies are
    // shared, and each build's component is copied out before the next
    // overwrites it.
    for (features, file, variable) in [
        (None, "tlsbox.wasm", "TLSBOX_COMPONENT_PATH"),
        (
            Some("host-crypto"),
            "tlsbox-host-crypto.wasm",
            "TLSBOX_HOST_CRYPTO_COMPONENT_PATH",
        ),
    ] {
        let built = build_guest(workspace, &target_dir, &profile, features);
        let out = out_dir.join(file);
        copy_if_changed(&built, &out);
        println!("cargo:rustc-env={variable}={}", out.display());
    }
}

/// Runs the nested cargo; returns the component it built.
fn build_guest(
    workspace: &Path,
    target_dir: &Path,
    profile: &str,
    features: Option<&str>,
) -> PathBuf {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .arg("build")
        .arg("--manifest-path")
        .arg(workspace.join("guest").join("Cargo.toml"))
        .args(["--target", TARGET, "--profile", profile])
        .arg("--target-dir")
        .arg(target_dir);
    if let Some(features) = features {
        command.args(["--features", features]);
    }
    nested_cargo::clear_outer_build(&mut command);
    let status = command
        .status()
        .expect("run the nested cargo that builds the guest");
    assert!(
        status.success(),
        "building the guest component failed (see the errors above)"
    );
    target_dir
        .join(TARGET)
        .join(profile)
        .join("tlsbox_guest.wasm")
}

/// Fails with one clear line when the wasm target is missing.
fn check_target_installed() {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let sysroot = Command::new(rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if let Some(sysroot) = sysroot {
        let lib = Path::new(&sysroot).join("lib").join("rustlib").join(TARGET);
        if !lib.exists() {
            panic!("the {TARGET} target is not installed: run `rustup target add {TARGET}`");
        }
    }
}

fn copy_if_changed(from: &Path, to: &Path) {
    let new = std::fs::read(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display()));
    if std::fs::read(to).ok().as_deref() != Some(&new[..]) {
        std::fs::write(to, new).unwrap_or_else(|e| panic!("write {}: {e}", to.display()));
    }
}
