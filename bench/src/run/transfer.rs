//! The `bulk` and `upload` parts: throughput from and to each running
//! server with each suite, and the server's CPU time per byte sent or
//! received. One measure for both ways, told apart by [`Direction`].

use super::{Measure, Run, UnderTest};
use crate::settings::{Key, SUITES, System};
use crate::{load, native, progress};

/// Which way a bulk transfer goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Direction {
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

impl Run {
    /// Bulk throughput to or from each running server with each suite,
    /// round by round, and the server's CPU time per byte sent or received:
    /// what it costs the server, whatever the speed of the load client (on
    /// two cores the client's own decryption caps the throughput of the
    /// fastest servers).
    pub(super) async fn bulk(&mut self, key: Key, running: &[UnderTest], direction: Direction) {
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
}
