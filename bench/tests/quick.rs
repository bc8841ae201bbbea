//! `tlsbox-bench --quick --json`: runs end to end with tiny counts and prints
//! one JSON object of the documented shape. The numbers are not checked:
//! benchmarks are never assertions.

use serde_json::Value;

const BENCH: &str = env!("CARGO_BIN_EXE_tlsbox-bench");

/// `tlsbox-bench --quick --json --no-save --rounds 1` with `args` added:
/// the report it printed, and its stdout for messages. Fails the test when
/// the run fails or prints anything but one JSON object.
fn quick(args: &[&str]) -> (Value, String) {
    let output = std::process::Command::new(BENCH)
        .args(["--quick", "--json", "--no-save", "--rounds", "1"])
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = serde_json::from_str(&stdout).expect("stdout is one JSON object");
    (report, stdout)
}

#[test]
fn quick_bench_prints_json_of_the_documented_shape() {
    let (report, stdout) = quick(&["--systems", "tlsbox"]);
    let results = report["results"].as_array().expect("results");
    for entry in results {
        for field in ["system", "measure", "unit"] {
            assert!(entry[field].is_string(), "{field} in {entry}");
        }
        for field in ["median", "min", "max"] {
            assert!(entry[field].is_number(), "{field} in {entry}");
        }
        assert!(entry["min"].as_f64() <= entry["max"].as_f64(), "{entry}");
    }
    let find = |system: &str, measure: &str| {
        results
            .iter()
            .filter(|e| e["system"] == system && e["measure"] == measure)
            .collect::<Vec<_>>()
    };
    // Both baselines are measured whatever `--systems` names.
    for system in ["tlsbox", "rustls-native", "tokio-rustls"] {
        let handshakes = find(system, "handshakes_per_s");
        for key in ["ecdsa-p256", "rsa-2048"] {
            assert!(
                handshakes.iter().any(|e| e["key"] == key),
                "{system} {key} handshakes in {stdout}"
            );
        }
        // Both ways: the server sending (bulk) and receiving (upload).
        for measure in ["bulk_mb_per_s", "upload_mb_per_s"] {
            let bulk = find(system, measure);
            for suite in ["TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256"] {
                assert!(
                    bulk.iter().any(|e| e["cipher_suite"] == suite),
                    "{system} {suite} {measure} in {stdout}"
                );
            }
        }
    }
    let native = &find("rustls-native", "handshakes_per_s")[0];
    assert_eq!(native["ratio_to_rustls_native"].as_f64(), Some(1.0));
    let tokio_rustls = &find("tokio-rustls", "handshakes_per_s")[0];
    assert_eq!(tokio_rustls["ratio_to_tokio_rustls"].as_f64(), Some(1.0));
    for entry in find("tlsbox", "handshakes_per_s") {
        for ratio in ["ratio_to_rustls_native", "ratio_to_tokio_rustls"] {
            assert!(entry[ratio].is_number(), "{ratio} in {entry}");
        }
    }
    // The server whose connections share instances, beside the others.
    let shared = "host-crypto, 64 per instance";
    for measure in ["handshakes_per_s", "pss_mib_per_1000_conns"] {
        assert!(
            find("tlsbox", measure)
                .iter()
                .any(|e| e["variant"] == shared),
            "{shared} {measure} in {stdout}"
        );
    }
    // tlsbox as the client too, each build, beside a native client.
    let clients = find("tlsbox", "client_handshakes_per_s");
    for variant in ["host-crypto", "guest-crypto"] {
        assert!(
            clients
                .iter()
                .any(|e| e["variant"] == variant && e["ratio_to_rustls_native"].is_number()),
            "tlsbox {variant} client handshakes in {stdout}"
        );
    }
    assert!(!find("rustls-native", "client_handshakes_per_s").is_empty());
    // Resumed handshakes, each key: the connections measured really
    // resumed, and beside them full handshakes made in the same steps.
    for (system, variant) in [("tlsbox", Some("host-crypto")), ("rustls-native", None)] {
        let of_variant = |measure: &str| {
            find(system, measure)
                .into_iter()
                .filter(|e| e["variant"].as_str() == variant)
                .collect::<Vec<_>>()
        };
        for key in ["ecdsa-p256", "rsa-2048"] {
            let of_key = |measure: &str| {
                of_variant(measure)
                    .into_iter()
                    .filter(|e| e["key"] == key)
                    .collect::<Vec<_>>()
            };
            let share = of_key("resumed_share");
            assert!(
                share.len() == 1 && share[0]["median"].as_f64().is_some_and(|p| p > 0.0),
                "{system} {key} resumed share in {stdout}"
            );
            for measure in [
                "resumed_handshakes_per_s",
                "server_cpu_us_per_resumed_handshake",
                "server_cpu_us_per_full_handshake_awaiting_ticket",
            ] {
                let entries = of_key(measure);
                assert!(
                    entries.len() == 1 && entries[0]["ratio_to_rustls_native"].is_number(),
                    "{system} {key} {measure} in {stdout}"
                );
            }
        }
    }
    assert!(!find("tlsbox", "rss_mib_per_1000_conns").is_empty());
    assert!(!find("tlsbox", "pss_mib_per_1000_conns").is_empty());
    assert!(!find("tlsbox", "cold_start_ms").is_empty());
    assert!(!find("tlsbox", "connection_setup_us").is_empty());
    // The server's CPU per handshake and per byte sent, beside each
    // handshake rate and bulk throughput.
    for system in ["tlsbox", "rustls-native"] {
        let per_handshake = find(system, "server_cpu_us_per_handshake");
        assert_eq!(
            per_handshake.len(),
            find(system, "handshakes_per_s").len(),
            "{system} server CPU per handshake in {stdout}"
        );
        assert!(
            per_handshake
                .iter()
                .all(|e| e["median"].as_f64().is_some_and(|us| us > 0.0)),
            "{system}: {per_handshake:?}"
        );
        for (per_cpu, rate) in [
            ("bulk_mb_per_server_cpu_s", "bulk_mb_per_s"),
            ("upload_mb_per_server_cpu_s", "upload_mb_per_s"),
        ] {
            assert_eq!(
                find(system, per_cpu).len(),
                find(system, rate).len(),
                "{system} server CPU per {rate} measure in {stdout}"
            );
        }
    }
}

#[test]
fn only_runs_the_parts_asked_for() {
    let (report, stdout) = quick(&["--systems", "tlsbox", "--only", "setup"]);
    let measures: Vec<&str> = report["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|e| e["measure"].as_str())
        .collect();
    assert!(measures.contains(&"connection_setup_us"), "{stdout}");
    assert!(
        measures
            .iter()
            .all(|m| ["connection_setup_us", "new_instance_us"].contains(m)),
        "only the set-up part: {measures:?}"
    );
}

#[test]
fn only_resumption_measures_resumed_handshakes() {
    let (report, stdout) = quick(&["--systems", "tlsbox", "--only", "resumption"]);
    let results = report["results"].as_array().expect("results");
    let measures: Vec<&str> = results
        .iter()
        .filter_map(|e| e["measure"].as_str())
        .collect();
    assert!(
        measures.iter().all(|m| [
            "resumed_handshakes_per_s",
            "server_cpu_us_per_resumed_handshake",
            "server_cpu_us_per_full_handshake_awaiting_ticket",
            "resumed_share"
        ]
        .contains(m)),
        "only the resumption part: {measures:?}"
    );
    for system in ["tlsbox", "rustls-native"] {
        assert!(
            results
                .iter()
                .any(|e| e["system"] == system && e["measure"] == "resumed_handshakes_per_s"),
            "{system} resumed handshakes in {stdout}"
        );
    }
    // The self-contained build: it has a share, and either resumed
    // figures or, when none of its handshakes resumed, the reason.
    let guest_share = results
        .iter()
        .find(|e| e["variant"] == "guest-crypto" && e["measure"] == "resumed_share");
    if let Some(share) = guest_share {
        let resumed = results
            .iter()
            .any(|e| e["variant"] == "guest-crypto" && e["measure"] == "resumed_handshakes_per_s");
        let skipped = report["skipped"]
            .as_array()
            .expect("skipped")
            .iter()
            .any(|s| {
                s["measure"] == "resumed_handshakes_per_s"
                    && s["reason"]
                        .as_str()
                        .is_some_and(|r| r.contains("guest-crypto"))
            });
        assert!(
            share["median"].as_f64() > Some(0.0) && resumed || skipped,
            "guest-crypto resumption in {stdout}"
        );
    }
}
