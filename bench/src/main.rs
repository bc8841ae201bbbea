//! `tlsbox-bench`: tlsbox against native rustls, Node's `tls` and OpenSSL,
//! side by side, on loopback (`cargo run -p tlsbox-bench --release -- ...`).
//!
//! Every server runs in its own process and is measured with the same
//! native rustls load client (see [`native::client_config`]), so the
//! differences are the servers'. Each measure is taken over several rounds
//! and reported as the median with the min–max range, and as a ratio to
//! `rustls-native` (tlsbox's engine built natively).

mod chart;
mod load;
mod native;
mod peer;
mod servers;
mod table;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand, ValueEnum};
use serde::Serialize;
use tlsbox::Error;

use servers::Identity;

const EC_CERT: &str = include_str!("../../fixtures/ec10-cert.pem");
const EC_KEY: &str = include_str!("../../fixtures/ec10-key.pem");
const EC_CA: &str = include_str!("../../fixtures/ca5-cert.pem");
const RSA_CERT: &str = include_str!("../../fixtures/agent1-cert.pem");
const RSA_KEY: &str = include_str!("../../fixtures/agent1-key.pem");
const RSA_CA: &str = include_str!("../../fixtures/ca1-cert.pem");
const NODE_PEER: &str = include_str!("../node_peer.js");

/// Benchmarks tlsbox against native rustls, Node's `tls` and OpenSSL on
/// loopback: handshakes/s, bulk MB/s, memory per connection, set-up cost,
/// cold start.
#[derive(Parser, Debug)]
#[command(name = "tlsbox-bench", args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    peer: Option<PeerCommand>,
    #[command(flatten)]
    bench: BenchArgs,
}

#[derive(Subcommand, Debug)]
enum PeerCommand {
    /// A server or client process of the benchmark (internal).
    #[command(hide = true)]
    Peer(peer::PeerArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("tlsbox-bench: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.peer {
            Some(PeerCommand::Peer(args)) => peer::run(args).await,
            None => run(cli.bench).await,
        }
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("tlsbox-bench: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Options of `tlsbox-bench`.
#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Tiny counts and short rounds: checks that everything runs, measures little.
    #[arg(long)]
    pub quick: bool,
    /// Print the results as one JSON object on stdout (progress stays on stderr).
    #[arg(long)]
    pub json: bool,
    /// Rounds per measure (default 5, or 2 with --quick).
    #[arg(long, value_name = "N")]
    pub rounds: Option<usize>,
    /// Only these systems (comma-separated); rustls-native is always measured.
    #[arg(long, value_enum, value_delimiter = ',')]
    pub systems: Vec<System>,
    /// Where to write `<label>.json`, `<label>.md` and the chart `<label>.svg`.
    #[arg(long, value_name = "DIR", default_value = "bench/results")]
    pub out: PathBuf,
    /// The results' file name.
    #[arg(long, default_value = "latest")]
    pub label: String,
    /// Write no files.
    #[arg(long)]
    pub no_save: bool,
    /// Only these parts of the run (comma-separated); all when not given.
    #[arg(long, value_enum, value_delimiter = ',')]
    pub only: Vec<Part>,
}

/// A part of the run, for `--only`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Part {
    /// Server handshakes per second.
    Handshakes,
    /// Bulk throughput from the server, and its CPU per byte sent.
    Bulk,
    /// Bulk throughput to the server, and its CPU per byte received.
    Upload,
    /// Memory per idle connection.
    Memory,
    /// tlsbox as the client: handshakes per second.
    Clients,
    /// What a new connection's sandbox costs before its first byte.
    Setup,
    /// Process start to first handshake.
    ColdStart,
}

/// Which way a bulk transfer goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Direction {
    /// The server sends (`GET`): its send path.
    Download,
    /// The server receives (`PUT`): its receive path.
    Upload,
}

impl Direction {
    /// The name in the progress lines.
    fn name(self) -> &'static str {
        match self {
            Direction::Download => "bulk",
            Direction::Upload => "upload",
        }
    }

    /// The measures: throughput, and MB per server CPU-second.
    fn measures(self) -> (&'static str, &'static str) {
        match self {
            Direction::Download => ("bulk_mb_per_s", "bulk_mb_per_server_cpu_s"),
            Direction::Upload => ("upload_mb_per_s", "upload_mb_per_server_cpu_s"),
        }
    }
}

/// A system under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum System {
    /// tlsbox: rustls inside a WebAssembly sandbox per connection.
    Tlsbox,
    /// tlsbox's engine built natively: the baseline.
    RustlsNative,
    /// Node's `tls`.
    Node,
    /// `openssl s_server` (one connection at a time).
    Openssl,
}

impl System {
    const ALL: [System; 4] = [
        System::Tlsbox,
        System::RustlsNative,
        System::Node,
        System::Openssl,
    ];

    /// The name used in the JSON and the table.
    pub fn name(self) -> &'static str {
        match self {
            System::Tlsbox => "tlsbox",
            System::RustlsNative => "rustls-native",
            System::Node => "node",
            System::Openssl => "openssl",
        }
    }
}

/// Counts and durations of one run.
#[derive(Clone, Debug, Serialize)]
struct Settings {
    rounds: usize,
    handshake_seconds_per_round: f64,
    concurrency: usize,
    bulk_bytes: usize,
    idle_connections: usize,
    memory_rounds: usize,
    instance_iterations: usize,
    cold_start_rounds: usize,
}

impl Settings {
    fn new(quick: bool, rounds: Option<usize>) -> Self {
        if quick {
            Self {
                rounds: rounds.unwrap_or(2),
                handshake_seconds_per_round: 0.1,
                concurrency: 2,
                bulk_bytes: 256 * 1024,
                idle_connections: 8,
                memory_rounds: 1,
                instance_iterations: 5,
                cold_start_rounds: 1,
            }
        } else {
            let rounds = rounds.unwrap_or(5);
            Self {
                rounds,
                handshake_seconds_per_round: 2.0,
                concurrency: 4,
                bulk_bytes: 256 << 20,
                idle_connections: 1000,
                memory_rounds: rounds.min(3),
                instance_iterations: 200,
                cold_start_rounds: rounds,
            }
        }
    }
}

/// A server key: its name and files.
#[derive(Clone, Copy)]
struct Key {
    name: &'static str,
    cert: &'static str,
    key: &'static str,
    /// The root that issued `cert`, for clients that verify.
    ca: &'static str,
}

const KEYS: [Key; 2] = [
    Key {
        name: "ecdsa-p256",
        cert: EC_CERT,
        key: EC_KEY,
        ca: EC_CA,
    },
    Key {
        name: "rsa-2048",
        cert: RSA_CERT,
        key: RSA_KEY,
        ca: RSA_CA,
    },
];

/// The suites of the bulk measure (and the handshake's suite, the first).
const SUITES: [(rustls::CipherSuite, &str); 2] = [
    (
        rustls::CipherSuite::TLS13_AES_128_GCM_SHA256,
        "TLS_AES_128_GCM_SHA256",
    ),
    (
        rustls::CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
        "TLS_CHACHA20_POLY1305_SHA256",
    ),
];

/// One measure of one system.
#[derive(Clone, Debug, Serialize)]
pub struct Entry {
    system: &'static str,
    measure: &'static str,
    unit: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cipher_suite: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    variant: Option<&'static str>,
    higher_is_better: bool,
    median: f64,
    min: f64,
    max: f64,
    rounds: Vec<f64>,
    ratio_to_rustls_native: Option<f64>,
}

/// A measure not taken, and why.
#[derive(Clone, Debug, Serialize)]
struct Skipped {
    system: &'static str,
    measure: &'static str,
    reason: String,
}

/// What `--json` prints and the results file holds.
#[derive(Serialize)]
struct Report {
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
}

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
async fn run(args: BenchArgs) -> Result<(), Error> {
    let settings = Settings::new(args.quick, args.rounds);
    if cfg!(debug_assertions) && !args.quick {
        progress("warning: a debug build; `cargo build --release` for real numbers");
    }
    let mut systems: Vec<System> = if args.systems.is_empty() {
        System::ALL.to_vec()
    } else {
        System::ALL
            .into_iter()
            .filter(|s| *s == System::RustlsNative || args.systems.contains(s))
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

    add_ratios(&mut run.results);
    let report = Report {
        tlsbox_version: env!("CARGO_PKG_VERSION"),
        build: if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        quick: args.quick,
        machine: Machine {
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            loadavg_before,
            loadavg_after: loadavg(),
        },
        settings: run.settings.clone(),
        load_client: "native rustls (ring), TLS 1.3, one cipher suite offered, \
                      handshake signature checked, chain not verified; for \
                      client_handshakes_per_s the server is rustls-native and \
                      every client verifies chain and name",
        results: run.results,
        skipped: run.skipped,
    };
    let json = serde_json::to_string_pretty(&report).expect("the report serializes");
    let markdown = table::markdown(&report.results, &report.skipped, &report.machine_line());
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
        if let Some(svg) = chart::svg(&report.results, &report.machine_line()) {
            std::fs::write(base.with_extension("svg"), svg)?;
        }
        progress(&format!("wrote {}.{{json,md,svg}}", base.display()));
    }
    Ok(())
}

impl Report {
    fn machine_line(&self) -> String {
        format!(
            "{} build, {} CPUs, load average before: {}, after: {}",
            self.build, self.machine.cpus, self.machine.loadavg_before, self.machine.loadavg_after
        )
    }
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
            || (key.name == KEYS[0].name
                && [Part::Bulk, Part::Upload, Part::Memory]
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
        });
    }

    /// Handshakes (each key), bulk and memory (ECDSA key only: the key
    /// does not change them) against every system's server. Every server
    /// is started first and the rounds go round the systems in turn, so a
    /// machine that speeds up or slows down during the run (a shared
    /// 2-core machine does) weighs on each system alike instead of on
    /// whichever ran at that minute.
    async fn server_measures(&mut self, key: Key, identity: &Identity) {
        let mut variants: Vec<(System, Option<tlsbox::Crypto>)> = Vec::new();
        for system in self.systems.clone() {
            if system == System::Tlsbox {
                variants.extend(
                    [tlsbox::Crypto::Host, tlsbox::Crypto::Guest].map(|c| (system, Some(c))),
                );
            } else {
                variants.push((system, None));
            }
        }
        self.step += 1;
        progress(&format!("[{}] servers, {} key", self.step, key.name));
        let config = native::client_config(SUITES[0].0);
        let mut running = Vec::new();
        for (system, crypto) in variants.iter().copied() {
            let server = match servers::start(system, crypto, identity, &self.workdir).await {
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
                variant: crypto.map(crypto_name),
                server,
            });
        }
        if self.wants(Part::Handshakes) {
            self.handshakes(key, &running, &config).await;
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
            for (system, crypto) in variants {
                self.memory(system, crypto, identity).await;
            }
        }
    }

    /// Full handshakes per second against each running server, round by
    /// round.
    async fn handshakes(
        &mut self,
        key: Key,
        running: &[UnderTest],
        config: &std::sync::Arc<rustls::ClientConfig>,
    ) {
        const MEASURE: &str = "handshakes_per_s";
        let duration = Duration::from_secs_f64(self.settings.handshake_seconds_per_round);
        // Per server: handshakes/s rounds and server-CPU rounds.
        let mut rounds: Vec<Option<(Vec<f64>, Vec<f64>)>> =
            vec![Some((Vec::new(), Vec::new())); running.len()];
        for round in 1..=self.settings.rounds {
            for (under_test, rounds) in running.iter().zip(&mut rounds) {
                let Some((rates, cpu_rounds)) = rounds else {
                    continue;
                };
                let server = &under_test.server;
                let run =
                    load::handshake_rate(server.port, config, duration, self.settings.concurrency);
                match load::with_cpu_seconds(server.pid(), run).await {
                    Ok((handshakes, cpu_seconds)) => {
                        let per_handshake = cpu_seconds
                            .filter(|_| handshakes.count > 0)
                            .map(|seconds| seconds * 1e6 / handshakes.count as f64);
                        let rate = handshakes.per_second();
                        progress(&format!(
                            "    handshakes/s round {round}/{}, {}: {rate:.0}{}",
                            self.settings.rounds,
                            under_test.name(),
                            per_handshake
                                .map(|us| format!(", {us:.0} µs of server CPU each"))
                                .unwrap_or_default()
                        ));
                        rates.push(rate);
                        cpu_rounds.extend(per_handshake);
                    }
                    Err(e) => {
                        self.skip(under_test.system, MEASURE, format!("failed: {e}"));
                        *rounds = None;
                    }
                }
            }
        }
        for (under_test, rounds) in running.iter().zip(rounds) {
            let Some((rates, cpu_rounds)) = rounds else {
                continue;
            };
            let measure = |name, unit, higher_is_better| Measure {
                key: Some(key.name),
                cipher_suite: Some(SUITES[0].1),
                variant: under_test.variant,
                ..Measure::new(name, unit, higher_is_better)
            };
            self.record(under_test.system, measure(MEASURE, "1/s", true), rates);
            if cpu_rounds.len() == self.settings.rounds {
                let measure = measure("server_cpu_us_per_handshake", "µs", false);
                self.record(under_test.system, measure, cpu_rounds);
            }
        }
    }

    /// Bulk throughput to or from each running server with each suite,
    /// round by round, and the server's CPU time per byte sent or received:
    /// what it costs the server, whatever the speed of the load client (on
    /// two cores the client's own decryption caps the throughput of the
    /// fastest servers).
    async fn bulk(&mut self, key: Key, running: &[UnderTest], direction: Direction) {
        let (rate_name, per_cpu_name) = direction.measures();
        // `openssl s_server -WWW` only serves files: it takes no uploads.
        let takes = |under_test: &UnderTest| {
            direction == Direction::Download || under_test.system != System::Openssl
        };
        if let Some(openssl) = running.iter().find(|under_test| !takes(under_test)) {
            let reason = "`openssl s_server -WWW` only serves files".to_string();
            self.skip(openssl.system, rate_name, reason);
        }
        for (suite, suite_name) in SUITES {
            let config = native::client_config(suite);
            // Per server: throughput rounds and server-CPU rounds; `None`
            // once it failed.
            let mut taken: Vec<Option<(Vec<f64>, Vec<f64>)>> = running
                .iter()
                .map(|under_test| takes(under_test).then(|| (Vec::new(), Vec::new())))
                .collect();
            for round in 1..=self.settings.rounds {
                for (under_test, taken) in running.iter().zip(&mut taken) {
                    let Some((rates, per_cpu_rounds)) = taken else {
                        continue;
                    };
                    let (port, bytes) = (under_test.server.port, self.settings.bulk_bytes);
                    let run = async {
                        match direction {
                            Direction::Download => load::bulk_rate(port, &config, bytes).await,
                            Direction::Upload => load::upload_rate(port, &config, bytes).await,
                        }
                    };
                    match load::with_cpu_seconds(under_test.server.pid(), run).await {
                        Ok((rate, cpu_seconds)) => {
                            let per_cpu = cpu_seconds.map(|seconds| bytes as f64 / 1e6 / seconds);
                            progress(&format!(
                                "    {} {suite_name} round {round}/{}, {}: {rate:.1} MB/s{}",
                                direction.name(),
                                self.settings.rounds,
                                under_test.name(),
                                per_cpu
                                    .map(|m| format!(", {m:.0} MB per server CPU-second"))
                                    .unwrap_or_default()
                            ));
                            rates.push(rate);
                            per_cpu_rounds.extend(per_cpu);
                        }
                        Err(e) => {
                            let reason = format!("{suite_name} failed: {e}");
                            self.skip(under_test.system, rate_name, reason);
                            *taken = None;
                        }
                    }
                }
            }
            for (under_test, taken) in running.iter().zip(taken) {
                let Some((rates, per_cpu_rounds)) = taken else {
                    continue;
                };
                let measure = |name, unit| Measure {
                    key: Some(key.name),
                    cipher_suite: Some(suite_name),
                    variant: under_test.variant,
                    ..Measure::new(name, unit, true)
                };
                self.record(under_test.system, measure(rate_name, "MB/s"), rates);
                if per_cpu_rounds.len() == self.settings.rounds {
                    let measure = measure(per_cpu_name, "MB/CPU-s");
                    self.record(under_test.system, measure, per_cpu_rounds);
                }
            }
        }
    }

    /// Full handshakes per second with tlsbox as the client (each build),
    /// against the native server, beside a native rustls client. Both
    /// clients verify the chain and the name against the key's root, as a
    /// real client does.
    async fn client_measures(&mut self, key: Key, identity: &Identity) {
        const MEASURE: &str = "client_handshakes_per_s";
        self.step += 1;
        progress(&format!(
            "[{}] clients against the rustls-native server, {} key",
            self.step, key.name
        ));
        let server = match servers::start(System::RustlsNative, None, identity, &self.workdir).await
        {
            Ok(server) => server,
            Err(reason) => return self.skip(System::Tlsbox, MEASURE, reason),
        };
        let (suite, suite_name) = SUITES[0];
        let duration = Duration::from_secs_f64(self.settings.handshake_seconds_per_round);
        let concurrency = self.settings.concurrency;
        let native = native::verifying_client_config(suite, key.ca);
        let mut clients: Vec<(System, Option<tlsbox::Crypto>)> = vec![(System::RustlsNative, None)];
        clients.extend(
            [tlsbox::Crypto::Host, tlsbox::Crypto::Guest].map(|c| (System::Tlsbox, Some(c))),
        );
        for (system, crypto) in clients {
            let mut rounds = Vec::new();
            for round in 1..=self.settings.rounds {
                let rate = match crypto {
                    None => load::handshake_rate(server.port, &native, duration, concurrency).await,
                    Some(crypto) => {
                        let mut options = tlsbox::ConnectOptions::with_ca(key.ca);
                        options.crypto = crypto;
                        options.ciphers = Some(suite_name.into());
                        load::tlsbox_handshake_rate(server.port, options, duration, concurrency)
                            .await
                    }
                };
                match rate.map(|handshakes| handshakes.per_second()) {
                    Ok(rate) => {
                        progress(&format!(
                            "    {}{} client handshakes/s round {round}/{}: {rate:.0}",
                            system.name(),
                            crypto
                                .map(|c| format!(" ({})", crypto_name(c)))
                                .unwrap_or_default(),
                            self.settings.rounds
                        ));
                        rounds.push(rate);
                    }
                    Err(e) => {
                        self.skip(system, MEASURE, format!("failed: {e}"));
                        break;
                    }
                }
            }
            if rounds.len() == self.settings.rounds {
                let measure = Measure {
                    key: Some(key.name),
                    cipher_suite: Some(suite_name),
                    variant: crypto.map(crypto_name),
                    ..Measure::new(MEASURE, "1/s", true)
                };
                self.record(system, measure, rounds);
            }
        }
    }

    /// RSS growth of a fresh server per idle established connection,
    /// scaled to 1,000 connections.
    async fn memory(
        &mut self,
        system: System,
        crypto: Option<tlsbox::Crypto>,
        identity: &Identity,
    ) {
        const MEASURE: &str = "rss_mib_per_1000_conns";
        const PSS_MEASURE: &str = "pss_mib_per_1000_conns";
        if system == System::Openssl {
            self.skip(
                system,
                MEASURE,
                "s_server serves one connection at a time".into(),
            );
            return;
        }
        let count = self.settings.idle_connections;
        let config = native::client_config(SUITES[0].0);
        let (mut rounds, mut pss_rounds) = (Vec::new(), Vec::new());
        let per_1000 = |before: u64, after: u64| {
            after.saturating_sub(before) as f64 / 1024.0 * 1000.0 / count as f64
        };
        for round in 1..=self.settings.memory_rounds {
            let server = match servers::start(system, crypto, identity, &self.workdir).await {
                Ok(server) => server,
                Err(reason) => return self.skip(system, MEASURE, reason),
            };
            let Some(pid) = server.pid() else {
                return self.skip(system, MEASURE, "no process id".into());
            };
            if let Err(e) = warm_up(server.port, &config).await {
                return self.skip(system, MEASURE, format!("no handshake: {e}"));
            }
            // Let the warm-up connection's state go before the baseline.
            tokio::time::sleep(Duration::from_millis(200)).await;
            let before = (load::rss_kib(pid), load::pss_kib(pid));
            let open = match load::open_idle(server.port, &config, count).await {
                Ok(open) => open,
                Err(e) => return self.skip(system, MEASURE, format!("failed: {e}")),
            };
            // The server finishes each handshake after the client does.
            tokio::time::sleep(Duration::from_millis(500)).await;
            let after = (load::rss_kib(pid), load::pss_kib(pid));
            drop(open);
            let (Some(rss_before), Some(rss_after)) = (before.0, after.0) else {
                return self.skip(system, MEASURE, "cannot read /proc/<pid>/status".into());
            };
            let mib = per_1000(rss_before, rss_after);
            let pss = before.1.zip(after.1).map(|(b, a)| per_1000(b, a));
            progress(&format!(
                "    memory round {round}/{}: {mib:.1} MiB RSS{} per 1000 idle connections",
                self.settings.memory_rounds,
                pss.map(|p| format!(", {p:.1} MiB PSS")).unwrap_or_default()
            ));
            rounds.push(mib);
            pss_rounds.extend(pss);
        }
        let measure = |name| Measure {
            key: Some(KEYS[0].name),
            variant: crypto.map(crypto_name),
            ..Measure::new(name, "MiB", false)
        };
        self.record(system, measure(MEASURE), rounds);
        if pss_rounds.len() == self.settings.memory_rounds {
            self.record(system, measure(PSS_MEASURE), pss_rounds);
        }
    }

    /// What each new connection costs before its first byte: a sandbox
    /// instance alone, and the whole set-up (instance, credentials parsed
    /// in the guest, server, pair) against a pair from a parsed context
    /// natively.
    fn instance_costs(&mut self) {
        self.step += 1;
        progress(&format!("[{}] per-connection set-up", self.step));
        let n = self.settings.instance_iterations;
        let context =
            tlsbox_engine::context::SecureContext::new(&tlsbox_engine::context::Credentials {
                key: Some(EC_KEY.into()),
                cert: Some(EC_CERT.into()),
                ..Default::default()
            })
            .expect("the fixture parses");
        let server = tlsbox_engine::server::Server::new(context, Default::default());
        let per_call = |f: &mut dyn FnMut()| {
            let start = Instant::now();
            for _ in 0..n {
                f();
            }
            start.elapsed().as_secs_f64() * 1e6 / n as f64
        };
        let native: Vec<f64> = (0..self.settings.rounds)
            .map(|_| per_call(&mut || drop(std::hint::black_box(server.accept()))))
            .collect();
        self.record(
            System::RustlsNative,
            Measure::new("connection_setup_us", "µs", false),
            native,
        );
        for crypto in [tlsbox::Crypto::Host, tlsbox::Crypto::Guest] {
            let mut options = tlsbox::ServerOptions::new(tlsbox::Credentials {
                key: Some(EC_KEY.into()),
                cert: Some(EC_CERT.into()),
                ..Default::default()
            });
            options.crypto = crypto;
            // The first instance compiles or loads the component.
            if let Err(e) = tlsbox::bench_support::new_server_connection(&options) {
                return self.skip(System::Tlsbox, "connection_setup_us", e.to_string());
            }
            let (mut bare, mut setup) = (Vec::new(), Vec::new());
            for _ in 0..self.settings.rounds {
                bare.push(per_call(&mut || {
                    tlsbox::bench_support::new_instance(crypto).expect("an instance");
                }));
                setup.push(per_call(&mut || {
                    tlsbox::bench_support::new_server_connection(&options).expect("a set-up");
                }));
            }
            progress(&format!(
                "    {}: instance {:.1} µs, set-up {:.1} µs",
                crypto_name(crypto),
                bare[0],
                setup[0]
            ));
            let variant = Some(crypto_name(crypto));
            self.record(
                System::Tlsbox,
                Measure {
                    variant,
                    ..Measure::new("new_instance_us", "µs", false)
                },
                bare,
            );
            self.record(
                System::Tlsbox,
                Measure {
                    variant,
                    ..Measure::new("connection_setup_us", "µs", false)
                },
                setup,
            );
        }
    }

    /// Process start to first completed handshake (and a clean close), one
    /// client process per round, against a native server.
    async fn cold_start(&mut self) {
        const MEASURE: &str = "cold_start_ms";
        self.step += 1;
        progress(&format!("[{}] cold start", self.step));
        let identity = Identity {
            cert: self.workdir.join("ecdsa-p256-cert.pem"),
            key: self.workdir.join("ecdsa-p256-key.pem"),
        };
        let server =
            match servers::start(System::RustlsNative, None, &identity, &self.workdir).await {
                Ok(server) => server,
                Err(reason) => return self.skip(System::RustlsNative, MEASURE, reason),
            };
        let port = server.port.to_string();
        let ca = self.workdir.join("ca5-cert.pem");
        let exe = std::env::current_exe().expect("own executable");
        let cache = self.workdir.join("cache");
        // A process that links the tlsbox library, connects once with
        // `tlsbox::connect` (verifying chain and name) and exits.
        let tlsbox_client = |cache_dir: &Path| {
            let mut command = std::process::Command::new(&exe);
            command
                .args(["peer", "--system", "tlsbox", "--connect"])
                .arg(&port)
                .arg("--ca")
                .arg(&ca)
                .env("TLSBOX_CACHE_DIR", cache_dir);
            command
        };
        let mut clients: Vec<(System, Option<&'static str>, std::process::Command)> = vec![
            (System::Tlsbox, Some("cached"), tlsbox_client(&cache)),
            (
                System::Tlsbox,
                Some("uncached"),
                tlsbox_client(Path::new("off")),
            ),
        ];
        let mut native = std::process::Command::new(&exe);
        native
            .args(["peer", "--system", "rustls-native", "--connect"])
            .arg(&port)
            .arg("--ca")
            .arg(&ca);
        clients.push((System::RustlsNative, None, native));
        if self.systems.contains(&System::Node) {
            let mut node = std::process::Command::new("node");
            node.arg(self.workdir.join("node_peer.js"))
                .arg("connect")
                .arg(&port)
                .arg(&ca);
            clients.push((System::Node, None, node));
        }
        if self.systems.contains(&System::Openssl) {
            let mut openssl = std::process::Command::new("openssl");
            openssl
                .args(["s_client", "-connect"])
                .arg(format!("127.0.0.1:{port}"))
                .args([
                    "-servername",
                    "localhost",
                    "-verify_return_error",
                    "-CAfile",
                ])
                .arg(&ca);
            clients.push((System::Openssl, None, openssl));
        }
        // Fill the component cache for the "cached" runs.
        if let Err(e) = time_process(&mut clients[0].2) {
            return self.skip(System::Tlsbox, MEASURE, e);
        }
        for (system, variant, mut command) in clients {
            let mut rounds = Vec::new();
            for _ in 0..self.settings.cold_start_rounds {
                match time_process(&mut command) {
                    Ok(ms) => rounds.push(ms),
                    Err(e) => {
                        self.skip(system, MEASURE, e);
                        break;
                    }
                }
            }
            if rounds.len() == self.settings.cold_start_rounds {
                progress(&format!(
                    "    {}{}: {:.1} ms",
                    system.name(),
                    variant.map(|v| format!(" ({v})")).unwrap_or_default(),
                    rounds[0]
                ));
                let measure = Measure {
                    variant,
                    ..Measure::new(MEASURE, "ms", false)
                };
                self.record(system, measure, rounds);
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

/// Milliseconds from spawning `command` to its successful exit.
fn time_process(command: &mut std::process::Command) -> Result<f64, String> {
    let start = Instant::now();
    let output = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot start {:?}: {e}", command.get_program()))?;
    let ms = start.elapsed().as_secs_f64() * 1e3;
    if !output.status.success() {
        return Err(format!(
            "{:?} failed: {}",
            command.get_program(),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(ms)
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

/// Each entry's median over rustls-native's for the same measure.
fn add_ratios(results: &mut [Entry]) {
    let baselines: Vec<Entry> = results
        .iter()
        .filter(|e| e.system == System::RustlsNative.name())
        .cloned()
        .collect();
    for entry in results.iter_mut() {
        entry.ratio_to_rustls_native = baselines
            .iter()
            .find(|b| {
                b.measure == entry.measure
                    && b.key == entry.key
                    && b.cipher_suite == entry.cipher_suite
            })
            .filter(|b| b.median > 0.0)
            .map(|b| entry.median / b.median);
    }
}

/// Why `system` cannot run here, if it cannot.
fn missing_tool(system: System) -> Option<String> {
    let (program, arg) = match system {
        System::Node => ("node", "--version"),
        System::Openssl => ("openssl", "version"),
        System::Tlsbox | System::RustlsNative => return None,
    };
    let found = std::process::Command::new(program)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    (!found).then(|| format!("`{program}` is not installed"))
}

/// `/proc/loadavg`'s first three fields: how busy the machine was.
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn progress(line: &str) {
    eprintln!("bench: {line}");
}
