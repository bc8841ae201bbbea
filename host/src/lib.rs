//! tlsbox: Node's `tls` module in Rust, with the TLS protocol sandboxed.
//!
//! Every connection's TLS engine (rustls, with Node's verification rules)
//! runs inside its own WebAssembly component instance (a server may let
//! up to N of its connections share one: [`Isolation`]). This crate is the
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
//! | `ALPNCallback`                | [`ServerOptions::alpn_callback`]         |
//! | `OCSPRequest` / `OCSPResponse` | [`ServerOptions::ocsp_callback`] / [`CleartextStream::ocsp_response`] |
//! | `tls.connect` + `secureConnect` | [`connect`]                            |
//! | `tls.createSecurePair` + `secure` | [`create_secure_pair`] → [`SecurePair::secure`] |
//! | `CleartextStream`             | [`CleartextStream`] (`AsyncRead + AsyncWrite`) |
//! | `tlsSocket.getSession()` / `session` | [`CleartextStream::session`] / [`ConnectOptions::session`] |
//!
//! The guest parses everything a peer sends, and the two speak only the
//! WIT contract in `wit/`; the host parses only what its operator gives it
//! (with host crypto, the PEM key and certificate, natively, so that the
//! private key never enters the sandbox). A guest that traps, runs past its
//! CPU deadline or outgrows its memory takes down its own connection (the
//! connections of its instance, when they share one) and nothing else.
//!
//! # Node's echo example
//!
//! A server that greets each client and echoes what it reads, and a client
//! that trusts the server's CA, on loopback:
//!
//! ```
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! # #[tokio::main]
//! # async fn main() -> tlsbox::Result<()> {
//! # let fixture = |name: &str| format!("{}/../fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
//! let credentials = tlsbox::Credentials::from_files(
//!     fixture("agent1-key.pem"),
//!     fixture("agent1-cert.pem"),
//! )?;
//! let server = tlsbox::create_server(tlsbox::ServerOptions::new(credentials))?;
//! let address = server.listen("127.0.0.1:0").await?;
//!
//! let serving = async {
//!     let mut stream = server.accept().await.ok_or(tlsbox::Error::NotListening)?;
//!     stream.write_all(b"welcome!\n").await?;
//!     let mut buf = vec![0u8; 1024];
//!     loop {
//!         let n = stream.read(&mut buf).await?;
//!         if n == 0 {
//!             break;
//!         }
//!         stream.write_all(&buf[..n]).await?;
//!     }
//!     stream.shutdown().await?;
//!     Ok::<_, tlsbox::Error>(())
//! };
//!
//! let client = async {
//!     let ca = tlsbox::read_pem(fixture("ca1-cert.pem"))?;
//!     let options = tlsbox::ConnectOptions::with_ca(ca);
//!     let mut stream = tlsbox::connect("localhost", address.port(), options).await?;
//!     assert!(stream.authorized());
//!     stream.write_all(b"hello\n").await?;
//!     stream.shutdown().await?;
//!     let mut received = String::new();
//!     stream.read_to_string(&mut received).await?;
//!     Ok::<_, tlsbox::Error>(received)
//! };
//!
//! let ((), received) = tokio::try_join!(serving, client)?;
//! assert_eq!(received, "welcome!\nhello\n");
//! # Ok(())
//! # }
//! ```
//!
//! # Errors
//!
//! Every failure is an [`Error`] whose [`Error::code`] is Node's:
//! `DEPTH_ZERO_SELF_SIGNED_CERT`, `ERR_TLS_CERT_ALTNAME_INVALID`,
//! `ECONNRESET`, ... A client whose server does not verify gets the code at
//! [`connect`]:
//!
//! ```
//! # #[tokio::main]
//! # async fn main() -> tlsbox::Result<()> {
//! # let fixture = |name: &str| format!("{}/../fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
//! # let credentials = tlsbox::Credentials::from_files(fixture("agent1-key.pem"), fixture("agent1-cert.pem"))?;
//! # let server = tlsbox::create_server(tlsbox::ServerOptions::new(credentials))?;
//! # let address = server.listen("127.0.0.1:0").await?;
//! # tokio::spawn(async move { while server.accept().await.is_some() {} });
//! // agent1 is signed by ca1, not by ca2.
//! let ca = tlsbox::read_pem(fixture("ca2-cert.pem"))?;
//! let refused = tlsbox::connect("localhost", address.port(), tlsbox::ConnectOptions::with_ca(ca))
//!     .await
//!     .err()
//!     .expect("ca2 did not sign agent1");
//! assert_eq!(refused.code(), "UNABLE_TO_VERIFY_LEAF_SIGNATURE");
//! # Ok(())
//! # }
//! ```
//!
//! # Engine builds
//!
//! Each connection runs one of two builds of the engine component, chosen
//! with [`Crypto`] in [`ServerOptions`] and [`ConnectOptions`]:
//! [`Crypto::Host`] (the default) runs the primitives natively in the host
//! and keeps private keys out of the sandbox; [`Crypto::Guest`] is
//! self-contained (ring inside the guest), and is built only where `clang`
//! was present at build time: without it, asking for it fails with
//! [`Error::EngineNotBuilt`]. `docs/building.md` and `docs/security.md` in
//! the repository say more; `docs/node-compat.md` maps Node's API to this
//! crate's, SNI callbacks and StartTLS included.
#![warn(missing_docs)]

#[doc(hidden)]
pub mod bench_support;
mod bindings;
mod cert;
mod client;
mod client_session;
pub mod command;
mod connection_info;
mod crypto;
mod error;
mod imports;
mod keylog;
pub mod limits;
mod options;
mod os_limits;
mod roots;
pub mod runtime;
mod sandbox;
mod secure_pair;
mod server;
mod sessions;
mod stream;
#[cfg(test)]
mod test_support;
mod tickets;
mod wit;

pub use cert::{NameAttribute, PeerCertificate, PublicKeyInfo, certificate_json};
pub use client::connect;
pub use client_session::ClientSession;
pub use command::{CommandOptions, run_command};
pub use connection_info::{Cipher, ConnectionInfo, EphemeralKeyInfo};
pub use error::{Error, Result, TlsError, TlsErrorCode};
pub use limits::{Limit, LimitsHook, SandboxLimits};
pub use options::{
    AlpnCallback, BoxError, CheckServerIdentity, ConnectOptions, Credentials, Crypto,
    DEFAULT_HANDSHAKE_TIMEOUT, Isolation, OcspCallback, OcspFuture, OcspRequest, ServerOptions,
    SniCallback, SniFuture, read_pem,
};
pub use roots::root_certificates;
pub use sandbox::live_sandboxes;
pub use secure_pair::{SecurePair, create_secure_pair};
pub use server::{Server, ServerEvent, create_server};
pub use stream::CleartextStream;
