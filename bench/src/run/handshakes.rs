//! The `handshakes` part: full handshakes per second against each running
//! server, and the server's CPU time per handshake, round by round; once
//! with the load client's classical key exchange (X25519) and once with
//! the post-quantum hybrid X25519MLKEM768 only.

use std::time::Duration;

use super::{Measure, Run, UnderTest};
use crate::settings::Key;
use crate::{load, progress};

/// What one pass of handshakes is recorded as: its rate and its server
/// CPU per handshake.
pub(super) struct HandshakeMeasures {
    pub(super) rate: &'static str,
    pub(super) cpu: &'static str,
}

/// The load client's usual key exchange: X25519.
pub(super) const CLASSICAL: HandshakeMeasures = HandshakeMeasures {
    rate: "handshakes_per_s",
    cpu: "server_cpu_us_per_handshake",
};

/// The load client offering X25519MLKEM768 only: servers without ML-KEM
/// (OpenSSL 3.0, Node 20, tlsbox's self-contained engine) are skipped.
pub(super) const POST_QUANTUM: HandshakeMeasures = HandshakeMeasures {
    rate: "x25519mlkem768_handshakes_per_s",
    cpu: "server_cpu_us_per_x25519mlkem768_handshake",
};

impl Run {
    /// Full handshakes per second against each running server, round by
    /// round, recorded as `measures`.
    pub(super) async fn handshakes(
        &mut self,
        key: Key,
        running: &[UnderTest],
        config: &std::sync::Arc<rustls::ClientConfig>,
        measures: HandshakeMeasures,
    ) {
        let measure_name = measures.rate;
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
                        self.skip(under_test.system, measure_name, format!("failed: {e}"));
                        *rounds = None;
                    }
                }
            }
        }
        for (under_test, rounds) in running.iter().zip(rounds) {
            let Some((rates, cpu_rounds)) = rounds else {
                continue;
            };
            let measure = |name, unit, higher_is_better| {
                Measure::of_handshake(key, under_test, name, unit, higher_is_better)
            };
            self.record(under_test.system, measure(measure_name, "1/s", true), rates);
            if cpu_rounds.len() == self.settings.rounds {
                let measure = measure(measures.cpu, "µs", false);
                self.record(under_test.system, measure, cpu_rounds);
            }
        }
    }
}
