//! Name and protocol selection: SNI contexts and the SNI callback, the ALPN
//! matrix, and NPN carried by ALPN to a Node client.

use super::support::{agreed, cn, four_ways_keeping_servers, server};
use crate::common;
use crate::common::interop::{error_code, node_clients_async};
use serde_json::{Value, json};

/// SNI: `addContext` with exact and wildcard names (the most recent match
/// wins, `*` is one label, unknown names and no name get the default), and
/// an SNI callback whose error fails one handshake while the server keeps
/// serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sni_contexts_and_callback_match_node() {
    let creds = |agent: &str| json!({ "cert": format!("{agent}-cert.pem"), "key": format!("{agent}-key.pem") });
    let mut table = server("table", "agent1-cert.pem", "agent1-key.pem");
    table["contexts"] = json!([
        ["a.example.com", creds("example")],
        ["*.example.com", creds("wildcard")],
        ["other.test", creds("other")],
    ]);
    let mut callback = server("callback", "agent1-cert.pem", "agent1-key.pem");
    callback["sni"] = json!({ "other.test": creds("other"), "fail.test": "error" });
    let configs = json!([table, callback]);
    let case = |server: &str, name: Option<&str>| {
        let mut case = json!({
            "id": format!("{server}/{}", name.unwrap_or("-")), "server": server,
            "ca": "ca-all-cert.pem", "rejectUnauthorized": false,
        });
        if let Some(name) = name {
            case["servername"] = json!(name);
        }
        case
    };
    // (case, the CN served, or the client's error code)
    let expected = vec![
        (case("table", Some("a.example.com")), json!("*.example.com")),
        (case("table", Some("c.example.com")), json!("*.example.com")),
        (case("table", Some("a.b.example.com")), json!("agent1")),
        (case("table", Some("other.test")), json!("other.test")),
        (case("table", Some("unknown.test")), json!("agent1")),
        (case("table", None), json!("agent1")),
        (case("callback", Some("other.test")), json!("other.test")),
        (case("callback", Some("fail.test")), json!("ECONNRESET")),
        (case("callback", Some("unknown.test")), json!("agent1")),
    ];
    let cases: Vec<Value> = expected.iter().map(|(case, _)| case.clone()).collect();
    let (runs, mut node_servers, tlsbox_servers) =
        four_ways_keeping_servers(&configs, &cases).await;
    for (i, (case, want)) in expected.iter().enumerate() {
        let got = agreed(&runs, i, "the certificate served", |r| {
            if r["secureConnect"] == true {
                cn(r)
            } else {
                error_code(r)
            }
        });
        assert_eq!(&got, want, "{}", case["id"]);
        if case["servername"].is_string() && want != "ECONNRESET" {
            let seen = agreed(&runs, i, "the server's servername", |r| {
                r["server"]["servername"].clone()
            });
            assert_eq!(seen, case["servername"], "{}", case["id"]);
        }
    }
    let no_name = agreed(&runs, 5, "servername without SNI", |r| {
        r["server"]["servername"].clone()
    });
    assert_eq!(no_name, false);
    // The callback's failure is a client error on both servers, once per client.
    let ours = tlsbox_servers.events_of("callback", "tlsClientError");
    assert_eq!(ours.len(), 2, "{ours:?}");
    assert_eq!(ours[0]["code"], "ERR_TLSBOX_SNI_CALLBACK");
    assert!(
        ours[0]["message"]
            .as_str()
            .unwrap()
            .contains("no context for fail.test")
    );
    let theirs = node_servers.event("callback", "tlsClientError", 2);
    assert!(
        theirs["message"]
            .as_str()
            .unwrap()
            .contains("no context for fail.test")
    );
}

/// ALPN: the server's preference wins among the client's offers; no ALPN
/// means `false`; no overlap fails the handshake with
/// `no_application_protocol`, reported with Node's codes on both sides.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alpn_matrix_matches_node() {
    let mut alpn = server("alpn", "agent1-cert.pem", "agent1-key.pem");
    alpn["ALPNProtocols"] = json!(["a", "b", "c"]);
    let plain = server("plain", "agent1-cert.pem", "agent1-key.pem");
    let configs = json!([alpn, plain]);
    let case = |server: &str, offer: Option<Value>| {
        let mut case = json!({
            "id": format!("{server}/{}", offer.as_ref().map_or("-".into(), |o| o.to_string())),
            "server": server, "ca": "ca1-cert.pem", "servername": "localhost",
        });
        if let Some(offer) = offer {
            case["ALPNProtocols"] = offer;
        }
        case
    };
    let expected = [
        (case("alpn", Some(json!(["a", "b", "c"]))), json!("a")),
        (case("alpn", Some(json!(["c", "b", "e"]))), json!("b")),
        (case("alpn", Some(json!(["x", "y", "c"]))), json!("c")),
        (case("alpn", None), json!(false)),
        (case("plain", Some(json!(["a", "b"]))), json!(false)),
        (
            case("alpn", Some(json!(["x", "y"]))),
            json!("ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL"),
        ),
    ];
    let cases: Vec<Value> = expected.iter().map(|(case, _)| case.clone()).collect();
    let (runs, mut node_servers, tlsbox_servers) =
        four_ways_keeping_servers(&configs, &cases).await;
    for (i, (case, want)) in expected.iter().enumerate() {
        let got = agreed(&runs, i, "ALPN", |r| {
            if r["secureConnect"] == true {
                assert_eq!(r["server"]["alpnProtocol"], r["alpnProtocol"], "{r}");
                r["alpnProtocol"].clone()
            } else {
                error_code(r)
            }
        });
        assert_eq!(&got, want, "{}", case["id"]);
    }
    // The server side of the failed handshake, once per client.
    let ours = tlsbox_servers.events_of("alpn", "tlsClientError");
    assert_eq!(ours.len(), 2, "{ours:?}");
    let theirs = node_servers.event("alpn", "tlsClientError", 2);
    assert_eq!(theirs["code"], "ERR_SSL_NO_APPLICATION_PROTOCOL");
    assert_eq!(ours[0]["code"], theirs["code"]);
    assert_eq!(ours[1]["code"], theirs["code"]);
}

/// v0.6's `NPNProtocols` is the ALPN list, and `npnProtocol` its answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn npn_protocols_are_carried_by_alpn_to_a_node_client() {
    let options = tlsbox::ServerOptions::new(common::identity("agent1"))
        .npn_protocols(vec!["spdy/2".into(), "http/1.1".into()]);
    let (server, port) = common::echo_server(options).await;
    let case = json!({
        "id": "npn", "port": port, "ca": "ca1-cert.pem", "servername": "localhost",
        "ALPNProtocols": ["http/1.1", "spdy/2"],
    });
    let node = node_clients_async(vec![case]).await;
    assert_eq!(node[0]["alpnProtocol"], "spdy/2", "{}", node[0]);
    let mut options = tlsbox::ConnectOptions::with_ca(common::pem("ca1-cert.pem"));
    options.alpn_protocols = vec!["http/1.1".into(), "spdy/2".into()];
    let stream = tlsbox::connect("localhost", port, options).await.unwrap();
    assert_eq!(stream.npn_protocol(), Some("spdy/2"));
    assert_eq!(stream.npn_protocol(), stream.alpn_protocol());
    drop(server);
}
