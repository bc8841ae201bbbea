//! Arbitrary inner plaintexts, sealed under an established TLS 1.3
//! connection's key, to a server-side pair.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    tlsbox_harness::fuzz::fuzz_protected(data);
});
