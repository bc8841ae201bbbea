//! Server-certificate verification: every case of the table (trust,
//! chains, expiry, CRLs, host names, wildcards, CA lists) with rejection on
//! and off, tlsbox's client and Node's against tlsbox's servers and Node's,
//! with the codes, messages and `authorized` Node reports.

use super::support::{both_clients, both_servers, brief, server};
use crate::common::interop::error_code;
use serde_json::{Value, json};

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
