//! The results of a run and where they go: one [`Entry`] per measure and
//! system, the measures [`Skipped`] and why, and the [`Report`] that
//! `--json` prints and the results files hold, with each entry's ratio to
//! `rustls-native`. The shape of the JSON is fixed here (and checked by
//! `tests/quick.rs`); `table` and `chart` draw the same entries.

use serde::Serialize;
use tlsbox::Error;

use crate::settings::{BenchArgs, Settings, System};
use crate::{chart, progress, table};

/// One measure of one system.
#[derive(Clone, Debug, Serialize)]
pub struct Entry {
    pub(crate) system: &'static str,
    pub(crate) measure: &'static str,
    pub(crate) unit: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) key: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) cipher_suite: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) variant: Option<&'static str>,
    pub(crate) higher_is_better: bool,
    pub(crate) median: f64,
    pub(crate) min: f64,
    pub(crate) max: f64,
    pub(crate) rounds: Vec<f64>,
    pub(crate) ratio_to_rustls_native: Option<f64>,
    pub(crate) ratio_to_tokio_rustls: Option<f64>,
}

/// A measure not taken, and why.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Skipped {
    pub(crate) system: &'static str,
    pub(crate) measure: &'static str,
    pub(crate) reason: String,
}

/// What `--json` prints and the results file holds.
#[derive(Serialize)]
pub(crate) struct Report {
    tlsbox_version: &'static str,
    build: &'static str,
    quick: bool,
    machine: Machine,
    settings: Settings,
    load_client: &'static str,
    results: Vec<Entry>,
    skipped: Vec<Skipped>,
}

#[derive(Serialize)]
struct Machine {
    cpus: usize,
    loadavg_before: String,
    loadavg_after: String,
}

impl Report {
    /// The report of a finished run: its results, each with its ratio to
    /// rustls-native, and the machine as it was before the run and is now.
    pub(crate) fn new(
        quick: bool,
        loadavg_before: String,
        settings: Settings,
        mut results: Vec<Entry>,
        skipped: Vec<Skipped>,
    ) -> Self {
        add_ratios(&mut results);
        Report {
            tlsbox_version: env!("CARGO_PKG_VERSION"),
            build: if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            },
            quick,
            machine: Machine {
                cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
                loadavg_before,
                loadavg_after: loadavg(),
            },
            settings,
            load_client: "native rustls (ring), TLS 1.3, one cipher suite offered, \
                          handshake signature checked, chain not verified, X25519 (or, for \
                          the x25519mlkem768 measures, X25519MLKEM768 only); for \
                          resumed_handshakes_per_s it keeps rustls' in-memory \
                          session store, one per server, filled by full handshakes \
                          first, and waits for each connection's new ticket; for \
                          client_handshakes_per_s the server is rustls-native and \
                          every client verifies chain and name",
            results,
            skipped,
        }
    }

    /// Prints the report (JSON with `--json`, else the Markdown table) and,
    /// unless `--no-save`, writes `<label>.json`, `<label>.md` and the chart.
    pub(crate) fn print_and_save(&self, args: &BenchArgs) -> Result<(), Error> {
        let json = serde_json::to_string_pretty(self).expect("the report serializes");
        let markdown = table::markdown(&self.results, &self.skipped, &self.machine_line());
        if args.json {
            println!("{json}");
        } else {
            print!("{markdown}");
        }
        if !args.no_save {
            std::fs::create_dir_all(&args.out)?;
            let base = args.out.join(&args.label);
            std::fs::write(base.with_extension("json"), format!("{json}\n"))?;
            std::fs::write(base.with_extension("md"), &markdown)?;
            if let Some(svg) = chart::svg(&self.results, &self.machine_line()) {
                std::fs::write(base.with_extension("svg"), svg)?;
            }
            progress(&format!("wrote {}.{{json,md,svg}}", base.display()));
        }
        Ok(())
    }

    fn machine_line(&self) -> String {
        format!(
            "{} build, {} CPUs, load average before: {}, after: {}",
            self.build, self.machine.cpus, self.machine.loadavg_before, self.machine.loadavg_after
        )
    }
}

/// Each entry's median over each baseline's for the same measure.
fn add_ratios(results: &mut [Entry]) {
    let baseline = |system: System| -> Vec<Entry> {
        results
            .iter()
            .filter(|e| e.system == system.name())
            .cloned()
            .collect()
    };
    let (native, tokio_rustls) = (
        baseline(System::RustlsNative),
        baseline(System::TokioRustls),
    );
    let ratio = |baselines: &[Entry], entry: &Entry| {
        baselines
            .iter()
            .find(|b| {
                b.measure == entry.measure
                    && b.key == entry.key
                    && b.cipher_suite == entry.cipher_suite
            })
            .filter(|b| b.median > 0.0)
            .map(|b| entry.median / b.median)
    };
    for entry in results.iter_mut() {
        entry.ratio_to_rustls_native = ratio(&native, entry);
        entry.ratio_to_tokio_rustls = ratio(&tokio_rustls, entry);
    }
}

/// `/proc/loadavg`'s first three fields: how busy the machine was.
pub(crate) fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}
