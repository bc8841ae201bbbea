#!/usr/bin/env bash
# Builds tlsbox-cli.wasm (the command component) for wasm32-wasip2 into
# target/cli-component, and prints its path. The flags of any outer build
# are meant for the host target, so they are cleared here.
set -euo pipefail
cd "$(dirname "$0")/../.."
env -u RUSTFLAGS -u CARGO_ENCODED_RUSTFLAGS -u CARGO_TARGET_DIR -u CARGO_BUILD_TARGET \
    cargo build --quiet --manifest-path components/cli/Cargo.toml \
    --target wasm32-wasip2 --profile cli-component --target-dir target/cli-component >&2
echo "$PWD/target/cli-component/wasm32-wasip2/cli-component/tlsbox-cli.wasm"
