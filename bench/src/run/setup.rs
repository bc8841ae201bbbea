//! The `setup` and `cold-start` parts: what a new connection costs before
//! its first byte (a sandbox instance, the whole set-up), and the time from
//! a client process's start to its first completed handshake.

use std::path::Path;
use std::process::Stdio;
use std::time::Instant;

use super::{Measure, Run, crypto_name};
use crate::progress;
use crate::servers::{self, Identity};
use crate::settings::{Build, EC_CERT, EC_KEY, System};

impl Run {
    /// What each new connection costs before its first byte: a sandbox
    /// instance alone, and the whole set-up (instance, credentials parsed
    /// in the guest, server, pair) against a pair from a parsed context
    /// natively.
    pub(super) fn instance_costs(&mut self) {
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
            if crypto == tlsbox::Crypto::Host {
                self.shared_setup(&options, &per_call);
                self.client_setup(&per_call);
            }
        }
    }

    /// A client connection's set-up (host crypto) trusting one `ca` root,
    /// the default roots (Mozilla's, built into the engine), and the
    /// default roots with the file `NODE_EXTRA_CA_CERTS` names, when it
    /// is set (its roots decoded once, as a process does, and held by the
    /// host, which a sandbox asks for the roots a chain names).
    fn client_setup(&mut self, per_call: &dyn Fn(&mut dyn FnMut()) -> f64) {
        let extra = std::env::var_os("NODE_EXTRA_CA_CERTS")
            .and_then(|path| std::fs::read_to_string(path).ok())
            .map(|text| tlsbox::bench_support::decode_roots(&text).0);
        let none = tlsbox::bench_support::DecodedRoots::default();
        let mut variants: Vec<(
            String,
            tlsbox::ConnectOptions,
            &tlsbox::bench_support::DecodedRoots,
        )> = vec![
            (
                "client, one ca root".into(),
                tlsbox::ConnectOptions::with_ca(crate::settings::EC_CA),
                &none,
            ),
            (
                "client, default roots".into(),
                tlsbox::ConnectOptions::default(),
                &none,
            ),
        ];
        if let Some(roots) = &extra {
            variants.push((
                format!(
                    "client, default roots + NODE_EXTRA_CA_CERTS ({} roots)",
                    roots.len()
                ),
                tlsbox::ConnectOptions::default(),
                roots,
            ));
        }
        for (variant, options, extra) in variants {
            let setup: Vec<f64> = (0..self.settings.rounds)
                .map(|_| {
                    per_call(&mut || {
                        tlsbox::bench_support::new_client_connection(&options, extra)
                            .expect("a client set-up")
                    })
                })
                .collect();
            progress(&format!("    {variant}: set-up {:.1} µs", setup[0]));
            // Measures name their variant for the whole run.
            let variant: &'static str = Box::leak(variant.into_boxed_str());
            self.record(
                System::Tlsbox,
                Measure {
                    variant: Some(variant),
                    ..Measure::new("connection_setup_us", "µs", false)
                },
                setup,
            );
        }
    }

    /// The set-up of a connection that joins an instance shared by
    /// [`Build::SHARED_BY`] (a new instance made every so many).
    fn shared_setup(
        &mut self,
        options: &tlsbox::ServerOptions,
        per_call: &dyn Fn(&mut dyn FnMut()) -> f64,
    ) {
        let build = Build {
            crypto: options.crypto,
            isolation: tlsbox::Isolation::PerContext {
                max_connections_per_instance: Build::SHARED_BY,
            },
        };
        let connections =
            tlsbox::bench_support::SharedServerConnections::new(options, Build::SHARED_BY);
        let setup: Vec<f64> = (0..self.settings.rounds)
            .map(|_| per_call(&mut || connections.set_up_one().expect("a set-up")))
            .collect();
        progress(&format!("    {}: set-up {:.1} µs", build.name(), setup[0]));
        self.record(
            System::Tlsbox,
            Measure {
                variant: Some(build.name()),
                ..Measure::new("connection_setup_us", "µs", false)
            },
            setup,
        );
    }

    /// Process start to first completed handshake (and a clean close), one
    /// client process per round, against a native server.
    pub(super) async fn cold_start(&mut self) {
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
