//! The throughput results as an SVG bar chart of ratios to native rustls:
//! one bar per system for each handshake and bulk measure, with lines at
//! 0.5× (the host-crypto target) and 1×. SVG, written by hand, so the
//! chart needs no plotting or font crate and renders on GitHub.

use std::fmt::Write;

use crate::report::Entry;

/// Measures drawn, in order: the ones where higher is better.
const MEASURES: [(&str, &str); 7] = [
    ("handshakes_per_s", "server handshakes/s"),
    ("resumed_handshakes_per_s", "resumed server handshakes/s"),
    ("client_handshakes_per_s", "client handshakes/s"),
    ("bulk_mb_per_s", "bulk MB/s"),
    ("bulk_mb_per_server_cpu_s", "bulk MB per server CPU-s"),
    ("upload_mb_per_s", "upload MB/s"),
    ("upload_mb_per_server_cpu_s", "upload MB per server CPU-s"),
];
/// Bars are cut at this ratio so one outlier does not squash the rest.
const MAX_RATIO: f64 = 2.0;
const LABEL_WIDTH: f64 = 420.0;
const BAR_AREA: f64 = 360.0;
const ROW: f64 = 18.0;

/// The chart, or `None` when no entry has a ratio to draw.
pub fn svg(results: &[Entry], machine: &str) -> Option<String> {
    let rows: Vec<(String, &Entry)> = MEASURES
        .iter()
        .flat_map(|(measure, title)| {
            results
                .iter()
                .filter(move |e| e.measure == *measure && e.ratio_to_rustls_native.is_some())
                .map(move |e| {
                    let details: Vec<&str> = [e.key, e.cipher_suite, e.variant]
                        .into_iter()
                        .flatten()
                        .collect();
                    (
                        format!("{title} · {} · {}", details.join(" / "), e.system),
                        e,
                    )
                })
        })
        .collect();
    if rows.is_empty() {
        return None;
    }
    let width = LABEL_WIDTH + BAR_AREA + 80.0;
    let height = 60.0 + ROW * rows.len() as f64 + 30.0;
    let x = |ratio: f64| LABEL_WIDTH + BAR_AREA * ratio.min(MAX_RATIO) / MAX_RATIO;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(
        out,
        r##"<rect width="100%" height="100%" fill="white"/><text x="10" y="20" font-size="14">Ratio to rustls-native (median; higher is better)</text><text x="10" y="38" fill="#555">{}</text>"##,
        escape(machine)
    );
    for (i, (label, entry)) in rows.iter().enumerate() {
        let y = 50.0 + ROW * i as f64;
        let ratio = entry.ratio_to_rustls_native.unwrap_or(0.0);
        let colour = match entry.system {
            "tlsbox" if entry.variant == Some("guest-crypto") => "#9ecae1",
            "tlsbox" => "#3182bd",
            "rustls-native" => "#636363",
            "tokio-rustls" => "#969696",
            "node" => "#31a354",
            _ => "#e6550d",
        };
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text><rect x="{LABEL_WIDTH}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{colour}"/><text x="{:.1}" y="{:.1}">{ratio:.2}×</text>"#,
            LABEL_WIDTH - 6.0,
            y + 12.0,
            escape(label),
            y + 2.0,
            x(ratio) - LABEL_WIDTH,
            ROW - 4.0,
            x(ratio) + 4.0,
            y + 12.0,
        );
    }
    let bottom = 50.0 + ROW * rows.len() as f64;
    for (ratio, dash) in [(0.5, "4 3"), (1.0, "none")] {
        let _ = writeln!(
            out,
            r##"<line x1="{0:.1}" y1="45" x2="{0:.1}" y2="{bottom:.1}" stroke="#000" stroke-dasharray="{dash}"/><text x="{0:.1}" y="{1:.1}" text-anchor="middle">{ratio}×</text>"##,
            x(ratio),
            bottom + 14.0,
        );
    }
    let _ = writeln!(out, "</svg>");
    Some(out)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(system: &'static str, measure: &'static str, ratio: Option<f64>) -> Entry {
        Entry {
            system,
            measure,
            unit: "1/s",
            key: Some("ecdsa-p256"),
            cipher_suite: None,
            variant: None,
            higher_is_better: true,
            median: 1.0,
            min: 1.0,
            max: 1.0,
            rounds: vec![1.0],
            ratio_to_rustls_native: ratio,
            ratio_to_tokio_rustls: None,
        }
    }

    #[test]
    fn one_bar_per_ratio_and_the_reference_lines() {
        let results = [
            entry("rustls-native", "handshakes_per_s", Some(1.0)),
            entry("tlsbox", "handshakes_per_s", Some(0.75)),
            entry("tlsbox", "connection_setup_us", Some(400.0)),
            entry("node", "bulk_mb_per_s", None),
        ];
        let chart = svg(&results, "a <machine>").expect("a chart");
        assert_eq!(chart.matches("<rect x=").count(), 2, "{chart}");
        assert!(chart.contains("0.75×"), "{chart}");
        assert!(chart.contains("a &lt;machine&gt;"), "{chart}");
        assert_eq!(chart.matches("<line ").count(), 2, "{chart}");
        assert!(chart.trim_end().ends_with("</svg>"));
        assert!(svg(&results[2..], "m").is_none(), "nothing to draw");
    }
}
