//! The results as a Markdown table: what `tlsbox-bench` prints and saves.

use std::fmt::Write;

use crate::report::{Entry, Skipped};

/// One row per system and measure, grouped by measure.
pub fn markdown(results: &[Entry], skipped: &[Skipped], machine: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Machine: {machine}.\n");
    let _ = writeln!(
        out,
        "| measure | key / suite / variant | system | median | min–max | × rustls-native | × tokio-rustls |"
    );
    let _ = writeln!(out, "|---|---|---|---:|---:|---:|---:|");
    // Side by side: each measure's systems together, in the order measured.
    const ORDER: [&str; 24] = [
        "handshakes_per_s",
        "server_cpu_us_per_handshake",
        "x25519mlkem768_handshakes_per_s",
        "server_cpu_us_per_x25519mlkem768_handshake",
        "resumed_handshakes_per_s",
        "server_cpu_us_per_resumed_handshake",
        "server_cpu_us_per_full_handshake_awaiting_ticket",
        "resumed_share",
        "client_handshakes_per_s",
        "bulk_mb_per_s",
        "bulk_mb_per_server_cpu_s",
        "upload_mb_per_s",
        "upload_mb_per_server_cpu_s",
        "rss_mib_per_1000_conns",
        "pss_mib_per_1000_conns",
        "scale_establish_s",
        "scale_rss_mib_live",
        "scale_pss_mib_live",
        "scale_mappings_per_connection",
        "scale_connections_within_max_map_count",
        "scale_rss_mib_after_close",
        "connection_setup_us",
        "new_instance_us",
        "cold_start_ms",
    ];
    let mut sorted: Vec<&Entry> = results.iter().collect();
    sorted.sort_by_key(|e| {
        let rank = ORDER.iter().position(|m| *m == e.measure);
        (rank, e.key, e.cipher_suite)
    });
    for entry in sorted {
        let details: Vec<&str> = [entry.key, entry.cipher_suite, entry.variant]
            .into_iter()
            .flatten()
            .collect();
        let better = if entry.higher_is_better {
            "higher is better"
        } else {
            "lower is better"
        };
        let ratio = |ratio: Option<f64>| ratio.map(number).unwrap_or_else(|| "–".into());
        let (native, tokio_rustls) = (
            ratio(entry.ratio_to_rustls_native),
            ratio(entry.ratio_to_tokio_rustls),
        );
        let _ = writeln!(
            out,
            "| {} ({}, {better}) | {} | {} | {} | {}–{} | {native} | {tokio_rustls} |",
            entry.measure,
            entry.unit,
            details.join(" / "),
            entry.system,
            number(entry.median),
            number(entry.min),
            number(entry.max),
        );
    }
    if !skipped.is_empty() {
        let _ = writeln!(out, "\nNot measured:");
        for skip in skipped {
            let _ = writeln!(out, "- {} {}: {}", skip.system, skip.measure, skip.reason);
        }
    }
    out
}

/// Three significant digits or so: enough for noisy numbers.
fn number(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}
