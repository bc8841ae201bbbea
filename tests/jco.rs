//! The engine component in Node, through jco: `jco transpile` turns the
//! self-contained component (world `engine`) into JavaScript + core wasm, and
//! the scripts in `tests/jco/` drive it as Node's `createSecurePair`.
//!
//! Needs `node` and `npm` on `PATH`. The npm packages (pinned in
//! `tests/jco/package-lock.json`) are installed once into `target/jco`, and
//! the component is transpiled again only when its bytes change.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

/// `target/jco`: next to the test binary's own target directory.
fn work_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    // target/<profile>/deps/jco-<hash>
    let target = exe.ancestors().nth(3).expect("target directory");
    target.join("jco")
}

fn tests_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("tests")
        .join("jco")
}

/// Writes `bytes` to `path` unless it already holds them; says whether it wrote.
fn write_if_changed(path: &Path, bytes: &[u8]) -> bool {
    if std::fs::read(path).ok().as_deref() == Some(bytes) {
        return false;
    }
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    true
}

fn run(command: &mut Command) -> String {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{command:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Installs jco and the WASI shim, and transpiles the component: once per
/// test process, and only what changed since the last run.
fn transpiled() -> &'static Path {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| {
        let work = work_dir();
        std::fs::create_dir_all(&work).unwrap();
        // The manifest (with `"type": "module"`) and the lock file, as pinned.
        let mut changed = false;
        for file in ["package.json", "package-lock.json"] {
            let bytes = std::fs::read(tests_dir().join(file)).unwrap();
            changed |= write_if_changed(&work.join(file), &bytes);
        }
        let jco = work.join("node_modules").join(".bin").join("jco");
        if changed || !jco.exists() {
            run(Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                .current_dir(&work));
        }
        let wasm = work.join("tlsbox.wasm");
        let out = work.join("out");
        let fresh = write_if_changed(
            &wasm,
            tlsbox::runtime::component_wasm(tlsbox::Crypto::Guest)
                .expect("the suite builds with clang"),
        );
        if fresh || !out.join("tlsbox.js").exists() {
            let _ = std::fs::remove_dir_all(&out);
            run(Command::new(&jco)
                .arg("transpile")
                .arg(&wasm)
                .args(["--name", "tlsbox", "--quiet", "-o"])
                .arg(&out)
                .current_dir(&work));
        }
        out
    })
}

/// Runs `tests/jco/<script>` under node; returns the JSON line it printed last.
fn node_script(script: &str) -> Value {
    let out = transpiled();
    let stdout = run(Command::new("node")
        .arg(tests_dir().join(script))
        .arg(out)
        .arg(common::fixture("")));
    let last = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(last).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

#[test]
fn two_transpiled_pairs_handshake_and_carry_data_both_ways() {
    let report = node_script("pairs.mjs");
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["subject"], "agent1");
    assert_eq!(report["clientSubjectSeenByServer"], "agent5");
    assert!(
        report["cipher"]
            .as_str()
            .is_some_and(|c| c.starts_with("TLS_")),
        "{report}"
    );
}

#[test]
fn transpiled_pairs_and_nodes_own_tls_over_loopback_sockets() {
    let report = node_script("node_tls.mjs");
    assert_eq!(report["ok"], true, "{report}");
    let node_server = &report["nodeServer"];
    assert_eq!(node_server["authorized"], true, "{report}");
    assert_eq!(node_server["subject"], "agent5");
    assert_eq!(node_server["protocol"], "TLSv1.3");
    assert_eq!(report["nodeClient"]["authorized"], true, "{report}");
}
