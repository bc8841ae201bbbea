//! The `scale` part: many live connections in one server process. Waves of
//! idle connections (10,000 in a full run) are established, held, and
//! closed; for each wave the time to establish it, the server's RSS and
//! PSS while it is live, its memory mappings per connection against
//! `vm.max_map_count`, and its RSS once the wave has closed. The RSS after
//! each closed wave shows whether memory is given back, or kept and
//! reused, or grows wave after wave.

use std::time::{Duration, Instant};

use super::{Measure, Run, warm_up};
use crate::servers::{self, Identity};
use crate::settings::{Build, KEYS, SUITES, System};
use crate::{load, native, progress};

/// What one wave measured.
struct Wave {
    establish_seconds: f64,
    live_rss_mib: f64,
    live_pss_mib: Option<f64>,
    mappings_per_connection: f64,
    closed_rss_mib: f64,
}

/// How long a closed wave's connections get to go before the server's
/// memory is read again.
const SETTLE: Duration = Duration::from_secs(2);

impl Run {
    /// Waves of idle connections to a fresh server of `system`.
    pub(super) async fn scale(
        &mut self,
        system: System,
        build: Option<Build>,
        identity: &Identity,
    ) {
        const MEASURE: &str = "scale_establish_s";
        if system == System::Openssl {
            self.skip(
                system,
                MEASURE,
                "s_server serves one connection at a time".into(),
            );
            return;
        }
        let count = self.settings.scale_connections;
        let config = native::client_config(SUITES[0].0);
        let server = match servers::start(system, build, identity, &self.workdir).await {
            Ok(server) => server,
            Err(reason) => return self.skip(system, MEASURE, reason),
        };
        let Some(pid) = server.pid() else {
            return self.skip(system, MEASURE, "no process id".into());
        };
        if let Err(e) = warm_up(server.port, &config).await {
            return self.skip(system, MEASURE, format!("no handshake: {e}"));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        let (Some(mappings_before), Some(rss_before)) = (load::mappings(pid), load::rss_kib(pid))
        else {
            return self.skip(system, MEASURE, "cannot read /proc/<pid>".into());
        };
        let mib = |kib: u64| kib as f64 / 1024.0;
        let mut waves = Vec::new();
        for number in 1..=self.settings.scale_waves {
            let start = Instant::now();
            let open = match load::open_idle(server.port, &config, count).await {
                Ok(open) => open,
                Err(e) => {
                    let reason = format!("wave {number} of {count} connections failed: {e}");
                    return self.skip(system, MEASURE, reason);
                }
            };
            let establish_seconds = start.elapsed().as_secs_f64();
            // The server finishes each handshake after the client does.
            tokio::time::sleep(Duration::from_millis(500)).await;
            let live = (load::rss_kib(pid), load::pss_kib(pid), load::mappings(pid));
            drop(open);
            tokio::time::sleep(SETTLE).await;
            let (Some(live_rss), Some(live_mappings), Some(closed_rss)) =
                (live.0, live.2, load::rss_kib(pid))
            else {
                return self.skip(system, MEASURE, "cannot read /proc/<pid>".into());
            };
            let wave = Wave {
                establish_seconds,
                live_rss_mib: mib(live_rss),
                live_pss_mib: live.1.map(mib),
                mappings_per_connection: live_mappings.saturating_sub(mappings_before) as f64
                    / count as f64,
                closed_rss_mib: mib(closed_rss),
            };
            progress(&format!(
                "    scale wave {number}/{}: {count} connections in {:.1} s, RSS {:.0} MiB live \
                 ({:.0} at start), {:.2} mappings each, RSS {:.0} MiB once closed",
                self.settings.scale_waves,
                wave.establish_seconds,
                wave.live_rss_mib,
                mib(rss_before),
                wave.mappings_per_connection,
                wave.closed_rss_mib,
            ));
            waves.push(wave);
        }
        self.record_waves(system, build, &waves);
    }

    fn record_waves(&mut self, system: System, build: Option<Build>, waves: &[Wave]) {
        let measure = |name, unit, higher_is_better| Measure {
            key: Some(KEYS[0].name),
            variant: build.map(Build::name),
            ..Measure::new(name, unit, higher_is_better)
        };
        let each = |value: fn(&Wave) -> f64| waves.iter().map(value).collect::<Vec<f64>>();
        self.record(
            system,
            measure("scale_establish_s", "s", false),
            each(|w| w.establish_seconds),
        );
        self.record(
            system,
            measure("scale_rss_mib_live", "MiB", false),
            each(|w| w.live_rss_mib),
        );
        let pss: Vec<f64> = waves.iter().filter_map(|w| w.live_pss_mib).collect();
        if pss.len() == waves.len() {
            self.record(system, measure("scale_pss_mib_live", "MiB", false), pss);
        }
        self.record(
            system,
            measure("scale_mappings_per_connection", "mappings", false),
            each(|w| w.mappings_per_connection),
        );
        // Connections one process can hold before the kernel refuses to
        // map more, at this many mappings each; for a server that maps
        // (nearly) nothing per connection the cap is not what limits it.
        let maps = waves.iter().all(|w| w.mappings_per_connection >= 0.01);
        if let Some(max_map_count) = load::max_map_count().filter(|_| maps) {
            let ceiling = waves
                .iter()
                .map(|w| max_map_count as f64 / w.mappings_per_connection)
                .collect();
            self.record(
                system,
                measure(
                    "scale_connections_within_max_map_count",
                    "connections",
                    true,
                ),
                ceiling,
            );
        }
        self.record(
            system,
            measure("scale_rss_mib_after_close", "MiB", false),
            each(|w| w.closed_rss_mib),
        );
    }
}
