//! Without std, nothing brings `memcmp`, `memcpy` and friends on
//! wasm32-wasip2 (the target leaves them to wasi-libc): link them from the
//! toolchain's own libc archive. Only those pure functions are pulled in,
//! never a WASI import.

fn main() {
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo:rustc-link-lib=c");
    }
}
