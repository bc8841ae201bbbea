//! Arbitrary bytes from a client, to a server-side pair.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tlsbox_harness::fuzz::fuzz_server(data));
