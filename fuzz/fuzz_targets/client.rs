//! Arbitrary bytes from a server, to a client-side pair that sent its hello.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tlsbox_harness::fuzz::fuzz_client(data));
