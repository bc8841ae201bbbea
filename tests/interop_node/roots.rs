//! Default trust, as Node's: a client without `ca` verifies against
//! Mozilla's roots (`tlsbox::root_certificates()`, Node's
//! `tls.rootCertificates`) with `NODE_EXTRA_CA_CERTS` added; `ca` replaces
//! them; `--use-system-ca` adds the platform's; a self-signed leaf is
//! DEPTH_ZERO_SELF_SIGNED_CERT whatever is trusted.

use super::support::{agreed, four_ways, server};
use crate::common::fixture;
use crate::common::interop::error_code;
use serde_json::{Value, json};

const TLSBOX: &str = env!("CARGO_BIN_EXE_tlsbox");

/// A self-signed certificate for `localhost` made as a user makes one
/// (`openssl req -x509`, which marks it a CA), in a directory of its own:
/// its (certificate, key) paths.
fn self_signed() -> (String, String) {
    let dir = std::env::temp_dir().join(format!("tlsbox-self-signed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let status = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
        ])
        .args(["-nodes", "-days", "30", "-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=DNS:localhost"])
        .args(["-addext", "basicConstraints=critical,CA:TRUE"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("openssl");
    assert!(status.success());
    (cert.display().to_string(), key.display().to_string())
}

/// Verification codes without `ca`, and for a self-signed certificate
/// with a `ca` that does not and that does trust it: the same four ways,
/// tlsbox and Node as server and client.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_store_gives_nodes_codes() {
    let (cert, key) = self_signed();
    let configs = json!([
        server("agent1", "agent1-cert.pem", "agent1-key.pem"),
        server("self", &cert, &key),
    ]);
    let case = |server: &str, ca: Option<&str>| {
        let mut case = json!({ "id": format!("{server}/{ca:?}"), "server": server,
                               "servername": "localhost" });
        if let Some(ca) = ca {
            case["ca"] = json!(ca);
        }
        case
    };
    let expected = [
        (
            case("agent1", None),
            json!("UNABLE_TO_VERIFY_LEAF_SIGNATURE"),
        ),
        (case("self", None), json!("DEPTH_ZERO_SELF_SIGNED_CERT")),
        (
            case("self", Some("ca2-cert.pem")),
            json!("DEPTH_ZERO_SELF_SIGNED_CERT"),
        ),
        // Trusted itself: it verifies.
        (case("self", Some(&cert)), Value::Null),
    ];
    let cases: Vec<Value> = expected.iter().map(|(case, _)| case.clone()).collect();
    let runs = four_ways(&configs, &cases).await;
    for (i, (case, want)) in expected.iter().enumerate() {
        let got = agreed(&runs, i, "the verification code", error_code);
        assert_eq!(&got, want, "{}", case["id"]);
    }
    let _ = std::fs::remove_dir_all(std::path::Path::new(&cert).parent().unwrap());
}

/// `tlsbox client` (no `--ca`) run with `env`, against `port`: its
/// secureConnect JSON, or its error line.
fn cli_client(port: u16, env: &[(&str, String)], extra: &[&str]) -> (bool, String) {
    let connect = format!("localhost:{port}");
    let output = std::process::Command::new(TLSBOX)
        .args(["client", "--connect", &connect, "--json"])
        .args(extra)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .env_remove("SSL_CERT_DIR")
        .output()
        .expect("the tlsbox binary");
    let text = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

/// `NODE_EXTRA_CA_CERTS` adds to the default store and `--ca` replaces
/// it, for tlsbox's CLI as for Node's client; `--use-system-ca` trusts
/// the platform's store (here the file `SSL_CERT_FILE` names).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extra_and_system_roots_are_trusted_as_in_node() {
    // An echo server ends each connection with close_notify once the
    // client has ended it: a server that dropped its connections at once
    // could reset a client whose close_notify was still on its way.
    let (_server, port) = crate::common::echo_server(tlsbox::ServerOptions::new(
        crate::common::identity("agent1"),
    ))
    .await;
    let ca1 = fixture("ca1-cert.pem").display().to_string();
    let ca2 = fixture("ca2-cert.pem").display().to_string();
    let extra = [("NODE_EXTRA_CA_CERTS", ca1.clone())];
    let system = [("SSL_CERT_FILE", ca1.clone())];
    let runs = tokio::task::spawn_blocking(move || {
        [
            cli_client(port, &extra, &[]),
            cli_client(port, &extra, &["--ca", &ca2]),
            cli_client(port, &system, &["--use-system-ca"]),
            cli_client(port, &system, &[]),
        ]
    })
    .await
    .unwrap();
    let [with_extra, replaced, with_system, without_system] = runs;
    assert!(with_extra.0, "{}", with_extra.1);
    assert!(
        with_extra.1.contains("\"authorized\":true"),
        "{}",
        with_extra.1
    );
    assert!(
        !replaced.0 && replaced.1.contains("UNABLE_TO_VERIFY_LEAF_SIGNATURE"),
        "{}",
        replaced.1
    );
    assert!(with_system.0, "{}", with_system.1);
    assert!(
        !without_system.0 && without_system.1.contains("UNABLE_TO_VERIFY_LEAF_SIGNATURE"),
        "{}",
        without_system.1
    );

    // Node's client, with the same environment: the same answers.
    let node = |ca: Option<String>| {
        let mut command = std::process::Command::new("node");
        command
            .arg("-e")
            .arg(
                r#"const tls = require('tls'), fs = require('fs');
const [port, ca] = process.argv.slice(1);
const socket = tls.connect({ port: Number(port), host: '127.0.0.1', servername: 'localhost',
  ca: ca ? fs.readFileSync(ca) : undefined, rejectUnauthorized: false }, () => {
  console.log(JSON.stringify({ authorized: socket.authorized, error: socket.authorizationError ?? null }));
  socket.destroy();
});"#,
            )
            .arg(port.to_string())
            .env("NODE_EXTRA_CA_CERTS", fixture("ca1-cert.pem"));
        if let Some(ca) = ca {
            command.arg(ca);
        }
        let output = command.output().expect("node");
        serde_json::from_slice::<Value>(&output.stdout).expect("Node's line")
    };
    assert_eq!(node(None), json!({ "authorized": true, "error": null }));
    assert_eq!(
        node(Some(fixture("ca2-cert.pem").display().to_string())),
        json!({ "authorized": false, "error": "UNABLE_TO_VERIFY_LEAF_SIGNATURE" })
    );
}

/// `tlsbox::root_certificates()` is Mozilla's list, as Node's
/// `tls.rootCertificates` is: nearly all of tlsbox's roots are in Node
/// v20's list. Each list is Mozilla's as of its release, and Mozilla has
/// since retired some of Node v20's (tlsbox has 112 to its 144).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn root_certificates_are_nodes_roots() {
    let ours: std::collections::HashSet<String> = tlsbox::root_certificates()
        .iter()
        .map(|pem| pem.split_whitespace().collect())
        .collect();
    let output = std::process::Command::new("node")
        .args([
            "-e",
            "console.log(JSON.stringify(require('tls').rootCertificates))",
        ])
        .output()
        .expect("node");
    let theirs: Vec<String> = serde_json::from_slice(&output.stdout).expect("Node's list");
    let theirs: std::collections::HashSet<String> = theirs
        .iter()
        .map(|pem| pem.split_whitespace().collect())
        .collect();
    let shared = ours.intersection(&theirs).count();
    assert!(ours.len() > 100, "{}", ours.len());
    assert!(
        shared * 10 >= ours.len() * 9,
        "{shared} of tlsbox's {} roots are in Node's {}",
        ours.len(),
        theirs.len()
    );
}
