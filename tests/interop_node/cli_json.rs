//! The CLI's `--json` lines: `tlsbox client --json` and `tlsbox server
//! --json` print the field names and values Node prints for the same
//! connections.

use super::support::server;
use crate::common;
use crate::common::interop::{node_clients_async, node_servers};
use serde_json::{Value, json};

const TLSBOX: &str = env!("CARGO_BIN_EXE_tlsbox");

/// The keys of `value` but `without`, in their order (Node's order is
/// part of what the CLI matches).
fn keys(value: &Value, without: &[&str]) -> Vec<String> {
    value
        .as_object()
        .expect("an object")
        .keys()
        .filter(|k| !without.contains(&k.as_str()))
        .cloned()
        .collect()
}

/// `tlsbox server --json` and `tlsbox client --json` print Node's field
/// names, and the values Node prints for the same connections.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_json_lines_carry_nodes_names_and_values() {
    let fixture = |name: &str| common::fixture(name).display().to_string();
    // The client: `tlsbox client --json` and Node's client, against a Node server.
    let mut configs = json!([server("agent1", "agent1-cert.pem", "agent1-key.pem")]);
    configs[0]["ALPNProtocols"] = json!(["b", "a"]);
    let node_server = {
        let configs = configs.clone();
        tokio::task::spawn_blocking(move || node_servers(&configs))
            .await
            .unwrap()
    };
    let port = node_server.ports["agent1"];
    let case = json!({ "id": "cli", "port": port, "ca": "ca1-cert.pem", "servername": "localhost",
                       "ALPNProtocols": ["a", "b"] });
    let node = node_clients_async(vec![case]).await.remove(0);
    let (ca, connect) = (fixture("ca1-cert.pem"), format!("127.0.0.1:{port}"));
    let cli = tokio::task::spawn_blocking(move || {
        let mut client = common::peers::Peer::spawn(
            TLSBOX,
            &[
                "client",
                "--connect",
                &connect,
                "--servername",
                "localhost",
                "--ca",
                &ca,
                "--alpn",
                "a,b",
                "--json",
            ],
        );
        let line = client.wait_for_text("\"secureConnect\"");
        client.close_stdin();
        assert_eq!(client.wait_exit(), Some(0), "{}", client.seen.join("\n"));
        serde_json::from_str::<Value>(&line).unwrap()
    })
    .await
    .unwrap();
    assert_eq!(
        keys(&cli, &["event"]),
        keys(
            &node,
            &[
                "id",
                "secureConnect",
                "server",
                "ended",
                "error",
                "certificate"
            ]
        )
    );
    for field in [
        "authorized",
        "authorizationError",
        "servername",
        "alpnProtocol",
        "protocol",
        "cipher",
        "peerCertificate",
        "ephemeralKeyInfo",
    ] {
        assert_eq!(cli[field].to_string(), node[field].to_string(), "{field}");
    }
    assert_eq!(cli["alpnProtocol"], "b");
    assert_eq!(
        cli["ephemeralKeyInfo"],
        json!({ "type": "ECDH", "name": "X25519", "size": 253 })
    );

    // The server: `tlsbox server --json` and Node's server, for a Node client.
    let (cert, key, ca) = (
        fixture("agent1-cert.pem"),
        fixture("agent1-key.pem"),
        fixture("ca1-cert.pem"),
    );
    let mut tlsbox_server = tokio::task::spawn_blocking(move || {
        common::peers::Peer::spawn(
            TLSBOX,
            &[
                "server",
                "--accept",
                "127.0.0.1:0",
                "--json",
                "--cert",
                &cert,
                "--key",
                &key,
                "--ca",
                &ca,
                "--request-cert",
                "--alpn",
                "b,a",
            ],
        )
    })
    .await
    .unwrap();
    let listening: Value =
        serde_json::from_str(&tlsbox_server.wait_for_text("\"listening\"")).unwrap();
    let mut mutual = configs[0].clone();
    mutual["id"] = json!("mutual");
    mutual["ca"] = json!("ca1-cert.pem");
    mutual["requestCert"] = json!(true);
    let mut node_server = {
        let configs = json!([mutual]);
        tokio::task::spawn_blocking(move || node_servers(&configs))
            .await
            .unwrap()
    };
    // agent6 and its intermediate as the client's certificate.
    let client = |port: u64| {
        json!({ "id": "c", "port": port, "ca": "ca1-cert.pem", "servername": "localhost",
                                     "cert": "agent6-cert.pem", "key": "agent6-key.pem",
                                     "ALPNProtocols": ["a", "b"] })
    };
    let to_ours = client(listening["port"].as_u64().unwrap());
    let to_node = client(node_server.ports["mutual"] as u64);
    node_clients_async(vec![to_ours, to_node]).await;
    let ours: Value =
        serde_json::from_str(&tlsbox_server.wait_for_text("\"secureConnection\"")).unwrap();
    let theirs = node_server.event("mutual", "secureConnection", 1);
    assert_eq!(
        keys(&ours, &["event"]),
        keys(&theirs, &["id", "event", "certificate"])
    );
    for field in [
        "event",
        "authorized",
        "authorizationError",
        "servername",
        "alpnProtocol",
        "protocol",
        "cipher",
        "peerCertificate",
        "remoteAddress",
        "ephemeralKeyInfo",
    ] {
        assert_eq!(
            ours[field].to_string(),
            theirs[field].to_string(),
            "{field}"
        );
    }
    assert_eq!(ours["authorized"], true);
    assert_eq!(ours["ephemeralKeyInfo"], Value::Null, "null on a server");
    assert_eq!(ours["peerCertificate"]["subject"]["CN"], "agent6");
}
