//! Composition: a component that imports `tlsbox:tls/tls` (examples/tls-echo)
//! plugged with the engine component into one component, run as a command
//! in tlsbox's host, and spoken to by `openssl s_client`.

mod common;

use std::time::{Duration, Instant};

use common::components::{self, Kind};
use common::fixture;
use common::peers::openssl_client;
use tlsbox::command::{CommandOptions, run_command};

/// tls-echo plugged with the self-contained engine: one component.
fn composed_echo() -> Vec<u8> {
    let echo = components::build("tls-echo", Kind::Binary);
    let (imports, _) = components::imports_and_exports(&echo);
    assert!(
        imports.iter().any(|n| n.starts_with("tlsbox:tls/tls@")),
        "the example imports the engine's interface: {imports:?}"
    );
    components::plug(
        &echo,
        tlsbox::runtime::component_wasm(tlsbox::Crypto::Guest)
            .expect("the suite builds with clang"),
    )
}

#[test]
fn the_composition_is_one_command_that_no_longer_imports_tlsbox() {
    let composed = composed_echo();
    let (imports, exports) = components::imports_and_exports(&composed);
    // The engine satisfies the `tls` import. `tlsbox:tls/types` (only type
    // definitions, nothing to call) stays, as it does on the engine itself.
    assert!(
        !imports.iter().any(|n| n.starts_with("tlsbox:tls/tls@")),
        "the engine satisfies the tls import: {imports:?}"
    );
    assert!(
        imports
            .iter()
            .all(|n| !n.starts_with("tlsbox:") || n.starts_with("tlsbox:tls/types@")),
        "{imports:?}"
    );
    assert!(
        imports.iter().any(|n| n.starts_with("wasi:sockets/tcp@")),
        "{imports:?}"
    );
    assert!(
        exports.iter().any(|n| n.starts_with("wasi:cli/run@")),
        "{exports:?}"
    );
}

/// Waits until the command printed a line starting with `prefix`; returns
/// the rest of that line.
fn wait_for_line(output: &tlsbox::command::CapturedOutput, prefix: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let text = output.text();
        if let Some(line) = text.lines().find(|l| l.starts_with(prefix)) {
            return line[prefix.len()..].to_string();
        }
        assert!(Instant::now() < deadline, "no `{prefix}` line in {text:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openssl_s_client_verifies_and_echoes_through_the_composed_component() {
    let composed = composed_echo();
    let mut options = CommandOptions::new([
        "--listen",
        "127.0.0.1:0",
        "--cert",
        "fixtures/agent1-cert.pem",
        "--key",
        "fixtures/agent1-key.pem",
        "--connections",
        "1",
    ]);
    options.preopen(fixture(""), "fixtures");
    let output = options.capture_stdout();
    let command = tokio::spawn(async move { run_command(&composed, options).await });

    let client_output = output.clone();
    let seen = tokio::task::spawn_blocking(move || {
        let address = wait_for_line(&client_output, "listening on ");
        let ca = fixture("ca1-cert.pem").display().to_string();
        let mut client = openssl_client(&address, &ca, &[]);
        client.wait_for_text("Verify return code: 0 (ok)");
        client.wait_for_text("welcome!");
        client.send(b"hello through a composed component\n");
        client.wait_for("the echoed line", |line| {
            line == "hello through a composed component"
        });
        // End of input: s_client sends close_notify and exits.
        client.close_stdin();
        client.wait_exit();
        std::mem::take(&mut client.seen)
    })
    .await
    .unwrap();
    assert!(
        seen.iter()
            .any(|l| l.contains("CN=agent1") || l.contains("CN = agent1"))
    );

    let code = tokio::time::timeout(Duration::from_secs(30), command)
        .await
        .expect("the command exits after its one connection")
        .unwrap()
        .expect("the command runs");
    assert_eq!(code, 0, "stdout: {}", output.text());
    let text = output.text();
    // 35 bytes: the line s_client sent, newline included.
    assert!(text.contains(": echoed 35 bytes"), "{text}");
}

#[test]
fn the_cli_writes_the_engine_and_runs_a_command_with_its_exit_code() {
    let dir = std::env::temp_dir().join(format!("tlsbox-compose-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let tlsbox = env!("CARGO_BIN_EXE_tlsbox");

    // `tlsbox component`: the self-contained engine, to plug into others.
    let engine = dir.join("tlsbox.wasm");
    let status = std::process::Command::new(tlsbox)
        .args(["component", "--out"])
        .arg(&engine)
        .status()
        .unwrap();
    assert!(status.success());
    let written = std::fs::read(&engine).unwrap();
    assert_eq!(
        written,
        tlsbox::runtime::component_wasm(tlsbox::Crypto::Guest)
            .expect("the suite builds with clang")
    );

    // `tlsbox run`: the composition, with the command's own exit code.
    let composed = dir.join("echo.wasm");
    let echo = components::build("tls-echo", Kind::Binary);
    std::fs::write(&composed, components::plug(&echo, &written)).unwrap();
    let output = std::process::Command::new(tlsbox)
        .arg("run")
        .arg(&composed)
        .args(["--", "--no-such-flag"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("tls-echo: unknown argument --no-such-flag"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
