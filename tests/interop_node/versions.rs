//! `minVersion`, `maxVersion` and `ecdhCurve`: what each negotiates, and
//! how a handshake with nothing in common fails, at both ends, with tlsbox
//! and Node as the server and as the client.

use super::support::{agreed, four_ways_keeping_servers, server};
use crate::common::interop::error_code;
use serde_json::{Value, json};

/// Every (server, client) pair agrees on each case's outcome: the protocol
/// and key exchange it negotiated, or the client's error code; and each
/// server reports the failed handshakes with the code Node's server gives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_and_groups_match_node_in_both_directions() {
    let with = |id: &str, option: &str, value: &str| {
        let mut config = server(id, "agent1-cert.pem", "agent1-key.pem");
        config[option] = json!(value);
        config
    };
    let configs = json!([
        server("plain", "agent1-cert.pem", "agent1-key.pem"),
        with("tls12", "maxVersion", "TLSv1.2"),
        with("tls13", "minVersion", "TLSv1.3"),
        with("p256", "ecdhCurve", "P-256"),
        with("p384", "ecdhCurve", "P-384"),
    ]);
    let case = |server: &str, option: Option<(&str, &str)>| {
        let mut case = json!({
            "id": format!("{server}/{option:?}"), "server": server,
            "ca": "ca1-cert.pem", "servername": "localhost",
        });
        if let Some((name, value)) = option {
            case[name] = json!(value);
        }
        case
    };
    let ok = |protocol: &str, group: &str, size: u64| json!({ "protocol": protocol, "ephemeralKeyInfo": { "type": "ECDH", "name": group, "size": size } });
    let expected = [
        (case("tls12", None), ok("TLSv1.2", "X25519", 253)),
        (
            case("plain", Some(("maxVersion", "TLSv1.2"))),
            ok("TLSv1.2", "X25519", 253),
        ),
        (
            case("tls13", Some(("maxVersion", "TLSv1.2"))),
            json!("ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION"),
        ),
        (
            case("tls12", Some(("minVersion", "TLSv1.3"))),
            json!("ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION"),
        ),
        (case("p256", None), ok("TLSv1.3", "prime256v1", 256)),
        (
            case("plain", Some(("ecdhCurve", "secp384r1"))),
            ok("TLSv1.3", "secp384r1", 384),
        ),
        (
            case("plain", Some(("ecdhCurve", "P-384:X25519"))),
            ok("TLSv1.3", "secp384r1", 384),
        ),
        (
            case("p384", Some(("ecdhCurve", "X25519"))),
            json!("ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE"),
        ),
    ];
    let cases: Vec<Value> = expected.iter().map(|(case, _)| case.clone()).collect();
    let (runs, mut node_servers, tlsbox_servers) =
        four_ways_keeping_servers(&configs, &cases).await;
    for (i, (case, want)) in expected.iter().enumerate() {
        let got = agreed(&runs, i, "the outcome", |r| {
            if r["secureConnect"] == true {
                assert_eq!(r["server"]["protocol"], r["protocol"], "{r}");
                json!({ "protocol": r["protocol"], "ephemeralKeyInfo": r["ephemeralKeyInfo"] })
            } else {
                error_code(r)
            }
        });
        assert_eq!(&got, want, "{}", case["id"]);
    }
    // The server side of each failed handshake, once per client.
    for (id, code) in [
        ("tls13", "ERR_SSL_UNSUPPORTED_PROTOCOL"),
        ("tls12", "ERR_SSL_UNSUPPORTED_PROTOCOL"),
        ("p384", "ERR_SSL_NO_SUITABLE_KEY_SHARE"),
    ] {
        let theirs = node_servers.event(id, "tlsClientError", 2);
        assert_eq!(theirs["code"], code, "Node's {id} server");
        let ours = tlsbox_servers.events_of(id, "tlsClientError");
        assert_eq!(ours.len(), 2, "{id}: {ours:?}");
        for event in ours {
            assert_eq!(event["code"], code, "tlsbox's {id} server: {event}");
        }
    }
}

/// A version or group tlsbox cannot speak is refused when the server is
/// made, and when a client connects, with a message naming what is
/// allowed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn options_out_of_range_are_refused_naming_what_is_allowed() {
    let credentials = crate::common::identity("agent1");
    let mut options = tlsbox::ServerOptions::new(credentials);
    options.min_version = Some("TLSv1.1".into());
    let error = tlsbox::create_server(options.clone()).unwrap_err();
    assert_eq!(error.code(), "ERR_TLS_INVALID_PROTOCOL_VERSION");
    assert!(error.to_string().contains("TLSv1.2 or TLSv1.3"), "{error}");
    options.min_version = None;
    options.ecdh_curve = Some("P-999".into());
    let error = tlsbox::create_server(options).unwrap_err();
    assert_eq!(error.code(), "ERR_CRYPTO_OPERATION_FAILED");
    assert!(error.to_string().contains("X25519:P-256:P-384"), "{error}");

    let mut connect = tlsbox::ConnectOptions::with_ca(crate::common::pem("ca1-cert.pem"));
    connect.max_version = Some("TLSv1.4".into());
    // Refused before any connection: nothing listens on port 9.
    let error = tlsbox::connect("localhost", 9, connect).await.unwrap_err();
    assert_eq!(error.code(), "ERR_TLS_INVALID_PROTOCOL_VERSION");
    assert!(error.to_string().contains("TLSv1.4"), "{error}");
}

/// `sigalgs` four ways: a client narrowing the schemes to ones agent1's
/// RSA key can sign with in the version agreed still connects; to none it
/// can (PKCS#1 in TLS 1.3, ECDSA only), or a server narrowed to ECDSA,
/// fails with `handshake_failure` at the client and
/// `ERR_SSL_NO_SUITABLE_SIGNATURE_ALGORITHM` at the server, as Node.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signature_algorithms_match_node_in_both_directions() {
    let mut ecdsa_only = server("ecdsa-only", "agent1-cert.pem", "agent1-key.pem");
    ecdsa_only["sigalgs"] = json!("ECDSA+SHA256");
    let configs = json!([
        server("rsa", "agent1-cert.pem", "agent1-key.pem"),
        ecdsa_only
    ]);
    let case = |server: &str, sigalgs: Option<&str>, max_version: Option<&str>| {
        let mut case = json!({
            "id": format!("{server}/{sigalgs:?}/{max_version:?}"), "server": server,
            "ca": "ca1-cert.pem", "servername": "localhost",
        });
        if let Some(sigalgs) = sigalgs {
            case["sigalgs"] = json!(sigalgs);
        }
        if let Some(version) = max_version {
            case["maxVersion"] = json!(version);
        }
        case
    };
    let refused = json!("ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE");
    let expected = [
        (case("rsa", Some("RSA-PSS+SHA384"), None), json!("TLSv1.3")),
        (
            case("rsa", Some("rsa_pss_rsae_sha256:ECDSA+SHA256"), None),
            json!("TLSv1.3"),
        ),
        (
            case("rsa", Some("RSA+SHA256"), Some("TLSv1.2")),
            json!("TLSv1.2"),
        ),
        (case("rsa", Some("RSA+SHA256"), None), refused.clone()),
        (case("rsa", Some("ECDSA+SHA256"), None), refused.clone()),
        (case("ecdsa-only", None, None), refused.clone()),
        (case("ecdsa-only", None, Some("TLSv1.2")), refused.clone()),
    ];
    let cases: Vec<Value> = expected.iter().map(|(case, _)| case.clone()).collect();
    let (runs, mut node_servers, tlsbox_servers) =
        four_ways_keeping_servers(&configs, &cases).await;
    for (i, (case, want)) in expected.iter().enumerate() {
        let got = agreed(&runs, i, "the outcome", |r| {
            match r["secureConnect"] == true {
                true => r["protocol"].clone(),
                false => error_code(r),
            }
        });
        assert_eq!(&got, want, "{}", case["id"]);
    }
    // Each server's failed handshakes: two cases each, from two clients.
    for id in ["rsa", "ecdsa-only"] {
        let theirs = node_servers.event(id, "tlsClientError", 4);
        assert_eq!(
            theirs["code"], "ERR_SSL_NO_SUITABLE_SIGNATURE_ALGORITHM",
            "Node's {id} server"
        );
        let ours = tlsbox_servers.events_of(id, "tlsClientError");
        assert_eq!(ours.len(), 4, "{id}: {ours:?}");
        for event in ours {
            assert_eq!(
                event["code"], "ERR_SSL_NO_SUITABLE_SIGNATURE_ALGORITHM",
                "tlsbox's {id} server: {event}"
            );
        }
    }
    let mut options = tlsbox::ServerOptions::new(crate::common::identity("agent1"));
    options.sigalgs = Some("RSA+MD5".into());
    let error = tlsbox::create_server(options).unwrap_err();
    assert_eq!(error.code(), "ERR_INVALID_ARG_VALUE");
    assert!(error.to_string().contains("RSA+MD5"), "{error}");
}
