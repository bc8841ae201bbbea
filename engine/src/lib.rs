//! tlsbox's TLS engine: rustls behind Node's `tls` semantics.
//!
//! This crate does no I/O. It never opens a socket, never reads a file,
//! never blocks and never sleeps: a [`pair::SecurePair`] is an encrypted
//! pipe whose caller moves bytes in and out of it.
//!
//! ```text
//!            encrypted bytes                     cleartext bytes
//!   peer ---> write_encrypted --+        +--> read_cleartext  ---> application
//!                               | rustls |
//!   peer <--- read_encrypted  <-+        +<-- write_cleartext <--- application
//! ```
//!
//! It owns what Node's `tls` owns: parsing PEM credentials into a
//! [`context::SecureContext`], the SNI table of a [`server::Server`], ALPN,
//! certificate verification reported as Node's `authorized` /
//! `authorizationError` codes ([`error::ErrorCode`]), Node's hostname check
//! ([`hostname`]) and the `getPeerCertificate()` record ([`cert_info`]).
//!
//! The engine is compiled into the tlsbox WebAssembly component (crate
//! `tlsbox-guest`), where time and randomness come from WASI. It builds
//! natively too, for the fuzzer and for the benchmark's native baseline.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod cert_info;
pub mod cipher;
pub mod context;
pub mod error;
pub mod hostname;
pub mod pair;
pub mod pem;
pub mod server;
mod tls_error;
mod verifier;
pub mod verify;

pub use error::{Error, ErrorCode};

/// The crypto provider every config in the engine is built from.
pub(crate) fn provider() -> std::sync::Arc<rustls::crypto::CryptoProvider> {
    std::sync::Arc::new(rustls::crypto::ring::default_provider())
}
