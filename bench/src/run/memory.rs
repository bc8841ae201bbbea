//! The `memory` part: what each idle established connection costs a
//! server in RSS (and PSS), scaled to 1,000 connections.

use std::time::Duration;

use super::{Measure, Run, warm_up};
use crate::servers::{self, Identity};
use crate::settings::{Build, KEYS, SUITES, System};
use crate::{load, native, progress};

impl Run {
    /// RSS growth of a fresh server per idle established connection,
    /// scaled to 1,000 connections.
    pub(super) async fn memory(
        &mut self,
        system: System,
        build: Option<Build>,
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
            variant: build.map(Build::name),
            ..Measure::new(name, "MiB", false)
        };
        self.record(system, measure(MEASURE), rounds);
        if pss_rounds.len() == self.settings.memory_rounds {
            self.record(system, measure(PSS_MEASURE), pss_rounds);
        }
    }
}
