//! The `resumption` part: resumed TLS 1.3 handshakes per second against
//! each running server, the server's CPU time per resumed handshake, and
//! the share of the measured connections that really resumed.

use std::time::Duration;

use super::{Measure, Run, UnderTest};
use crate::settings::{Key, SUITES};
use crate::{load, native, progress};

/// The measures of this part.
const RATE: &str = "resumed_handshakes_per_s";
const CPU: &str = "server_cpu_us_per_resumed_handshake";
const SHARE: &str = "resumed_share";

/// One server's rounds: handshakes/s, server CPU per handshake, the
/// share (%) of each round's handshakes that resumed, and the handshakes
/// that resumed out of all.
#[derive(Default)]
struct Rounds {
    rates: Vec<f64>,
    cpu: Vec<f64>,
    shares: Vec<f64>,
    resumed: u64,
    count: u64,
}

impl Run {
    /// Resumed handshakes per second against each running server, round
    /// by round, as [`Run::handshakes`] measures full ones. Each server
    /// gets its own client config, whose session store all its
    /// connections share; a warm-up of full handshakes fills it, and
    /// every measured connection says whether it resumed. A server none
    /// of whose connections resumed has no resumed measure, only its
    /// share (0) and the reason.
    pub(super) async fn resumption(&mut self, key: Key, running: &[UnderTest]) {
        let duration = Duration::from_secs_f64(self.settings.handshake_seconds_per_round);
        let concurrency = self.settings.concurrency;
        let mut servers = Vec::new();
        for under_test in running {
            let config = native::resuming_client_config(SUITES[0].0);
            match load::fill_session_store(under_test.server.port, &config, concurrency).await {
                Ok(tickets) => {
                    progress(&format!(
                        "    resumption warm-up, {}: {concurrency} full handshakes, \
                         {tickets} session tickets received",
                        under_test.name()
                    ));
                    servers.push(Some((config, tickets, Rounds::default())));
                }
                Err(e) => {
                    let reason = format!("{}: warm-up failed: {e}", under_test.name());
                    self.skip(under_test.system, RATE, reason);
                    servers.push(None);
                }
            }
        }
        for round in 1..=self.settings.rounds {
            for (under_test, server) in running.iter().zip(&mut servers) {
                let Some((config, _, rounds)) = server else {
                    continue;
                };
                let port = under_test.server.port;
                let run = load::resumed_handshake_rate(port, config, duration, concurrency);
                match load::with_cpu_seconds(under_test.server.pid(), run).await {
                    Ok((handshakes, cpu_seconds)) => {
                        let per_handshake = cpu_seconds
                            .filter(|_| handshakes.count > 0)
                            .map(|seconds| seconds * 1e6 / handshakes.count as f64);
                        let rate = handshakes.per_second();
                        progress(&format!(
                            "    resumed handshakes/s round {round}/{}, {}: {rate:.0}, \
                             {} of {} resumed{}",
                            self.settings.rounds,
                            under_test.name(),
                            handshakes.resumed,
                            handshakes.count,
                            per_handshake
                                .map(|us| format!(", {us:.0} µs of server CPU each"))
                                .unwrap_or_default()
                        ));
                        rounds.rates.push(rate);
                        rounds.cpu.extend(per_handshake);
                        if handshakes.count > 0 {
                            let share = handshakes.resumed as f64 / handshakes.count as f64;
                            rounds.shares.push(100.0 * share);
                        }
                        rounds.resumed += handshakes.resumed;
                        rounds.count += handshakes.count;
                    }
                    Err(e) => {
                        let reason = format!("{}: failed: {e}", under_test.name());
                        self.skip(under_test.system, RATE, reason);
                        *server = None;
                    }
                }
            }
        }
        for (under_test, server) in running.iter().zip(servers) {
            let Some((_, tickets, rounds)) = server else {
                continue;
            };
            let measure = |name, unit, higher_is_better| Measure {
                key: Some(key.name),
                cipher_suite: Some(SUITES[0].1),
                variant: under_test.variant,
                ..Measure::new(name, unit, higher_is_better)
            };
            if !rounds.shares.is_empty() {
                let share = measure(SHARE, "%", true);
                self.record(under_test.system, share, rounds.shares);
            }
            if rounds.resumed == 0 {
                let reason = format!(
                    "{}: none of {} handshakes resumed (the warm-up's {concurrency} full \
                     handshakes brought {tickets} session tickets): every handshake was full",
                    under_test.name(),
                    rounds.count
                );
                self.skip(under_test.system, RATE, reason);
                continue;
            }
            if rounds.resumed < rounds.count {
                progress(&format!(
                    "warning: {}: {} of {} measured handshakes were full ones: \
                     its resumed figures include them",
                    under_test.name(),
                    rounds.count - rounds.resumed,
                    rounds.count
                ));
            }
            self.record(under_test.system, measure(RATE, "1/s", true), rounds.rates);
            if rounds.cpu.len() == self.settings.rounds {
                self.record(under_test.system, measure(CPU, "µs", false), rounds.cpu);
            }
        }
    }
}
