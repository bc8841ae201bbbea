//! tlsbox as a `wasi:tls` provider: a component that exports the `wasi:tls`
//! 0.2 draft's client interface, and tlsbox's server side of it
//! (`tlsbox:tls/wasi-tls-server`), with the TLS of `tlsbox-engine` inside.
//!
//! A component cannot create `wasi:io` streams of its host's: those
//! resources belong to whoever exports `wasi:io`. So this component exports
//! `wasi:io/{error,poll,streams}` itself: each of its streams and pollables
//! is either one of its host's, passed through, or a TLS stream over such a
//! transport. The consumer gets its transport streams from this component
//! too, so that they have the same type: `wasi:sockets` (TCP sockets and
//! name lookup), `wasi:clocks/monotonic-clock` (which `tcp` refers to, and
//! whose timers are waited on with the sockets), `wasi:cli/stdin` and
//! `wasi:cli/stdout`, passed through from this component's own imports.
//!
//! ```text
//!   consumer ──wasi:tls, wasi:sockets, wasi:io, clocks, wasi:cli/std{in,out}──▶ this provider ──▶ host's wasi:sockets, wasi:io, clocks, wasi:cli
//! ```
//!
//! A client trusts the roots in the PEM file named by `TLSBOX_CA_FILE` (the
//! draft has no way to say which); tlsbox bundles no root store.
//! Cleartext output is encrypted and written to the transport at once (a
//! blocking write of the host's stream), so output streams are always
//! writable.
#![deny(unsafe_code)]

mod bindings;
mod client;
mod clocks;
mod conn;
mod server;
mod sockets;
mod streams;

/// The component: the implementation of every exported interface.
pub struct Provider;
