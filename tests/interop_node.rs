//! Interop with Node as the peer: every matrix runs the same server configs
//! as tlsbox servers and as Node servers (`tests/node/server.js`), and the
//! same client cases through `tlsbox::connect` and through Node
//! (`tests/node/client.js`), and asserts that tlsbox reports what Node
//! reports: codes, messages, `authorized`, the negotiated protocol, the
//! peer certificate. Node is the oracle; each matrix also pins the expected
//! answer, so that a change in both cannot pass unnoticed.

mod common;

use common::interop::{
    Ports, error_code, node_clients_async, node_servers, tlsbox_clients, tlsbox_servers, with_ports,
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
) -> (common::interop::NodeServers, common::interop::TlsboxServers) {
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
        (
            "self-signed-leaf",
            "agent2",
            json!("ca1-cert.pem"),
            lh,
            None,
            Some("DEPTH_ZERO_SELF_SIGNED_CERT"),
        ),
        (
            "root-sent-untrusted",
            "fullchain",
            json!("ca2-cert.pem"),
            lh,
            None,
            Some("SELF_SIGNED_CERT_IN_CHAIN"),
        ),
        (
            "intermediate-missing",
            "leafonly",
            json!("ca1-cert.pem"),
            lh,
            None,
            Some("UNABLE_TO_VERIFY_LEAF_SIGNATURE"),
        ),
        (
            "root-unknown",
            "agent6",
            json!("ca2-cert.pem"),
            lh,
            None,
            Some("UNABLE_TO_GET_ISSUER_CERT_LOCALLY"),
        ),
        (
            "leaf-plus-intermediate",
            "agent6",
            json!("ca1-cert.pem"),
            lh,
            None,
            None,
        ),
        (
            "leaf-intermediate-root",
            "fullchain",
            json!("ca1-cert.pem"),
            lh,
            None,
            None,
        ),
        (
            "expired",
            "expired",
            json!("ca1-cert.pem"),
            lh,
            None,
            Some("CERT_HAS_EXPIRED"),
        ),
        (
            "not-yet-valid",
            "future",
            json!("ca1-cert.pem"),
            lh,
            None,
            Some("CERT_NOT_YET_VALID"),
        ),
        (
            "revoked-by-crl",
            "revoked",
            json!("ca2-cert.pem"),
            lh,
            Some("ca2-crl.pem"),
            Some("CERT_REVOKED"),
        ),
        (
            "revoked-without-crl",
            "revoked",
            json!("ca2-cert.pem"),
            lh,
            None,
            None,
        ),
        (
            "wrong-dns-name",
            "example",
            json!("ca1-cert.pem"),
            lh,
            None,
            ALTNAME,
        ),
        (
            "ip-host-no-ip-san",
            "example",
            json!("ca1-cert.pem"),
            None,
            None,
            ALTNAME,
        ),
        (
            "ip-host-ip-san",
            "agent1",
            json!("ca1-cert.pem"),
            None,
            None,
            None,
        ),
        (
            "exact-dns",
            "example",
            json!("ca1-cert.pem"),
            Some("example.com"),
            None,
            None,
        ),
        (
            "case-insensitive",
            "agent1",
            json!("ca1-cert.pem"),
            Some("Agent1.TEST"),
            None,
            None,
        ),
        (
            "wildcard-one-label",
            "wildcard",
            json!("ca1-cert.pem"),
            Some("a.example.com"),
            None,
            None,
        ),
        (
            "wildcard-two-labels",
            "wildcard",
            json!("ca1-cert.pem"),
            Some("a.b.example.com"),
            None,
            ALTNAME,
        ),
        (
            "wildcard-bare-domain",
            "wildcard",
            json!("ca1-cert.pem"),
            Some("example.com"),
            None,
            ALTNAME,
        ),
        (
            "cn-without-san",
            "nosan",
            json!("ca1-cert.pem"),
            lh,
            None,
            None,
        ),
        (
            "uri-san-ignored",
            "urisan",
            json!("ca1-cert.pem"),
            lh,
            None,
            ALTNAME,
        ),
        (
            "x509-v1-by-ca2",
            "agent3",
            json!("ca2-cert.pem"),
            lh,
            None,
            None,
        ),
        (
            "x509-v1-wrong-ca",
            "agent3",
            json!("ca1-cert.pem"),
            lh,
            None,
            Some("UNABLE_TO_VERIFY_LEAF_SIGNATURE"),
        ),
        (
            "ca-as-list",
            "other",
            json!(["ca1-cert.pem", "ca2-cert.pem"]),
            Some("other.test"),
            None,
            None,
        ),
        (
            "ca-as-one-pem",
            "other",
            json!("ca-all-cert.pem"),
            Some("other.test"),
            None,
            None,
        ),
        (
            "ca-list-and-bundle",
            "ec10",
            json!(["ca-all-cert.pem", "ca5-cert.pem"]),
            lh,
            None,
            None,
        ),
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
            let context = format!(
                "{which}, {id}:\nnode:   {}\ntlsbox: {}",
                brief(node),
                brief(ours)
            );
            let code = code.map_or(Value::Null, |c| json!(c));
            if *reject && !code.is_null() {
                assert_eq!(
                    error_code(node),
                    code,
                    "node disagrees with the table; {context}"
                );
                assert_eq!(error_code(ours), code, "{context}");
                assert_eq!(
                    ours["error"]["message"], node["error"]["message"],
                    "{context}"
                );
                assert_eq!(
                    ours["error"]["reason"], node["error"]["reason"],
                    "{context}"
                );
                assert_eq!(ours["secureConnect"], false, "{context}");
            } else {
                assert_eq!(
                    node["authorizationError"], code,
                    "node disagrees with the table; {context}"
                );
                assert_eq!(ours["secureConnect"], true, "{context}");
                assert_eq!(ours["authorized"], json!(code.is_null()), "{context}");
                assert_eq!(ours["authorizationError"], code, "{context}");
                assert_eq!(ours["error"], Value::Null, "{context}");
                assert_eq!(
                    ours["ended"], true,
                    "close_notify ends the stream; {context}"
                );
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
fn agreed(
    runs: &[(String, Vec<Value>)],
    i: usize,
    what: &str,
    pick: impl Fn(&Value) -> Value,
) -> Value {
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
        let mut case =
            json!({ "id": id, "server": server, "ca": "ca1-cert.pem", "servername": "localhost" });
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
        (
            client("requested/good", "requested", Some("agent1")),
            true,
            null.clone(),
            null.clone(),
            null.clone(),
        ),
        (
            client("requested/none", "requested", None),
            false,
            json!("UNABLE_TO_GET_ISSUER_CERT"),
            null.clone(),
            null.clone(),
        ),
        (
            client("requested/wrong-ca", "requested", Some("agent3")),
            false,
            json!("UNABLE_TO_VERIFY_LEAF_SIGNATURE"),
            null.clone(),
            null.clone(),
        ),
        (
            client("requested/revoked", "requested-crl", Some("agent4")),
            false,
            json!("CERT_REVOKED"),
            null.clone(),
            null.clone(),
        ),
        (
            client("requested/not-revoked", "requested-crl", Some("agent3")),
            true,
            null.clone(),
            null.clone(),
            null.clone(),
        ),
        (
            client("required/good", "required", Some("agent1")),
            true,
            null.clone(),
            null.clone(),
            null.clone(),
        ),
        (
            client("required/none", "required", None),
            false,
            null.clone(),
            json!("ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED"),
            json!("ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED"),
        ),
        (
            client("required/wrong-ca", "required", Some("agent3")),
            false,
            null.clone(),
            json!("ERR_SSL_TLSV1_ALERT_UNKNOWN_CA"),
            null.clone(),
        ),
        (
            client("required/revoked", "required-crl", Some("agent4")),
            false,
            null.clone(),
            json!("ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED"),
            null.clone(),
        ),
    ];
    let cases: Vec<Value> = table.iter().map(|(case, ..)| case.clone()).collect();
    let runs = four_ways(&configs, &cases).await;
    let (tlsbox_server, node_server) = runs.split_at(2);
    for (i, (case, authorized, authorization_error, ours, theirs)) in table.iter().enumerate() {
        let id = &case["id"];
        assert_eq!(
            &agreed(tlsbox_server, i, "the client's error", error_code),
            ours,
            "{id}"
        );
        assert_eq!(
            &agreed(node_server, i, "the client's error", error_code),
            theirs,
            "{id}"
        );
        let verdict =
            |r: &Value| json!([r["server"]["authorized"], r["server"]["authorizationError"]]);
        if ours.is_null() && theirs.is_null() {
            let server = agreed(&runs, i, "the server's verdict", verdict);
            assert_eq!(server, json!([authorized, authorization_error]), "{id}");
        }
        if !ours.is_null() && theirs.is_null() {
            // Node's server hung up after the handshake, before its view.
            assert_eq!(
                agreed(node_server, i, "the server's line", |r| r["server"].clone()),
                null,
                "{id}"
            );
        }
    }
}

/// A context added for an SNI name brings its own `ca`: it decides client
/// authorization for that name, the default context's `ca` for the rest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sni_contexts_ca_decides_client_authorization_as_in_node() {
    let mut config = server("per-context", "agent1-cert.pem", "agent1-key.pem");
    config["ca"] = json!("ca1-cert.pem");
    config["requestCert"] = json!(true);
    config["contexts"] = json!([
        ["other.test", { "cert": "other-cert.pem", "key": "other-key.pem", "ca": "ca2-cert.pem" }],
    ]);
    // The client trusts ca1 only and does not reject: Node then sends the
    // certificate file as it is (it cannot build agent3's chain to ca2), as
    // tlsbox does, so both clients present the same chain.
    let case = |id: &str, servername: &str, cert: &str, key: &str| {
        json!({
            "id": id, "server": "per-context", "ca": "ca1-cert.pem", "servername": servername,
            "rejectUnauthorized": false, "cert": cert, "key": key,
        })
    };
    let (ca2_cert, ca2_key) = ("agent3-cert.pem", "agent3-key.pem");
    let (ca1_chain, ca1_key) = ("agent6-cert.pem", "agent6-key.pem");
    let table = [
        (
            case("ca2-client/other", "other.test", ca2_cert, ca2_key),
            json!([true, null]),
        ),
        (
            case("ca2-client/default", "localhost", ca2_cert, ca2_key),
            json!([false, "UNABLE_TO_VERIFY_LEAF_SIGNATURE"]),
        ),
        (
            case("ca1-client/other", "other.test", ca1_chain, ca1_key),
            json!([false, "UNABLE_TO_GET_ISSUER_CERT_LOCALLY"]),
        ),
        (
            case("ca1-client/default", "localhost", ca1_chain, ca1_key),
            json!([true, null]),
        ),
    ];
    let cases: Vec<Value> = table.iter().map(|(case, _)| case.clone()).collect();
    let runs = four_ways(&json!([config]), &cases).await;
    for (i, (case, want)) in table.iter().enumerate() {
        let verdict = agreed(&runs, i, "the server's verdict", |r| {
            json!([r["server"]["authorized"], r["server"]["authorizationError"]])
        });
        assert_eq!(&verdict, want, "{}", case["id"]);
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
    for (server, ports) in [
        ("tlsbox server", &tlsbox_servers.ports),
        ("node server", &node_servers.ports),
    ] {
        let (node, tlsbox) = both_clients(&cases, ports).await;
        runs.push((format!("{server} / node client"), node));
        runs.push((format!("{server} / tlsbox client"), tlsbox));
    }
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
    let (mut node_servers, tlsbox_servers) = both_servers(&configs).await;
    let mut runs = Vec::new();
    for (server, ports) in [
        ("tlsbox server", &tlsbox_servers.ports),
        ("node server", &node_servers.ports),
    ] {
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

/// `getPeerCertificate(true)`: tlsbox's client reports, field by field and
/// issuer by issuer, what Node's reports for the same server (RSA with AIA,
/// EC with an intermediate, a chain with its root, an X.509 v1 leaf), and
/// a server reports the client's certificate as Node's server does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peer_certificate_fields_match_node() {
    let mut mutual = server("mutual", "agent1-cert.pem", "agent1-key.pem");
    mutual["ca"] = json!("ca1-cert.pem");
    mutual["requestCert"] = json!(true);
    let configs = json!([
        server("agent1", "agent1-cert.pem", "agent1-key.pem"),
        server("ec10", "ec10-cert.pem", "ec10-key.pem"),
        server("fullchain", "agent6-fullchain-cert.pem", "agent6-key.pem"),
        server("agent3", "agent3-cert.pem", "agent3-key.pem"),
        mutual,
    ]);
    let case = |server: &str, ca: &str| json!({ "id": server, "server": server, "ca": ca, "servername": "localhost" });
    let mut cases = vec![
        case("agent1", "ca1-cert.pem"),
        case("ec10", "ca5-cert.pem"),
        case("fullchain", "ca1-cert.pem"),
        case("agent3", "ca2-cert.pem"),
        // Unverified: the chain as sent.
        json!({ "id": "unverified", "server": "fullchain", "ca": "ca2-cert.pem",
                "servername": "localhost", "rejectUnauthorized": false }),
    ];
    let mut client = case("mutual", "ca1-cert.pem");
    client["cert"] = json!("agent6-cert.pem");
    client["key"] = json!("agent6-key.pem");
    cases.push(client);
    let runs = four_ways(&configs, &cases).await;
    for (i, case) in cases.iter().enumerate() {
        let cert = agreed(&runs, i, "the peer certificate", |r| {
            r["peerCertificate"].clone()
        });
        assert!(cert["fingerprint256"].is_string(), "{}: {cert}", case["id"]);
        let seen_by_server = agreed(&runs, i, "the client certificate", |r| {
            r["server"]["peerCertificate"].clone()
        });
        if case["id"] == "mutual" {
            assert_eq!(seen_by_server["subject"]["CN"], "agent6");
            assert_eq!(seen_by_server["issuerCertificate"]["subject"]["CN"], "ca3");
        } else {
            assert_eq!(
                seen_by_server,
                json!({}),
                "no client certificate: Node's {{}}"
            );
        }
    }
    let ec = &runs[0].1[1]["peerCertificate"];
    assert_eq!(ec["nistCurve"], "P-256");
    assert_eq!(ec["issuerCertificate"]["subject"]["CN"], "ca6");
    assert_eq!(
        ec["issuerCertificate"]["issuerCertificate"]["subject"]["CN"],
        "ca5"
    );
}

/// `maxConnections`: with one connection held open, the next is closed
/// before its handshake, for Node's client and tlsbox's, against tlsbox's
/// server and Node's; `close()` resolves once the held one is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_connections_matches_node() {
    // One server per client implementation, so that the first run's held
    // connection cannot still count when the second run starts.
    let limited = |id: &str| {
        let mut config = server(id, "agent1-cert.pem", "agent1-key.pem");
        config["maxConnections"] = json!(1);
        config["hold"] = json!(true);
        config
    };
    let configs = json!([limited("for-node"), limited("for-tlsbox")]);
    let (node_servers, tlsbox_servers) = both_servers(&configs).await;
    let cases = |server: &str| {
        vec![
            json!({ "id": "first", "server": server, "ca": "ca1-cert.pem", "servername": "localhost", "hold": true }),
            json!({ "id": "second", "server": server, "ca": "ca1-cert.pem", "servername": "localhost" }),
        ]
    };
    for ports in [&tlsbox_servers.ports, &node_servers.ports] {
        let node = node_clients_async(with_ports(&cases("for-node"), ports)).await;
        let ours = tlsbox_clients(&with_ports(&cases("for-tlsbox"), ports)).await;
        for results in [&node, &ours] {
            assert_eq!(results[0]["secureConnect"], true, "{}", brief(&results[0]));
            assert_eq!(
                results[0]["server"]["authorized"],
                false,
                "{}",
                brief(&results[0])
            );
            assert_eq!(results[1]["secureConnect"], false, "{}", brief(&results[1]));
            assert_eq!(
                error_code(&results[1]),
                "ECONNRESET",
                "{}",
                brief(&results[1])
            );
        }
    }
    // Nothing over the limit reached a handshake: no client errors either.
    assert!(
        tlsbox_servers
            .events_of("for-node", "tlsClientError")
            .is_empty()
    );
    let server = &tlsbox_servers.servers["for-tlsbox"];
    server.close().await;
    assert_eq!(server.connections(), 0);
}

/// `getProtocol()` and `getCipher()`: both ends of every connection name
/// the same protocol and cipher (OpenSSL's names, IANA's standard names),
/// under TLS 1.3 and, with a Node client capped at TLS 1.2, for RSA and EC.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protocol_and_cipher_agree_with_node_at_both_ends() {
    let configs = json!([
        server("rsa", "agent1-cert.pem", "agent1-key.pem"),
        server("ec", "ec10-cert.pem", "ec10-key.pem"),
    ]);
    let (node_servers, tlsbox_servers) = both_servers(&configs).await;
    let case = |id: &str, server: &str, ca: &str, max: Option<&str>| {
        let mut case = json!({ "id": id, "server": server, "ca": ca, "servername": "localhost" });
        if let Some(max) = max {
            case["maxVersion"] = json!(max);
        }
        case
    };
    let node_cases = vec![
        case("rsa/1.3", "rsa", "ca1-cert.pem", None),
        case("rsa/1.2", "rsa", "ca1-cert.pem", Some("TLSv1.2")),
        case("ec/1.2", "ec", "ca5-cert.pem", Some("TLSv1.2")),
    ];
    let tlsbox_cases = vec![
        case("rsa/1.3", "rsa", "ca1-cert.pem", None),
        case("ec/1.3", "ec", "ca5-cert.pem", None),
    ];
    for ports in [&tlsbox_servers.ports, &node_servers.ports] {
        let node = node_clients_async(with_ports(&node_cases, ports)).await;
        let ours = tlsbox_clients(&with_ports(&tlsbox_cases, ports)).await;
        for result in node.iter().chain(&ours) {
            let id = result["id"].as_str().unwrap();
            let version = if id.ends_with("1.2") {
                "TLSv1.2"
            } else {
                "TLSv1.3"
            };
            assert_eq!(result["protocol"], version, "{}", brief(result));
            assert_eq!(result["server"]["protocol"], version, "{}", brief(result));
            assert_eq!(
                result["cipher"],
                result["server"]["cipher"],
                "{}",
                brief(result)
            );
            assert_eq!(result["cipher"]["version"], version, "{}", brief(result));
        }
        let name = |r: &Value| r["cipher"]["name"].as_str().unwrap().to_string();
        assert!(
            name(&node[1]).starts_with("ECDHE-RSA-"),
            "{}",
            brief(&node[1])
        );
        assert!(
            name(&node[2]).starts_with("ECDHE-ECDSA-"),
            "{}",
            brief(&node[2])
        );
        assert!(name(&ours[0]).starts_with("TLS_"), "{}", brief(&ours[0]));
    }
}

/// `servername` set to an IP address: tlsbox refuses it at `connect` with
/// `ERR_INVALID_ARG_VALUE`, before opening a connection (as the issue asks,
/// and as RFC 6066 says). Node v20 only warns (DEP0123) and goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servername_set_to_an_ip_is_refused_where_node_v20_only_warns() {
    let configs = json!([server("agent1", "agent1-cert.pem", "agent1-key.pem")]);
    let servers = tlsbox_servers(&configs).await;
    let port = servers.ports["agent1"];
    let mut options = tlsbox::ConnectOptions::with_ca(common::pem("ca1-cert.pem"));
    options.servername = Some("127.0.0.1".into());
    let error = tlsbox::connect("127.0.0.1", port, options)
        .await
        .unwrap_err();
    assert_eq!(error.code(), "ERR_INVALID_ARG_VALUE", "{error}");
    assert!(error.to_string().contains("IP address"), "{error}");

    let case =
        json!([{ "id": "ip", "port": port, "ca": "ca1-cert.pem", "servername": "127.0.0.1" }]);
    let mut node = tokio::task::spawn_blocking(move || {
        let mut peer = common::peers::Peer::spawn(
            "node",
            &[
                &common::interop::node_script("client.js"),
                &case.to_string(),
            ],
        );
        peer.wait_exit();
        peer
    })
    .await
    .unwrap();
    node.wait_for_text("DEP0123");
    let result = node.wait_for_text("{\"id\":\"ip\"");
    let result: Value = serde_json::from_str(&result).unwrap();
    assert_eq!(result["secureConnect"], true, "Node v20 connects anyway");
    // tlsbox's refusal never reached the server; Node's connection did.
    assert_eq!(servers.events_of("agent1", "secureConnection").len(), 1);
}

const TLSBOX: &str = env!("CARGO_BIN_EXE_tlsbox");

fn keys(value: &Value, without: &[&str]) -> Vec<String> {
    let mut keys: Vec<String> = value
        .as_object()
        .expect("an object")
        .keys()
        .filter(|k| !without.contains(&k.as_str()))
        .cloned()
        .collect();
    keys.sort();
    keys
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
        keys(&node, &["id", "secureConnect", "server", "ended", "error"])
    );
    for field in [
        "authorized",
        "authorizationError",
        "servername",
        "alpnProtocol",
        "protocol",
        "cipher",
        "peerCertificate",
    ] {
        assert_eq!(cli[field], node[field], "{field}");
    }
    assert_eq!(cli["alpnProtocol"], "b");

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
    assert_eq!(keys(&ours, &[]), keys(&theirs, &["id"]));
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
    ] {
        assert_eq!(ours[field], theirs[field], "{field}");
    }
    assert_eq!(ours["authorized"], true);
    assert_eq!(ours["peerCertificate"]["subject"]["CN"], "agent6");
}
