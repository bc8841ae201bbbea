#!/usr/bin/env bash
# Runs each fuzz target for SECONDS (default 60) from the real-handshake seeds
# and the saved regression inputs. Needs `cargo install cargo-fuzz`.
#
# Stable Rust: cargo-fuzz's default AddressSanitizer needs nightly, so the
# targets build with `--sanitizer none` (libFuzzer's coverage instrumentation
# works on stable). The engine is `#![forbid(unsafe_code)]`; what the fuzzer
# looks for is panics, overflows (debug assertions are on) and the harness's
# own checks. A crash leaves its input in fuzz/artifacts/<target>/: copy it
# to fuzz/regressions/<target>/ with a name that says what it shows.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"

cargo test -q -p tlsbox-engine --test fuzz_inputs -- --ignored write_fuzz_seeds
cd fuzz
for target in server client; do
    echo "== fuzz $target for ${seconds}s"
    cargo fuzz run --sanitizer none -O "$target" "corpus/$target" "regressions/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 2>&1 |
        grep -E '^(Done|stat::number_of_executed_units|==[0-9]+==|SUMMARY|thread .* panicked|artifact_prefix|Test unit written)' || true
    # grep hides libFuzzer's progress lines; its exit status is what counts.
    test "${PIPESTATUS[0]}" -eq 0
done
