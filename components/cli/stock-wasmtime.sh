#!/usr/bin/env bash
# tlsbox-cli.wasm under the stock `wasmtime` CLI, with nothing else of ours:
# its server verified by `openssl s_client` (verify code 0, the greeting,
# the echo, the --json secureConnection line), then its client against
# `openssl s_server` (the --json secureConnect line, a line each way).
# Needs `wasmtime` 48 (`cargo install wasmtime-cli --version '~48.0' --locked`)
# and `openssl`. Exits non-zero on the first thing that does not hold.
set -euo pipefail
cd "$(dirname "$0")/../.."
WASMTIME=${WASMTIME:-wasmtime}
if ! command -v "$WASMTIME" >/dev/null; then
    echo "no $WASMTIME: cargo install wasmtime-cli --version '~48.0' --locked" >&2
    exit 1
fi
wasm=$(bash components/cli/build.sh)
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; for f in "$work"/*; do echo "--- $f" >&2; cat "$f" >&2; done; exit 1; }
# Waits up to 60 s (the first run compiles the component) for a line in a file.
wait_for() {
    for _ in $(seq 1 600); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
    fail "no '$2' in $1"
}
# TCP (bind, listen, connect) and name lookup: denied unless granted.
run=("$WASMTIME" run -S inherit-network -S tcp -S allow-ip-name-lookup --dir fixtures "$wasm")
echo "== $("$WASMTIME" --version); $(openssl version)"

echo "== server: ${run[*]} server --accept 127.0.0.1:0 --json ..."
"${run[@]}" server --accept 127.0.0.1:0 --json \
    --cert fixtures/agent1-cert.pem --key fixtures/agent1-key.pem >"$work/server.out" 2>&1 &
pids+=($!)
wait_for "$work/server.out" '"listening"'
port=$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$work/server.out" | head -1)
(echo "hello from openssl"; sleep 1) | openssl s_client -connect "127.0.0.1:$port" \
    -CAfile fixtures/ca1-cert.pem -servername localhost -verify_hostname localhost \
    -verify_return_error >"$work/s_client.out" 2>&1 || true
for expected in "Verify return code: 0 (ok)" "welcome!" "hello from openssl"; do
    grep -qF "$expected" "$work/s_client.out" || fail "s_client did not see '$expected'"
done
wait_for "$work/server.out" '"secureConnection"'
grep -F '"secureConnection"' "$work/server.out" | grep -qF '"servername":"localhost"' \
    || fail "secureConnection without servername"
echo "s_client: $(grep -F 'Verify return code' "$work/s_client.out" | head -1 | xargs), echo ok"
echo "server:   $(grep -F '"secureConnection"' "$work/server.out" | cut -c1-150)..."

echo "== client: ${run[*]} client --connect localhost:PORT --ca fixtures/ca1-cert.pem --json"
openssl s_server -accept 127.0.0.1:0 -cert fixtures/agent1-cert.pem \
    -key fixtures/agent1-key.pem < <(sleep 30) >"$work/s_server.out" 2>&1 &
pids+=($!)
wait_for "$work/s_server.out" ACCEPT
port=$(sed -n 's/^ACCEPT .*:\([0-9]*\)$/\1/p' "$work/s_server.out" | head -1)
echo "hello s_server" | "${run[@]}" client --connect "localhost:$port" \
    --ca fixtures/ca1-cert.pem --json >"$work/client.out" 2>&1 \
    || fail "the client exited with $?"
grep -F '"secureConnect"' "$work/client.out" | grep -qF '"authorized":true' \
    || fail "client not authorized"
wait_for "$work/s_server.out" "hello s_server"
echo "client:   $(grep -F '"secureConnect"' "$work/client.out" | cut -c1-150)..."
echo "stock wasmtime ok"
