//! Builds the guest components (`guest/`) for wasm32-wasip2 with a nested
//! cargo, so that `cargo build` / `cargo test` at the root need no other step:
//! the one built with host crypto (`TLSBOX_HOST_CRYPTO_COMPONENT_PATH`,
//! always: it compiles no C) and the self-contained one
//! (`TLSBOX_COMPONENT_PATH` and the `tlsbox_self_contained` cfg, when a C
//! compiler for wasm32 is there: ring's C code needs clang).
//!
//! A missing wasm32-wasip2 target is added with rustup, for the toolchain
//! this build runs on.
//!
//! The nested cargo gets its own target directory: sharing the outer one
//! deadlocks on cargo's build lock. It must not inherit the outer build's
//! flags either (they are for the host target).

use std::env;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const TARGET: &str = "wasm32-wasip2";

/// The variables through which the `cc` crate finds a C compiler for the
/// wasm target (it falls back to `clang` on the PATH).
const WASM_CC_VARIABLES: [&str; 4] = ["CC_wasm32_wasip2", "CC_wasm32-wasip2", "TARGET_CC", "CC"];

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
    println!("cargo::rustc-check-cfg=cfg(tlsbox_self_contained)");

    ensure_target_installed(workspace);
    let target_dir = workspace.join("target").join("guest");
    let profile = env::var("TLSBOX_GUEST_PROFILE").unwrap_or_else(|_| "guest".into());
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));
    // One after the other, in the same target dir: the dependencies are
    // shared, and each build's component is copied out before the next
    // overwrites it.
    let host_crypto = ["--no-default-features", "--features", "host-crypto"];
    let built = build_guest(workspace, &target_dir, &profile, &host_crypto);
    let out = out_dir.join("tlsbox-host-crypto.wasm");
    copy_if_changed(&built, &out);
    println!(
        "cargo:rustc-env=TLSBOX_HOST_CRYPTO_COMPONENT_PATH={}",
        out.display()
    );

    for variable in WASM_CC_VARIABLES {
        println!("cargo:rerun-if-env-changed={variable}");
    }
    if !wasm_c_compiler_present() {
        println!(
            "cargo:warning=no clang: building without the self-contained engine \
             (Crypto::Guest, ring inside the guest); install clang to build it"
        );
        // Installing clang changes a directory on the PATH: the next build
        // then builds the self-contained engine too.
        for dir in env::split_paths(&env::var_os("PATH").unwrap_or_default()) {
            if dir.is_dir() {
                println!("cargo:rerun-if-changed={}", dir.display());
            }
        }
        return;
    }
    let built = build_guest(workspace, &target_dir, &profile, &[]);
    let out = out_dir.join("tlsbox.wasm");
    copy_if_changed(&built, &out);
    println!("cargo:rustc-env=TLSBOX_COMPONENT_PATH={}", out.display());
    println!("cargo:rustc-cfg=tlsbox_self_contained");
}

/// Runs the nested cargo with `features` (its flags); returns the
/// component it built.
fn build_guest(workspace: &Path, target_dir: &Path, profile: &str, features: &[&str]) -> PathBuf {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .arg("build")
        .arg("--manifest-path")
        .arg(workspace.join("guest").join("Cargo.toml"))
        .args(["--target", TARGET, "--profile", profile])
        .arg("--target-dir")
        .arg(target_dir)
        .args(features);
    tlsbox_nested_cargo::clear_outer_build(&mut command);
    let status = command.status().unwrap_or_else(|e| {
        fail(&format!(
            "cannot run cargo to build the guest component: {e}"
        ))
    });
    if !status.success() {
        fail("building the guest component failed (see the errors above)");
    }
    target_dir
        .join(TARGET)
        .join(profile)
        .join("tlsbox_guest.wasm")
}

/// Adds the wasm target with rustup when this toolchain lacks it (a fresh
/// machine has only the host's), for the same toolchain.
fn ensure_target_installed(workspace: &Path) {
    if target_installed() {
        return;
    }
    println!(
        "cargo:warning=the {TARGET} target is not installed: adding it with `rustup target add {TARGET}`"
    );
    let mut command = Command::new("rustup");
    command
        .args(["target", "add", TARGET])
        .current_dir(workspace)
        .stdout(Stdio::null());
    // rustup's proxies name the toolchain they run in RUSTUP_TOOLCHAIN; the
    // pinned one (rust-toolchain.toml) is found from the workspace otherwise.
    if let Some(toolchain) = env::var_os("RUSTUP_TOOLCHAIN") {
        command.arg("--toolchain").arg(toolchain);
    }
    match command.status() {
        Ok(status) if status.success() && target_installed() => {}
        Ok(_) => fail(&format!(
            "the {TARGET} target is not installed and `rustup target add {TARGET}` failed (see above)"
        )),
        Err(_) => fail(&format!(
            "the {TARGET} target is not installed and there is no rustup to add it: install the \
             target for this toolchain"
        )),
    }
}

/// Whether this toolchain's sysroot has the wasm target's standard library.
fn target_installed() -> bool {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let sysroot = Command::new(rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_string());
    match sysroot {
        Some(sysroot) => Path::new(&sysroot)
            .join("lib")
            .join("rustlib")
            .join(TARGET)
            .exists(),
        // No sysroot to look in: let the nested cargo say what is wrong.
        None => true,
    }
}

/// Whether the `cc` crate will find a C compiler for wasm32: one named by
/// its variables, or `clang`.
fn wasm_c_compiler_present() -> bool {
    let named: Option<OsString> = WASM_CC_VARIABLES.iter().find_map(env::var_os);
    let compiler = named.unwrap_or_else(|| "clang".into());
    Command::new(compiler)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Ends the build with one line naming what is wrong.
fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1);
}

fn copy_if_changed(from: &Path, to: &Path) {
    let new = std::fs::read(from)
        .unwrap_or_else(|e| fail(&format!("cannot read {}: {e}", from.display())));
    if std::fs::read(to).ok().as_deref() != Some(&new[..]) {
        std::fs::write(to, new)
            .unwrap_or_else(|e| fail(&format!("cannot write {}: {e}", to.display())));
    }
}
