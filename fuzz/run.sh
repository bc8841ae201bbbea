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
mkdir -p target
for target in server client protected; do
    echo "== fuzz $target for ${seconds}s"
    log="target/fuzz-$target.log"
    # libFuzzer's progress lines go to the log; its exit status is what counts.
    if ! cargo fuzz run --sanitizer none -O "$target" "corpus/$target" "regressions/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
        tail -n 60 "$log"
        echo "fuzz $target FAILED: the input is in fuzz/artifacts/$target/"
        exit 1
    fi
    grep -E '^(Done|stat::number_of_executed_units)' "$log"
done
