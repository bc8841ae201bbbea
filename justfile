# tlsbox recipes. `just --list` shows them.

# Build the host (and, through its build script, the guest component).
build:
    cargo build --release

# The main job: Node's echo example through the sandbox.
demo:
    cargo run --release -- demo

# The whole test suite (what CI runs).
test:
    cargo test --workspace

# Benchmark tlsbox against native rustls, Node's tls and OpenSSL on loopback
# (release build). Prints a table; writes bench/results/<label>.{json,md}.
# `just bench --quick`, `just bench --json`, `just bench --label after`.
bench *ARGS:
    cargo build --release
    ./target/release/tlsbox bench {{ARGS}}

# Format and lint, as CI expects.
check:
    cargo fmt --all --check
    cargo clippy --workspace --all-targets -- -D warnings

# Regenerate the certificate fixtures under fixtures/.
fixtures:
    bash fixtures/make.sh

# Print the component's imports and exports (needs `cargo install wasm-tools`).
wit:
    cargo build --release
    wasm-tools component wit target/guest/wasm32-wasip2/guest/tlsbox_guest.wasm

# Fuzz the TLS engine natively with cargo-fuzz, SECONDS per target
# (`cargo install cargo-fuzz` first). Crashes land in fuzz/artifacts/.
fuzz seconds="60":
    bash fuzz/run.sh {{seconds}}

# Installs the pinned npm packages (tests/jco/package-lock.json) into
# target/jco, transpiles the component, runs tests/jco/*.mjs (node, npm).
# The engine component in Node through jco.
jco:
    cargo test -p tlsbox --test jco

# cli-component/: `server` and `client` opening their own sockets, for
# `wasmtime run`. Prints the path of the .wasm.
# Build the command component tlsbox-cli.wasm.
cli-component:
    bash cli-component/build.sh

# Needs `cargo install wasmtime-cli --version '~48.0' --locked` and openssl.
# Run tlsbox-cli.wasm under the stock wasmtime CLI against openssl s_client/s_server.
stock-wasmtime:
    bash cli-component/stock-wasmtime.sh
