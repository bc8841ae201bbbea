# tlsbox recipes. `just --list` shows them.

# Build the host (and, through its build script, the guest component).
build:
    cargo build --release

# The main job: Node's echo example through the sandbox.
demo:
    cargo run --release -- demo

# The whole test suite (what CI runs): installs what it needs, then runs it.
test:
    ./test

# Benchmark tlsbox against native rustls, Node's tls and OpenSSL on loopback
# (release build of bench/). Prints a table; writes bench/results/<label>.{json,md,svg}.
# `just bench --quick`, `just bench --json`, `just bench --label after`.
bench *ARGS:
    cargo run -p tlsbox-bench --release -- {{ARGS}}

# Format and lint, as CI expects.
check:
    cargo fmt --all --check
    cargo clippy --workspace --all-targets -- -D warnings
    cargo clippy -p tlsbox-guest --target wasm32-wasip2 --target-dir target/guest -- -D warnings
    cargo clippy -p tlsbox-guest --target wasm32-wasip2 --target-dir target/guest --no-default-features --features host-crypto -- -D warnings

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

# Composition with `wac plug` (needs `cargo install wac-cli --locked`):
# examples/tls-echo plugged with the engine into target/tls-echo-composed.wasm
# (run it with `cargo run -- run target/tls-echo-composed.wasm --dir fixtures -- --listen ...`),
# and examples/wasi-tls-client (which connects with wasi:sockets) plugged
# with the wasi:tls provider into
# target/wasi-tls-client-composed.wasm.
compose:
    cargo run -- component --out target/tlsbox.wasm
    cargo build -p tls-echo --target wasm32-wasip2 --profile guest --target-dir target/guest
    # The wasi:tls crates are rlibs natively; the component is their cdylib.
    cargo rustc -p tlsbox-wasi-tls --lib --crate-type cdylib --target wasm32-wasip2 --profile guest --target-dir target/guest
    cargo rustc -p wasi-tls-client --lib --crate-type cdylib --target wasm32-wasip2 --profile guest --target-dir target/guest
    wac plug target/guest/wasm32-wasip2/guest/tls-echo.wasm --plug target/tlsbox.wasm -o target/tls-echo-composed.wasm
    wac plug target/guest/wasm32-wasip2/guest/wasi_tls_client.wasm --plug target/guest/wasm32-wasip2/guest/tlsbox_wasi_tls.wasm -o target/wasi-tls-client-composed.wasm
    @echo "composed: target/tls-echo-composed.wasm target/wasi-tls-client-composed.wasm"

# Installs the pinned npm packages (tests/jco/package-lock.json) into
# target/jco, transpiles the component, runs tests/jco/*.mjs (node, npm).
# The engine component in Node through jco.
jco:
    cargo test -p tlsbox --test jco

# components/cli/: `server` and `client` opening their own sockets, for
# `wasmtime run`. Prints the path of the .wasm.
# Build the command component tlsbox-cli.wasm.
cli-component:
    bash components/cli/build.sh

# Needs `cargo install wasmtime-cli --version '~48.0' --locked` and openssl.
# Run tlsbox-cli.wasm under the stock wasmtime CLI against openssl s_client/s_server.
stock-wasmtime:
    bash components/cli/stock-wasmtime.sh
