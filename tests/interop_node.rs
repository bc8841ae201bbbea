//! Interop with Node as the peer: every matrix runs the same server configs
//! as tlsbox servers and as Node servers (`tests/node/server.js`), and the
//! same client cases through `tlsbox::connect` and through Node
//! (`tests/node/client.js`), and asserts that tlsbox reports what Node
//! reports: codes, messages, `authorized`, the negotiated protocol, the
//! peer certificate. Node is the oracle; each matrix also pins the expected
//! answer, so that a change in both cannot pass unnoticed.

mod common;

use common::interop::{
    Ports, error_code, node_clients_async, node_servers, tlsbox_clients, tlsbox_servers,
    with_ports,
};
use serde_json::{Value, json};

/// Runs `cases` with Node's and tlsbox's clients against the servers at
/// `ports`; returns (node, tlsbox) results, in case order.
async fn both_clients(cases: &[Value], ports: &Ports) -> (Vec<Value>, Vec<Value>) {
    let cases = with_ports(cases, ports);
    let node = node_clients_async(cases.clone()).await;
    let tlsbox = tlsbox_clients(&cases).await;
    (node, tlsbox)
}

/// Node's and tlsbox's servers for `configs`, each with its ports.
async fn both_servers(
    configs: &Value,
) -> (
    common::interop::NodeServers,
    common::interop::TlsboxServers,
) {
    let node = {
        let configs = configs.clone();
        tokio::task::spawn_blocking(move || node_servers(&configs))
            .await
            .unwrap()
    };
    let tlsbox = tlsbox_servers(configs).await;
    (node, tlsbox)
}

fn server(id: &str, cert: &str, key: &str) -> Value {
    json!({ "id": id, "cert": cert, "key": key })
}

/// (case id, server, ca, servername, crl, the code Node gives or null).
type VerifyCase = (
    &'static str,
    &'static str,
    Value,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
);

fn verification_cases() -> Vec<VerifyCase> {
    const ALTNAME: Option<&str> = Some("ERR_TLS_CERT_ALTNAME_INVALID");
    let lh = Some("localhost");
    vec![
        ("trusted", "agent1", json!("ca1-cert.pem"), lh, None, None),
        ("self-signed-leaf", "agent2", json!("ca1-cert.pem"), lh, None, Some("DEPTH_ZERO_SELF_SIGNED_CERT")),
        ("root-sent-untrusted", "fullchain", json!("ca2-cert.pem"), lh, None, Some("SELF_SIGNED_CERT_IN_CHAIN")),
        ("intermediate-missing", "leafonly", json!("ca1-cert.pem"), lh, None, Some("UNABLE_TO_VERIFY_LEAF_SIGNATURE")),
        ("root-unknown", "agent6", json!("ca2-cert.pem"), lh, None, Some("UNABLE_TO_GET_ISSUER_CERT_LOCALLY")),
        ("leaf-plus-intermediate", "agent6", json!("ca1-cert.pem"), lh, None, None),
        ("leaf-intermediate-root", "fullchain", json!("ca1-cert.pem"), lh, None, None),
        ("expired", "expired", json!("ca1-cert.pem"), lh, None, Some("CERT_HAS_EXPIRED")),
        ("not-yet-valid", "future", json!("ca1-cert.pem"), lh, None, Some("CERT_NOT_YET_VALID")),
        ("revoked-by-crl", "revoked", json!("ca2-cert.pem"), lh, Some("ca2-crl.pem"), Some("CERT_REVOKED")),
        ("revoked-without-crl", "revoked", json!("ca2-cert.pem"), lh, None, None),
        ("wrong-dns-name", "example", json!("ca1-cert.pem"), lh, None, ALTNAME),
        ("ip-host-no-ip-san", "example", json!("ca1-cert.pem"), None, None, ALTNAME),
        ("ip-host-ip-san", "agent1", json!("ca1-cert.pem"), None, None, None),
        ("exact-dns", "example", json!("ca1-cert.pem"), Some("example.com"), None, None),
        ("case-insensitive", "agent1", json!("ca1-cert.pem"), Some("Agent1.TEST"), None, None),
        ("wildcard-one-label", "wildcard", json!("ca1-cert.pem"), Some("a.example.com"), None, None),
        ("wildcard-two-labels", "wildcard", json!("ca1-cert.pem"), Some("a.b.example.com"), None, ALTNAME),
        ("wildcard-bare-domain", "wildcard", json!("ca1-cert.pem"), Some("example.com"), None, ALTNAME),
        ("cn-without-san", "nosan", json!("ca1-cert.pem"), lh, None, None),
        ("uri-san-ignored", "urisan", json!("ca1-cert.pem"), lh, None, ALTNAME),
        ("x509-v1-by-ca2", "agent3", json!("ca2-cert.pem"), lh, None, None),
        ("x509-v1-wrong-ca", "agent3", json!("ca1-cert.pem"), lh, None, Some("UNABLE_TO_VERIFY_LEAF_SIGNATURE")),
        ("ca-as-list", "other", json!(["ca1-cert.pem", "ca2-cert.pem"]), Some("other.test"), None, None),
        ("ca-as-one-pem", "other", json!("ca-all-cert.pem"), Some("other.test"), None, None),
        ("ca-list-and-bundle", "ec10", json!(["ca-all-cert.pem", "ca5-cert.pem"]), lh, None, None),
    ]
}

fn verification_servers() -> Value {
    json!([
        server("agent1", "agent1-cert.pem", "agent1-key.pem"),
        server("agent2", "agent2-cert.pem", "agent2-key.pem"),
        server("agent3", "agent3-cert.pem", "agent3-key.pem"),
        server("fullchain", "agent6-fullchain-cert.pem", "agent6-key.pem"),
        server("leafonly", "agent6-leaf-cert.pem", "agent6-key.pem"),
        server("agent6", "agent6-cert.pem", "agent6-key.pem"),
        server("expired", "expired-cert.pem", "expired-key.pem"),
        server("future", "future-cert.pem", "future-key.pem"),
        server("revoked", "revoked-cert.pem", "revoked-key.pem"),
        server("example", "example-cert.pem", "example-key.pem"),
        server("wildcard", "wildcard-cert.pem", "wildcard-key.pem"),
        server("nosan", "nosan-cert.pem", "nosan-key.pem"),
        server("urisan", "urisan-cert.pem", "urisan-key.pem"),
        server("other", "other-cert.pem", "other-key.pem"),
        server("ec10", "ec10-cert.pem", "ec10-key.pem"),
    ])
}

/// Every verification case, with rejection on and off, against tlsbox's and
/// Node's servers: tlsbox's client reports Node's code (and, when it
/// rejects, Node's message and altname reason), and the code is the one
/// the table expects.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verification_matrix_matches_node_clients_against_both_servers() {
    let (node_servers, tlsbox_servers) = both_servers(&verification_servers()).await;
    let mut cases = Vec::new();
    let mut expected = Vec::new();
    for (id, server, ca, servername, crl, code) in verification_cases() {
        for reject in [true, false] {
            let mut case = json!({
                "id": format!("{id}/reject={reject}"), "server": server, "ca": ca,
                "rejectUnauthorized": reject,
            });
            if let Some(name) = servername {
                case["servername"] = json!(name);
            }
            if let Some(crl) = crl {
                case["crl"] = json!(crl);
            }
            cases.push(case);
            expected.push((reject, code));
        }
    }
    for (which, ports) in [
        ("tlsbox server", &tlsbox_servers.ports),
        ("node server", &node_servers.ports),
    ] {
        let (node, tlsbox) = both_clients(&cases, ports).await;
        for ((node, ours), (reject, code)) in node.iter().zip(&tlsbox).zip(&expected) {
            let id = &node["id"];
            let context = format!("{which}, {id}:\nnode:   {}\ntlsbox: {}", brief(node), brief(ours));
            let code = code.map_or(Value::Null, |c| json!(c));
            if *reject && !code.is_null() {
                assert_eq!(error_code(node), code, "node disagrees with the table; {context}");
                assert_eq!(error_code(ours), code, "{context}");
                assert_eq!(ours["error"]["message"], node["error"]["message"], "{context}");
                assert_eq!(ours["error"]["reason"], node["error"]["reason"], "{context}");
                assert_eq!(ours["secureConnect"], false, "{context}");
            } else {
                assert_eq!(node["authorizationError"], code, "node disagrees with the table; {context}");
                assert_eq!(ours["secureConnect"], true, "{context}");
                assert_eq!(ours["authorized"], json!(code.is_null()), "{context}");
                assert_eq!(ours["authorizationError"], code, "{context}");
                assert_eq!(ours["error"], Value::Null, "{context}");
                assert_eq!(ours["ended"], true, "close_notify ends the stream; {context}");
                assert_eq!(node["ended"], true, "{context}");
            }
        }
    }
    drop(node_servers);
}

/// Results of `cases` for every (server, client) pair of implementations:
/// `[(label, results)]` with labels like `tlsbox server / node client`.
async fn four_ways(configs: &Value, cases: &[Value]) -> Vec<(String, Vec<Value>)> {
    let (node_servers, tlsbox_servers) = both_servers(configs).await;
    let mut runs = Vec::new();
    for (server, ports) in [
        ("tlsbox server", &tlsbox_servers.ports),
        ("node server", &node_servers.ports),
    ] {
        let (node, tlsbox) = both_clients(cases, ports).await;
        runs.push((format!("{server} / node client"), node));
        runs.push((format!("{server} / tlsbox client"), tlsbox));
    }
    runs
}

/// Asserts that `pick` gives the same value for case `i` in every run, and
/// returns that value.
fn agreed(runs: &[(String, Vec<Value>)], i: usize, what: &str, pick: impl Fn(&Value) -> Value) -> Value {
    let first = pick(&runs[0].1[i]);
    for (label, results) in runs {
        assert_eq!(
            pick(&results[i]),
            first,
            "{what} of case {} differs for {label} vs {}:\n{}\n{}",
            results[i]["id"],
            runs[0].0,
            brief(&results[i]),
            brief(&runs[0].1[i])
        );
    }
    first
}

/// A result without certificates, for failure messages one can read.
fn brief(result: &Value) -> Value {
    let mut result = result.clone();
    result["peerCertificate"] = json!(cn(&result));
    if result["server"].is_object() {
        let server_cn = cn(&result["server"]);
        result["server"]["peerCertificate"] = server_cn;
    }
    result
}

fn cn(result: &Value) -> Value {
    result["peerCertificate"]["subject"]["CN"].clone()
}

/// Client-certificate authentication: requested (`requestCert`) and
/// required (`rejectUnauthorized` too), with a good certificate, none, one
/// from the wrong CA, and one revoked by the server's CRL. The server's
/// verdict (sent back in-band) and the client's failure agree four ways.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_certificate_matrix_matches_node() {
    let base = |id: &str, ca: &str, crl: Option<&str>, reject: bool| {
        let mut config = server(id, "agent1-cert.pem", "agent1-key.pem");
        config["ca"] = json!(ca);
        config["requestCert"] = json!(true);
        config["rejectUnauthorized"] = json!(reject);
        if let Some(crl) = crl {
            config["crl"] = json!(crl);
        }
        config
    };
    let configs = json!([
        base("requested", "ca1-cert.pem", None, false),
        base("required", "ca1-cert.pem", None, true),
        base("requested-crl", "ca2-cert.pem", Some("ca2-crl.pem"), false),
        base("required-crl", "ca2-cert.pem", Some("ca2-crl.pem"), true),
    ]);
    let client = |id: &str, server: &str, agent: Option<&str>| {
        let mut case = json!({ "id": id, "server": server, "ca": "ca1-cert.pem", "servername": "localhost" });
        if let Some(agent) = agent {
            case["cert"] = json!(format!("{agent}-cert.pem"));
            case["key"] = json!(format!("{agent}-key.pem"));
        }
        case
    };
    // (case, server's authorized, server's authorizationError, the client's
    // error code against a tlsbox server, and against a Node server). A
    // required certificate that does not verify: tlsbox fails the handshake
    // with OpenSSL's alert (as `openssl s_server` does); Node finishes it and
    // then closes the socket without a word (its verify callback accepts
    // everything and `onServerSocketSecure` destroys the socket).
    let null = Value::Null;
    let table: Vec<(Value, bool, Value, Value, Value)> = vec![
        (client("requested/good", "requested", Some("agent1")), true, null.clone(), null.clone(), null.clone()),
        (client("requested/none", "requested", None), false, json!("UNABLE_TO_GET_ISSUER_CERT"), null.clone(), null.clone()),
        (client("requested/wrong-ca", "requested", Some("agent3")), false, json!("UNABLE_TO_VERIFY_LEAF_SIGNATURE"), null.clone(), null.clone()),
        (client("requested/revoked", "requested-crl", Some("agent4")), false, json!("CERT_REVOKED"), null.clone(), null.clone()),
        (client("requested/not-revoked", "requested-crl", Some("agent3")), true, null.clone(), null.clone(), null.clone()),
        (client("required/good", "required", Some("agent1")), true, null.clone(), null.clone(), null.clone()),
        (client("required/none", "required", None), false, null.clone(), json!("ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED"), json!("ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED")),
        (client("required/wrong-ca", "required", Some("agent3")), false, null.clone(), json!("ERR_SSL_TLSV1_ALERT_UNKNOWN_CA"), null.clone()),
        (client("required/revoked", "required-crl", Some("agent4")), false, null.clone(), json!("ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED"), null.clone()),
    ];
    let cases: Vec<Value> = table.iter().map(|(case, ..)| case.clone()).collect();
    let runs = four_ways(&configs, &cases).await;
    let (tlsbox_server, node_server) = runs.split_at(2);
    for (i, (case, authorized, authorization_error, ours, theirs)) in table.iter().enumerate() {
        let id = &case["id"];
        assert_eq!(&agreed(tlsbox_server, i, "the client's error", error_code), ours, "{id}");
        assert_eq!(&agreed(node_server, i, "the client's error", error_code), theirs, "{id}");
        let verdict = |r: &Value| json!([r["server"]["authorized"], r["server"]["authorizationError"]]);
        if ours.is_null() && theirs.is_null() {
            let server = agreed(&runs, i, "the server's verdict", verdict);
            assert_eq!(server, json!([authorized, authorization_error]), "{id}");
        }
        if !ours.is_null() && theirs.is_null() {
            // Node's server hung up after the handshake, before its view.
            assert_eq!(agreed(node_server, i, "the server's line", |r| r["server"].clone()), null, "{id}");
        }
    }
}

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
    let (mut node_servers, tlsbox_servers) = both_servers(&configs).await;
    let mut runs = Vec::new();
    for (server, ports) in [("tlsbox server", &tlsbox_servers.ports), ("node server", &node_servers.ports)] {
        let (node, tlsbox) = both_clients(&cases, ports).await;
        runs.push((format!("{server} / node client"), node));
        runs.push((format!("{server} / tlsbox client"), tlsbox));
    }
    for (i, (case, want)) in expected.iter().enumerate() {
        let got = agreed(&runs, i, "the certificate served", |r| {
            if r["secureConnect"] == true { cn(r) } else { error_code(r) }
        });
        assert_eq!(&got, want, "{}", case["id"]);
        if case["servername"].is_string() && want != "ECONNRESET" {
            let seen = agreed(&runs, i, "the server's servername", |r| r["server"]["servername"].clone());
            assert_eq!(seen, case["servername"], "{}", case["id"]);
        }
    }
    let no_name = agreed(&runs, 5, "servername without SNI", |r| r["server"]["servername"].clone());
    assert_eq!(no_name, false);
    // The callback's failure is a client error on both servers, once per client.
    let ours = tlsbox_servers.events_of("callback", "tlsClientError");
    assert_eq!(ours.len(), 2, "{ours:?}");
    assert_eq!(ours[0]["code"], "ERR_TLSBOX_SNI_CALLBACK");
    assert!(ours[0]["message"].as_str().unwrap().contains("no context for fail.test"));
    let theirs = node_servers.event("callback", "tlsClientError", 2);
    assert!(theirs["message"].as_str().unwrap().contains("no context for fail.test"));
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
    let expected = vec![
        (case("alpn", Some(json!(["a", "b", "c"]))), json!("a")),
        (case("alpn", Some(json!(["c", "b", "e"]))), json!("b")),
        (case("alpn", Some(json!(["x", "y", "c"]))), json!("c")),
        (case("alpn", None), json!(false)),
        (case("plain", Some(json!(["a", "b"]))), json!(false)),
        (case("alpn", Some(json!(["x", "y"]))), json!("ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL")),
    ];
    let cases: Vec<Value> = expected.iter().map(|(case, _)| case.clone()).collect();
    let (mut node_servers, tlsbox_servers) = both_servers(&configs).await;
    let mut runs = Vec::new();
    for (server, ports) in [("tlsbox server", &tlsbox_servers.ports), ("node server", &node_servers.ports)] {
        let (node, tlsbox) = both_clients(&cases, ports).await;
        runs.push((format!("{server} / node client"), node));
        runs.push((format!("{server} / tlsbox client"), tlsbox));
    }
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
