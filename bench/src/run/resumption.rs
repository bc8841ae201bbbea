//! The `resumption` part: resumed TLS 1.3 handshakes per second against
//! each running server, the server's CPU time per resumed handshake, the
//! share of the measured connections that really resumed, and, as what
//! resumption saves is measured against, the server's CPU time per full
//! handshake made in the same steps.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use super::{Measure, Run, UnderTest};
use crate::load::{self, Handshakes};
use crate::settings::{Key, SUITES};
use crate::{native, progress};

/// The measures of this part.
const RATE: &str = "resumed_handshakes_per_s";
const CPU: &str = "server_cpu_us_per_resumed_handshake";
const SHARE: &str = "resumed_share";
const FULL_CPU: &str = "server_cpu_us_per_full_handshake_awaiting_ticket";

/// One server's rounds: resumed handshakes/s, server CPU per resumed
/// handshake and per full one made in the same steps, the share (%) of
/// each round's handshakes that resumed, and the handshakes that resumed
/// out of all.
#[derive(Default)]
struct Rounds {
    rates: Vec<f64>,
    cpu: Vec<f64>,
    full_cpu: Vec<f64>,
    shares: Vec<f64>,
    resumed: u64,
    count: u64,
}

/// One server under the resumption measure.
struct Resuming {
    /// Its own client config: every server is `localhost` to the store.
    config: Arc<rustls::ClientConfig>,
    /// Tickets the warm-up's full handshakes brought.
    tickets: u32,
    rounds: Rounds,
}

impl Run {
    /// Resumed handshakes per second against each running server, round
    /// by round, as [`Run::handshakes`] measures full ones. Each server
    /// gets its own client config, whose session store all its
    /// connections share; a warm-up of full handshakes fills it, and
    /// every measured connection says whether it resumed. Each round also
    /// measures full handshakes made in the same steps (waiting for the
    /// ticket, which [`Run::handshakes`]'s client does not), with a client
    /// that does not resume: their server CPU is what a resumed
    /// handshake's is compared with. A server none of whose connections
    /// resumed has no resumed measure, only its share (0) and the reason.
    pub(super) async fn resumption(&mut self, key: Key, running: &[UnderTest]) {
        let duration = Duration::from_secs_f64(self.settings.handshake_seconds_per_round);
        let concurrency = self.settings.concurrency;
        let full = native::client_config(SUITES[0].0);
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
                    servers.push(Some(Resuming {
                        config,
                        tickets,
                        rounds: Rounds::default(),
                    }));
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
                let Some(Resuming { config, rounds, .. }) = server else {
                    continue;
                };
                let measured = async {
                    let full = measure(under_test, &full, duration, concurrency).await?;
                    let resumed = measure(under_test, config, duration, concurrency).await?;
                    Ok::<_, io::Error>((full, resumed))
                };
                let ((_, full_cpu), (handshakes, cpu)) = match measured.await {
                    Ok(measured) => measured,
                    Err(e) => {
                        let reason = format!("{}: failed: {e}", under_test.name());
                        self.skip(under_test.system, RATE, reason);
                        *server = None;
                        continue;
                    }
                };
                let rate = handshakes.per_second();
                let us = |cpu: Option<f64>| cpu.map(|us| format!("{us:.0}")).unwrap_or("?".into());
                progress(&format!(
                    "    resumed handshakes/s round {round}/{}, {}: {rate:.0}, {} of {} resumed, \
                     {} µs of server CPU each (a full one in the same steps: {} µs)",
                    self.settings.rounds,
                    under_test.name(),
                    handshakes.resumed,
                    handshakes.count,
                    us(cpu),
                    us(full_cpu),
                ));
                rounds.rates.push(rate);
                rounds.cpu.extend(cpu);
                rounds.full_cpu.extend(full_cpu);
                if handshakes.count > 0 {
                    let share = handshakes.resumed as f64 / handshakes.count as f64;
                    rounds.shares.push(100.0 * share);
                }
                rounds.resumed += handshakes.resumed;
                rounds.count += handshakes.count;
            }
        }
        for (under_test, server) in running.iter().zip(servers) {
            let Some(Resuming {
                tickets, rounds, ..
            }) = server
            else {
                continue;
            };
            let measure = |name, unit, higher_is_better| {
                Measure::of_handshake(key, under_test, name, unit, higher_is_better)
            };
            if rounds.full_cpu.len() == self.settings.rounds {
                let full_cpu = measure(FULL_CPU, "µs", false);
                self.record(under_test.system, full_cpu, rounds.full_cpu);
            }
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

/// One run of [`load::handshake_rate_awaiting_ticket`] against
/// `under_test` with `config`, and the server's CPU µs per handshake.
async fn measure(
    under_test: &UnderTest,
    config: &Arc<rustls::ClientConfig>,
    duration: Duration,
    concurrency: usize,
) -> io::Result<(Handshakes, Option<f64>)> {
    let port = under_test.server.port;
    let run = load::handshake_rate_awaiting_ticket(port, config, duration, concurrency);
    let (handshakes, cpu_seconds) = load::with_cpu_seconds(under_test.server.pid(), run).await?;
    let per_handshake = cpu_seconds
        .filter(|_| handshakes.count > 0)
        .map(|seconds| seconds * 1e6 / handshakes.count as f64);
    Ok((handshakes, per_handshake))
}
