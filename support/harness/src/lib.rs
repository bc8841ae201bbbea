//! What tlsbox's tests and fuzzer share to exercise the engine, in the way
//! rustls keeps `rustls-test` and quinn its `Pair` harness:
//!
//! - [`pair`]: a [`Pair`] links a client and a server endpoint buffer to
//!   buffer (the engine's `SecurePair`, or the host's sandboxed pair), and
//!   steps them until they fall quiet;
//! - [`fuzz`]: what the fuzz targets do with their input, also replayed by
//!   the engine's tests over the saved regressions;
//! - [`fixtures`]: the fixture files as engine credentials;
//! - [`sealing`]: records made by hand (in the clear, or TLS 1.3 ones
//!   sealed with a connection's keys), for peers that send what no TLS
//!   library would.
//!
//! Test support only: nothing in the product depends on it.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod fixtures;
pub mod fuzz;
pub mod pair;
pub mod sealing;

pub use pair::{Endpoint, Pair};
