//! The benchmark run: [`run`] sets it up, measures each part asked for and
//! hands the results to the report. [`Run`] holds what a run has measured
//! so far; here are its dispatch (which parts, which servers), how a
//! measure is recorded or skipped, and the helpers the parts share. Each
//! part's measure is a module of its own: `handshakes`, `resumption`,
//! `transfer` (bulk and upload), `memory`, `clients`, and `setup`
//! (per-connection set-up and cold start).

mod clients;
mod handshakes;
mod memory;
mod resumption;
mod scale;
mod setup;
mod transfer;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tlsbox::Error;

use crate::report::{Entry, Report, Skipped, loadavg};
use crate::servers::{self, Identity};
use crate::settings::{BenchArgs, Build, EC_CA, KEYS, Key, Part, SUITES, Settings, System};
use crate::{native, progress};

use transfer::Direction;

const NODE_PEER: &str = include_str!("../../node_peer.js");

/// What a measure is, apart from its numbers.
#[derive(Clone, Copy)]
struct Measure {
    name: &'static str,
    unit: &'static str,
    higher_is_better: bool,
    key: Option<&'static str>,
    cipher_suite: Option<&'static str>,
    variant: Option<&'static str>,
}

impl Measure {
    const fn new(name: &'static str, unit: &'static str, higher_is_better: bool) -> Self {
        Self {
            name,
            unit,
            higher_is_better,
            key: None,
            cipher_suite: None,
            variant: None,
        }
    }

    /// A handshake measure of one server: with `key`'s certificate, over
    /// the handshake parts' cipher suite, for `under_test`'s build.
    fn of_handshake(
        key: Key,
        under_test: &UnderTest,
        name: &'static str,
        unit: &'static str,
        higher_is_better: bool,
    ) -> Self {
        Self {
            key: Some(key.name),
            cipher_suite: Some(SUITES[0].1),
            variant: under_test.variant,
            ..Self::new(name, unit, higher_is_better)
        }
    }
}

/// One run: its settings, the systems that can run here, and what has
/// been measured or skipped so far.
struct Run {
    settings: Settings,
    systems: Vec<System>,
    workdir: PathBuf,
    results: Vec<Entry>,
    skipped: Vec<Skipped>,
    step: usize,
    /// The parts asked for; empty for all.
    only: Vec<Part>,
}

/// Runs the benchmark.
pub(crate) async fn run(args: BenchArgs) -> Result<(), Error> {
    let settings = Settings::new(args.quick, args.rounds);
    if cfg!(debug_assertions) && !args.quick {
        progress("warning: a debug build; `cargo build --release` for real numbers");
    }
    let mut systems: Vec<System> = if args.systems.is_empty() {
        System::ALL.to_vec()
    } else {
        System::ALL
            .into_iter()
            .filter(|s| s.is_baseline() || args.systems.contains(s))
            .collect()
    };
    let loadavg_before = loadavg();
    let workdir = std::env::temp_dir().join(format!("tlsbox-bench-{}", std::process::id()));
    std::fs::create_dir_all(&workdir)?;
    let mut run = Run {
        settings,
        systems: Vec::new(),
        workdir: workdir.clone(),
        results: Vec::new(),
        skipped: Vec::new(),
        step: 0,
        only: args.only.clone(),
    };
    systems.retain(|system| match missing_tool(*system) {
        Some(reason) => {
            for measure in ["handshakes_per_s", "bulk_mb_per_s"] {
                run.skip(*system, measure, reason.clone());
            }
            false
        }
        None => true,
    });
    run.systems = systems;
    let outcome = run.all().await;
    let _ = std::fs::remove_dir_all(&workdir);
    outcome?;

    let report = Report::new(
        args.quick,
        loadavg_before,
        run.settings,
        run.results,
        run.skipped,
    );
    report.print_and_save(&args)
}

/// One system's server, started and warmed up.
struct UnderTest {
    system: System,
    /// For tlsbox: which build.
    variant: Option<&'static str>,
    server: servers::Server,
}

impl UnderTest {
    /// `tlsbox (host-crypto)`, `node`, ...
    fn name(&self) -> String {
        match self.variant {
            Some(variant) => format!("{} ({variant})", self.system.name()),
            None => self.system.name().to_string(),
        }
    }
}

impl Run {
    /// Whether `part` is to be measured in this run.
    fn wants(&self, part: Part) -> bool {
        self.only.is_empty() || self.only.contains(&part)
    }

    /// Whether anything is measured against `key`'s servers.
    fn wants_servers(&self, key: Key) -> bool {
        self.wants(Part::Handshakes)
            || self.wants(Part::Resumption)
            || (key.name == KEYS[0].name
                && [Part::Bulk, Part::Upload, Part::Memory, Part::Scale]
                    .into_iter()
                    .any(|part| self.wants(part)))
    }

    async fn all(&mut self) -> Result<(), Error> {
        std::fs::write(self.workdir.join("node_peer.js"), NODE_PEER)?;
        std::fs::write(self.workdir.join("ca5-cert.pem"), EC_CA)?;
        std::fs::write(
            self.workdir
                .join(format!("bulk-{}", self.settings.bulk_bytes)),
            vec![0x5a_u8; self.settings.bulk_bytes],
        )?;
        for key in KEYS {
            let identity = Identity {
                cert: self.workdir.join(format!("{}-cert.pem", key.name)),
                key: self.workdir.join(format!("{}-key.pem", key.name)),
            };
            std::fs::write(&identity.cert, key.cert)?;
            std::fs::write(&identity.key, key.key)?;
            if self.wants_servers(key) {
                self.server_measures(key, &identity).await;
            }
            if self.systems.contains(&System::Tlsbox) && self.wants(Part::Clients) {
                self.client_measures(key, &identity).await;
            }
        }
        if self.wants(Part::Setup) {
            self.instance_costs();
        }
        if self.wants(Part::ColdStart) {
            self.cold_start().await;
        }
        Ok(())
    }

    fn skip(&mut self, system: System, measure: &'static str, reason: String) {
        progress(&format!("skipped {} {measure}: {reason}", system.name()));
        self.skipped.push(Skipped {
            system: system.name(),
            measure,
            reason,
        });
    }

    fn record(&mut self, system: System, measure: Measure, rounds: Vec<f64>) {
        let mut sorted = rounds.clone();
        sorted.sort_by(f64::total_cmp);
        let median = if sorted.len() % 2 == 1 {
            sorted[sorted.len() / 2]
        } else {
            (sorted[sorted.len() / 2 - 1] + sorted[sorted.len() / 2]) / 2.0
        };
        self.results.push(Entry {
            system: system.name(),
            measure: measure.name,
            unit: measure.unit,
            key: measure.key,
            cipher_suite: measure.cipher_suite,
            variant: measure.variant,
            higher_is_better: measure.higher_is_better,
            median,
            min: sorted[0],
            max: sorted[sorted.len() - 1],
            rounds,
            ratio_to_rustls_native: None,
            ratio_to_tokio_rustls: None,
        });
    }

    /// Full and resumed handshakes (each key), bulk and memory (ECDSA key
    /// only: the key does not change them) against every system's server. Every server
    /// is started first and the rounds go round the systems in turn, so a
    /// machine that speeds up or slows down during the run (a shared
    /// 2-core machine does) weighs on each system alike instead of on
    /// whichever ran at that minute.
    async fn server_measures(&mut self, key: Key, identity: &Identity) {
        let mut variants: Vec<(System, Option<Build>)> = Vec::new();
        for system in self.systems.clone() {
            if system == System::Tlsbox {
                variants.extend(Build::SERVERS.map(|build| (system, Some(build))));
            } else {
                variants.push((system, None));
            }
        }
        self.step += 1;
        progress(&format!("[{}] servers, {} key", self.step, key.name));
        let config = native::client_config(SUITES[0].0);
        let mut running = Vec::new();
        for (system, build) in variants.iter().copied() {
            let server = match servers::start(system, build, identity, &self.workdir).await {
                Ok(server) => server,
                Err(reason) => {
                    self.skip(system, "handshakes_per_s", reason);
                    continue;
                }
            };
            // Warm-up: the first connection pays for lazy set-up.
            if let Err(e) = warm_up(server.port, &config).await {
                self.skip(system, "handshakes_per_s", format!("no handshake: {e}"));
                continue;
            }
            running.push(UnderTest {
                system,
                variant: build.map(Build::name),
                server,
            });
        }
        if self.wants(Part::Handshakes) {
            self.handshakes(key, &running, &config, handshakes::CLASSICAL)
                .await;
            let post_quantum = native::post_quantum_client_config(SUITES[0].0);
            self.handshakes(key, &running, &post_quantum, handshakes::POST_QUANTUM)
                .await;
        }
        if self.wants(Part::Resumption) {
            self.resumption(key, &running).await;
        }
        if key.name != KEYS[0].name {
            return;
        }
        if self.wants(Part::Bulk) {
            self.bulk(key, &running, Direction::Download).await;
        }
        if self.wants(Part::Upload) {
            self.bulk(key, &running, Direction::Upload).await;
        }
        drop(running);
        if self.wants(Part::Memory) {
            for (system, build) in variants.iter().copied() {
                self.memory(system, build, identity).await;
            }
        }
        if self.wants(Part::Scale) {
            self.step += 1;
            progress(&format!(
                "[{}] scale: waves of {} idle connections",
                self.step, self.settings.scale_connections
            ));
            for (system, build) in variants {
                self.scale(system, build, identity).await;
            }
        }
    }
}

/// The variant name of a tlsbox build.
fn crypto_name(crypto: tlsbox::Crypto) -> &'static str {
    match crypto {
        tlsbox::Crypto::Guest => "guest-crypto",
        tlsbox::Crypto::Host => "host-crypto",
    }
}

/// A few tries at one handshake: a server may still be settling.
async fn warm_up(port: u16, config: &std::sync::Arc<rustls::ClientConfig>) -> std::io::Result<()> {
    let mut last = None;
    for _ in 0..20 {
        match native::connect(port, config).await {
            Ok(mut tls) => {
                let _ = tls.shutdown().await;
                return Ok(());
            }
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(last.expect("at least one try"))
}

/// Why `system` cannot run here, if it cannot.
fn missing_tool(system: System) -> Option<String> {
    let (program, arg) = match system {
        System::Node => ("node", "--version"),
        System::Openssl => ("openssl", "version"),
        System::Tlsbox | System::RustlsNative | System::TokioRustls => return None,
    };
    let found = std::process::Command::new(program)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    (!found).then(|| format!("`{program}` is not installed"))
}
