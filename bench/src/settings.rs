//! What a run is asked to do and with what: the options of `tlsbox-bench`,
//! the parts of a run (`--only`), the systems under test, the counts and
//! durations of a run, and the server keys and cipher suites measured.
//! Kept apart from the measures so that the whole of a run's set-up can
//! be read in one place.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde::Serialize;

pub(crate) const EC_CERT: &str = include_str!("../../fixtures/ec10-cert.pem");
pub(crate) const EC_KEY: &str = include_str!("../../fixtures/ec10-key.pem");
pub(crate) const EC_CA: &str = include_str!("../../fixtures/ca5-cert.pem");
const RSA_CERT: &str = include_str!("../../fixtures/agent1-cert.pem");
const RSA_KEY: &str = include_str!("../../fixtures/agent1-key.pem");
const RSA_CA: &str = include_str!("../../fixtures/ca1-cert.pem");

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
    /// Only these systems (comma-separated); rustls-native and tokio-rustls,
    /// the baselines, are always measured.
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
    /// Resumed (session ticket) server handshakes per second.
    Resumption,
    /// Bulk throughput from the server, and its CPU per byte sent.
    Bulk,
    /// Bulk throughput to the server, and its CPU per byte received.
    Upload,
    /// Memory per idle connection.
    Memory,
    /// Waves of many live connections: time to establish, memory,
    /// mappings, memory given back once closed.
    Scale,
    /// tlsbox as the client: handshakes per second.
    Clients,
    /// What a new connection's sandbox costs before its first byte.
    Setup,
    /// Process start to first handshake.
    ColdStart,
}

/// A system under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum System {
    /// tlsbox: rustls inside a WebAssembly sandbox per connection.
    Tlsbox,
    /// tlsbox's engine built natively: the baseline.
    RustlsNative,
    /// The server a Rust user writes: tokio-rustls with rustls' default
    /// provider (aws-lc-rs) and default server config. The second baseline.
    TokioRustls,
    /// Node's `tls`.
    Node,
    /// `openssl s_server` (one connection at a time).
    Openssl,
}

impl System {
    pub(crate) const ALL: [System; 5] = [
        System::Tlsbox,
        System::RustlsNative,
        System::TokioRustls,
        System::Node,
        System::Openssl,
    ];

    /// The systems every run measures, which ratios are taken to.
    pub fn is_baseline(self) -> bool {
        matches!(self, System::RustlsNative | System::TokioRustls)
    }

    /// The name used in the JSON and the table.
    pub fn name(self) -> &'static str {
        match self {
            System::Tlsbox => "tlsbox",
            System::RustlsNative => "rustls-native",
            System::TokioRustls => "tokio-rustls",
            System::Node => "node",
            System::Openssl => "openssl",
        }
    }
}

/// Counts and durations of one run.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Settings {
    pub(crate) rounds: usize,
    pub(crate) handshake_seconds_per_round: f64,
    pub(crate) concurrency: usize,
    pub(crate) bulk_bytes: usize,
    pub(crate) idle_connections: usize,
    pub(crate) memory_rounds: usize,
    pub(crate) scale_connections: usize,
    pub(crate) scale_waves: usize,
    pub(crate) instance_iterations: usize,
    pub(crate) cold_start_rounds: usize,
}

impl Settings {
    pub(crate) fn new(quick: bool, rounds: Option<usize>) -> Self {
        if quick {
            Self {
                rounds: rounds.unwrap_or(2),
                handshake_seconds_per_round: 0.1,
                concurrency: 2,
                bulk_bytes: 256 * 1024,
                idle_connections: 8,
                memory_rounds: 1,
                scale_connections: 40,
                scale_waves: 2,
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
                scale_connections: 10_000,
                scale_waves: 4,
                instance_iterations: 200,
                cold_start_rounds: rounds,
            }
        }
    }
}

/// A server key: its name and files.
#[derive(Clone, Copy)]
pub(crate) struct Key {
    pub(crate) name: &'static str,
    pub(crate) cert: &'static str,
    pub(crate) key: &'static str,
    /// The root that issued `cert`, for clients that verify.
    pub(crate) ca: &'static str,
}

pub(crate) const KEYS: [Key; 2] = [
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
pub(crate) const SUITES: [(rustls::CipherSuite, &str); 2] = [
    (
        rustls::CipherSuite::TLS13_AES_128_GCM_SHA256,
        "TLS_AES_128_GCM_SHA256",
    ),
    (
        rustls::CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
        "TLS_CHACHA20_POLY1305_SHA256",
    ),
];

/// A tlsbox server under test: its engine build, and whether its
/// connections each have an instance or share them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Build {
    pub crypto: tlsbox::Crypto,
    pub isolation: tlsbox::Isolation,
}

impl Build {
    /// How many connections share an instance in the shared build.
    pub const SHARED_BY: usize = 64;

    /// The builds each tlsbox server measure runs: both engine builds with
    /// an instance per connection, and the host-crypto one with
    /// [`Self::SHARED_BY`] connections per instance.
    pub const SERVERS: [Build; 3] = [
        Build::alone(tlsbox::Crypto::Host),
        Build::alone(tlsbox::Crypto::Guest),
        Build {
            crypto: tlsbox::Crypto::Host,
            isolation: tlsbox::Isolation::PerContext {
                max_connections_per_instance: Self::SHARED_BY,
            },
        },
    ];

    /// `crypto` with an instance per connection.
    pub const fn alone(crypto: tlsbox::Crypto) -> Self {
        Self {
            crypto,
            isolation: tlsbox::Isolation::PerConnection,
        }
    }

    /// The variant name in the report.
    pub fn name(self) -> &'static str {
        use tlsbox::{Crypto, Isolation};
        match (self.crypto, self.isolation) {
            (Crypto::Host, Isolation::PerConnection) => "host-crypto",
            (Crypto::Guest, Isolation::PerConnection) => "guest-crypto",
            (Crypto::Host, Isolation::PerContext { .. }) => "host-crypto, 64 per instance",
            (Crypto::Guest, Isolation::PerContext { .. }) => "guest-crypto, 64 per instance",
        }
    }

    /// `tlsbox-bench peer`'s flags for this build.
    pub fn peer_args(self) -> Vec<String> {
        let mut args = Vec::new();
        if self.crypto == tlsbox::Crypto::Guest {
            args.extend(["--crypto".into(), "guest".into()]);
        }
        if let tlsbox::Isolation::PerContext {
            max_connections_per_instance,
        } = self.isolation
        {
            args.extend([
                "--isolation".into(),
                format!("context:{max_connections_per_instance}"),
            ]);
        }
        args
    }
}
