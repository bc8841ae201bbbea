//! tlsbox: Node's `tls` module in Rust, with the TLS protocol sandboxed.
//!
//! Every connection's TLS engine (rustls, with Node's verification rules)
//! runs inside its own WebAssembly component instance. This crate is the
//! host: it owns the sockets, the clock that times handshakes out, the
//! limits on each sandbox, and the Node-shaped API:
//!
//! | Node                          | tlsbox                                   |
//! |-------------------------------|------------------------------------------|
//! | `tls.createServer(options)`   | [`create_server`] → [`Server`]           |
//! | `server.listen/close/address` | [`Server::listen`], [`Server::close`], [`Server::address`] |
//! | `secureConnection`            | [`Server::accept`] / [`ServerEvent`]     |
//! | `server.addContext`           | [`Server::add_context`]                  |
//! | `SNICallback`                 | [`ServerOptions::sni_callback`]          |
//! | `tls.connect` + `secureConnect` | [`connect`]                            |
//! | `tls.createSecurePair` + `secure` | [`create_secure_pair`] → [`SecurePair::secure`] |
//! | `CleartextStream`             | [`CleartextStream`] (`AsyncRead + AsyncWrite`) |
//!
//! The host never parses TLS: the guest does, and the two speak only the
//! WIT contract in `wit/`. A guest that traps, runs past its CPU deadline or
//! outgrows its memory takes down its own connection and nothing else.
#![warn(missing_docs)]

#[doc(hidden)]
pub mod bench_support;
mod bindings;
mod cert;
mod client;
pub mod command;
mod crypto;
mod error;
mod keylog;
pub mod limits;
mod options;
mod output;
pub mod runtime;
mod sandbox;
mod secure_pair;
mod server;
mod stream;

pub use cert::PeerCertificate;
pub use client::connect;
pub use command::{CommandOptions, run_command};
pub use error::{Error, Result, TlsError, TlsErrorCode};
pub use limits::{Limit, LimitsHook, SandboxLimits};
pub use options::{
    BoxError, ConnectOptions, Credentials, Crypto, DEFAULT_HANDSHAKE_TIMEOUT, ServerOptions,
    SniCallback, SniFuture, read_pem,
};
pub use sandbox::live_sandboxes;
pub use secure_pair::{SecurePair, create_secure_pair};
pub use server::{Server, ServerEvent, create_server};
pub use stream::{Cipher, CleartextStream, ConnectionInfo};
