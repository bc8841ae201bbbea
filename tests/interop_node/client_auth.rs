//! Client-certificate authentication: the requested/required matrix with
//! good, missing, wrong-CA and revoked certificates, and the `ca` of an SNI
//! context deciding client authorization for its name.

use super::support::{agreed, four_ways, server};
use crate::common::interop::error_code;
use serde_json::{Value, json};

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
