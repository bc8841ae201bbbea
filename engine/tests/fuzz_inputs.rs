//! The fuzz targets' harness (`tlsbox_harness::fuzz`) on stable Rust, in
//! the ordinary test run: every saved regression input under
//! `fuzz/regressions/{server,client}/`, then a bounded, seeded mutation run
//! from real handshake flights. `just fuzz` runs the coverage-guided fuzzer.

use tlsbox_harness::fuzz as harness;

use std::path::PathBuf;

/// Mutated inputs per target: enough to reach past the hello parsers, few
/// enough for a debug build to finish in seconds.
const MUTATIONS: usize = 2000;

fn regressions(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/regressions")
        .join(target);
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.is_file() && path.extension().is_none_or(|e| e != "md"))
        .map(|path| {
            let bytes = std::fs::read(&path).expect("read input");
            (path, bytes)
        })
        .collect();
    inputs.sort();
    inputs
}

#[test]
fn server_regression_inputs_replay_cleanly() {
    let inputs = regressions("server");
    assert!(!inputs.is_empty(), "the saved inputs are there");
    for (path, bytes) in inputs {
        println!("{}", path.display());
        harness::fuzz_server(&bytes);
    }
}

#[test]
fn client_regression_inputs_replay_cleanly() {
    let inputs = regressions("client");
    assert!(!inputs.is_empty(), "the saved inputs are there");
    for (path, bytes) in inputs {
        println!("{}", path.display());
        harness::fuzz_client(&bytes);
    }
}

#[test]
fn protected_regression_inputs_replay_cleanly() {
    let inputs = regressions("protected");
    assert!(!inputs.is_empty(), "the saved inputs are there");
    for (path, bytes) in inputs {
        println!("{}", path.display());
        harness::fuzz_protected(&bytes);
    }
}

/// The saved protected-record inputs are the harness's seeds, one per rule
/// checked after decryption: the replay above runs each rule.
#[test]
fn protected_seeds_are_saved_as_regressions() {
    let saved = regressions("protected");
    for (name, seed) in harness::protected_seeds() {
        assert!(
            saved
                .iter()
                .any(|(path, bytes)| path.ends_with(name) && *bytes == seed),
            "fuzz/regressions/protected/{name} is the seed (`write_fuzz_seeds` writes it)"
        );
    }
}

/// Each protected-record seed meets the rule it was written for: the
/// engine's own checks after decryption, natively (the guest's host-crypto
/// decrypter makes the same ones; `tests/record_layer.rs` runs both builds
/// against real sockets).
#[test]
fn protected_seeds_are_refused_as_rfc_8446_says() {
    use tlsbox_engine::ErrorCode as C;
    for (name, seed) in harness::protected_seeds() {
        let expected = match name {
            "seed-data-then-close" => None,
            "only-padding" | "interleaved-handshake" | "protected-change-cipher-spec" => {
                Some(C::ErrSslUnexpectedMessage)
            }
            "empty-handshake-record" => Some(C::ErrSslBadLength),
            "unknown-inner-type" => Some(C::ErrSslUnexpectedRecord),
            "two-alerts" => Some(C::ErrSslProtocolError),
            "padded-past-the-limit" => Some(C::ErrSslRecordOverflow),
            "thirty-three-empty-records" => Some(C::ErrSslRecordTooSmall),
            other => panic!("no expectation for seed {other}"),
        };
        let failure = harness::fuzz_protected(&seed).map(|error| error.code);
        assert_eq!(failure, expected, "{name}");
    }
}

/// Each first-flight seed is saved as a server regression input (its
/// ClientHello is a real one, different in every run, so the saved one
/// counts) and meets the rule it was written for.
#[test]
fn first_flight_regressions_are_refused_as_rfc_8446_says() {
    use tlsbox_engine::ErrorCode as C;
    let saved = regressions("server");
    for (name, _) in harness::first_flight_seeds() {
        let expected = match name {
            "change-cipher-spec-before-hello"
            | "application-data-before-hello"
            | "hello-split-by-an-alert" => C::ErrSslUnexpectedMessage,
            "unknown-record-type" => C::ErrSslUnexpectedRecord,
            "empty-handshake-record-before-hello" => C::ErrSslBadLength,
            "hello-in-a-record-over-2-14" => C::ErrSslRecordOverflow,
            "hello-header-over-64-kib" => C::ErrSslExcessiveMessageSize,
            other => panic!("no expectation for seed {other}"),
        };
        let (_, input) = saved
            .iter()
            .find(|(path, _)| path.ends_with(name))
            .unwrap_or_else(|| panic!("fuzz/regressions/server/{name} (`write_fuzz_seeds`)"));
        let mut server = harness::server_pair();
        let error = server.write_encrypted(&input[1..]).expect_err(name);
        assert_eq!(error.code, expected, "{name}: {error}");
    }
}

/// xorshift: reproducible mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One to four edits of `seed`: flipped bits, overwritten bytes, a cut, a
/// splice of a repeated stretch, or a different chunk selector.
fn mutate(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        if out.len() < 2 {
            break;
        }
        let at = 1 + rng.below(out.len() - 1);
        match rng.below(6) {
            0 => out[at] ^= 1 << rng.below(8),
            1 => out[at] = [0x00, 0xff, 0x7f, 0x80, 0x01][rng.below(5)],
            2 => out.truncate(at),
            3 => {
                let len = rng.below(64).min(out.len() - at);
                let stretch = out[at..at + len].to_vec();
                let repeat = 1 + rng.below(8);
                for _ in 0..repeat {
                    out.splice(at..at, stretch.iter().copied());
                }
            }
            4 => out[0] = rng.next() as u8,
            _ => {
                let len = rng.below(16);
                out.splice(at..at, (0..len).map(|_| rng.next() as u8));
            }
        }
    }
    out
}

#[test]
fn mutated_handshake_flights_never_break_a_pair() {
    let (hello, reply) = harness::seeds();
    assert!(hello.len() > 100 && reply.len() > 100);
    let resuming = harness::resuming_hello();
    harness::fuzz_server(&resuming);
    // The unmutated flights go through whole.
    harness::fuzz_server(&hello);
    harness::fuzz_client(&reply);
    let mut rng = Rng(0x7153_b0c5);
    for _ in 0..MUTATIONS {
        harness::fuzz_server(&mutate(&hello, &mut rng));
        harness::fuzz_client(&mutate(&reply, &mut rng));
        // Tampered tickets and binders: a full handshake or a clean
        // failure, never a broken pair.
        harness::fuzz_server(&mutate(&resuming, &mut rng));
    }
}

#[test]
fn mutated_protected_records_never_break_a_pair() {
    let seeds = harness::protected_seeds();
    let mut rng = Rng(0x5ea1_ed00);
    // Each run makes a full handshake first: fewer runs than above.
    for _ in 0..MUTATIONS / 10 {
        let (_, seed) = &seeds[rng.below(seeds.len())];
        harness::fuzz_protected(&mutate(seed, &mut rng));
    }
}

/// Writes the seed flights as starting corpora for `cargo fuzz` (run by
/// `just fuzz`, not by the test suite).
#[test]
#[ignore = "writes files; run by `just fuzz`"]
fn write_fuzz_seeds() {
    let (hello, reply) = harness::seeds();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
    let resuming = ("server", "seed-resuming-hello", harness::resuming_hello());
    let dir = root.join(resuming.0);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(resuming.1), resuming.2).unwrap();
    for (target, seed) in [("server", hello), ("client", reply)] {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("seed-handshake"), seed).unwrap();
    }
    // The record-rule seeds start the fuzzer and are its regressions.
    let regressions = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions");
    for (target, seeds) in [
        ("protected", harness::protected_seeds()),
        ("server", harness::first_flight_seeds()),
    ] {
        let corpus = root.join(target);
        std::fs::create_dir_all(&corpus).unwrap();
        for (name, seed) in &seeds {
            std::fs::write(corpus.join(name), seed).unwrap();
            // A saved regression stays as it is (a real ClientHello differs
            // in every run): only a missing one is written.
            let saved = regressions.join(target).join(name);
            if !saved.exists() {
                std::fs::write(saved, seed).unwrap();
            }
        }
    }
}

/// Found by this harness: `read_encrypted(max)` added `max` to its read
/// position, which overflows for a large `max` after a partial read (a
/// panic natively, a wrapped index and a trap in the 32-bit guest).
#[test]
fn reading_with_the_largest_max_after_a_partial_read() {
    let mut server = harness::server_pair();
    let (hello, _) = harness::seeds();
    server.write_encrypted(&hello[1..]).expect("a real hello");
    let pending = server.status().encrypted_pending;
    assert!(pending > 7);
    let first = server.read_encrypted(7);
    let rest = server.read_encrypted(usize::MAX);
    assert_eq!(first.len() + rest.len(), pending);
    assert!(server.read_encrypted(u32::MAX as usize).is_empty());
}

/// The seed ClientHello reaches the deciding server's pauses, so the
/// fuzzer starts on the paths its answers take.
#[test]
fn the_seed_hello_reaches_every_decision() {
    let (client_hello, _) = harness::seeds();
    let mut pair = harness::deciding_server().accept();
    pair.write_encrypted(&client_hello[1..]).unwrap();
    let mut asked = Vec::new();
    while let Some(awaiting) = pair.status().awaiting {
        asked.push(
            format!("{awaiting:?}")
                .split('(')
                .next()
                .unwrap()
                .to_string(),
        );
        match awaiting {
            tlsbox_engine::pair::Awaiting::Context(_) => pair.supply_context(None),
            tlsbox_engine::pair::Awaiting::Alpn(offer) => {
                pair.supply_alpn(offer.protocols.first().map(String::as_str))
            }
            tlsbox_engine::pair::Awaiting::Ocsp(_) => pair.supply_ocsp(None),
        }
        .unwrap();
    }
    assert_eq!(asked, ["Context", "Alpn", "Ocsp"]);
    assert!(
        pair.status().encrypted_pending > 0,
        "the ServerHello follows"
    );
}
