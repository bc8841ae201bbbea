//! The `clients` part: tlsbox as the client, each build, beside a native
//! rustls client, against the `rustls-native` server.

use std::time::Duration;

use super::{Measure, Run, crypto_name};
use crate::servers::{self, Identity};
use crate::settings::{Key, SUITES, System};
use crate::{load, native, progress};

impl Run {
    /// Full handshakes per second with tlsbox as the client (each build),
    /// against the native server, beside a native rustls client. Both
    /// clients verify the chain and the name against the key's root, as a
    /// real client does.
    pub(super) async fn client_measures(&mut self, key: Key, identity: &Identity) {
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
}
