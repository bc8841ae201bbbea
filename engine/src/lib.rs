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
//! [`io::Driver`] is the one loop that moves a pair's bytes over a
//! transport the caller provides (rustls' `complete_io`), for the callers
//! that run the engine without an async runtime.
//!
//! The engine is compiled into the tlsbox WebAssembly component (crate
//! `tlsbox-guest`), where time and randomness come from WASI. It builds
//! natively too, for the fuzzer and for the benchmark's native baseline.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod cert_info;
pub mod chain;
pub mod cipher;
pub mod context;
pub mod error;
pub mod hostname;
pub mod io;
pub mod key_exchange;
mod node_verifiers;
pub mod pair;
pub mod pem;
pub mod record_rules;
pub mod server;
pub mod sigalgs;
#[cfg(feature = "ring")]
pub mod tickets;
mod tls_error;
pub mod versions;

pub use error::{Error, ErrorCode};

static PROVIDER: std::sync::OnceLock<std::sync::Arc<rustls::crypto::CryptoProvider>> =
    std::sync::OnceLock::new();

/// Installs the crypto provider every context and config is built from,
/// before the first one is made; later calls change nothing. Without one,
/// the engine uses rustls' ring provider (the `ring` feature, on by
/// default). The tlsbox guest built with host crypto installs a provider
/// whose primitives the host runs natively.
pub fn install_provider(provider: std::sync::Arc<rustls::crypto::CryptoProvider>) {
    let _ = PROVIDER.set(provider);
}

/// The crypto provider every config in the engine is built from.
#[cfg(feature = "ring")]
pub(crate) fn provider() -> std::sync::Arc<rustls::crypto::CryptoProvider> {
    PROVIDER
        .get_or_init(|| {
            let mut provider = rustls::crypto::ring::default_provider();
            provider.cipher_suites = record_rules::protected::strict(&provider.cipher_suites);
            // Known natively too, so that a host checks an `ecdhCurve`
            // naming it as the host-crypto guest (which prefers it) takes
            // it; last here, so that native pairs negotiate as before.
            #[cfg(feature = "post-quantum")]
            provider
                .kx_groups
                .push(rustls::crypto::aws_lc_rs::kx_group::X25519MLKEM768);
            std::sync::Arc::new(provider)
        })
        .clone()
}

/// The crypto provider every config in the engine is built from: without
/// the `ring` feature, the one installed with [`install_provider`].
#[cfg(not(feature = "ring"))]
pub(crate) fn provider() -> std::sync::Arc<rustls::crypto::CryptoProvider> {
    // The embedder installs its provider before it makes anything (the
    // guest does so on its first call): a missing one is a bug of the
    // build, not of any input.
    PROVIDER
        .get()
        .expect("tlsbox-engine built without `ring`: install_provider must come first")
        .clone()
}

/// Finds the signing key for a certificate whose private key is held
/// outside the engine (by the tlsbox host, which signs on request).
pub type KeySource = fn(
    &rustls_pki_types::CertificateDer<'_>,
) -> Option<std::sync::Arc<dyn rustls::sign::SigningKey>>;

static KEY_SOURCE: std::sync::OnceLock<KeySource> = std::sync::OnceLock::new();

/// Installs where credentials with a certificate but no key find their
/// key: the tlsbox guest built with host crypto asks its host, which keeps
/// the private keys out of the sandbox. Later calls change nothing.
pub fn install_key_source(source: KeySource) {
    let _ = KEY_SOURCE.set(source);
}

/// Where keys held outside the engine are found, if anywhere.
pub(crate) fn key_source() -> Option<KeySource> {
    KEY_SOURCE.get().copied()
}

/// Finds the roots of the root stores held outside the engine (by the
/// tlsbox host, once per process) whose subject is the given Name content,
/// as DER.
pub type RootSource =
    fn(context::HeldRoots, &[u8]) -> Vec<rustls_pki_types::CertificateDer<'static>>;

static ROOT_SOURCE: std::sync::OnceLock<RootSource> = std::sync::OnceLock::new();

/// Installs where credentials that trust [`context::HeldRoots`] find those
/// roots: the tlsbox guest built with host crypto asks its host for the
/// roots a chain names, rather than being handed every root in every
/// connection. Later calls change nothing.
pub fn install_root_source(source: RootSource) {
    let _ = ROOT_SOURCE.set(source);
}

/// Where held roots are found, if anywhere.
pub(crate) fn root_source() -> Option<RootSource> {
    ROOT_SOURCE.get().copied()
}

/// [`provider`] restricted to the suites of Node's `ciphers` list and the
/// groups of its `ecdhCurve` list, where given.
pub(crate) fn provider_for(
    ciphers: Option<&str>,
    ecdh_curve: Option<&str>,
) -> Result<std::sync::Arc<rustls::crypto::CryptoProvider>, Error> {
    if ciphers.is_none() && ecdh_curve.is_none() {
        return Ok(provider());
    }
    let mut provider = (*provider()).clone();
    if let Some(list) = ciphers {
        provider.cipher_suites = cipher::select(list, &provider.cipher_suites)?;
    }
    if let Some(list) = ecdh_curve {
        provider.kx_groups = key_exchange::select(list, &provider.kx_groups)?;
    }
    Ok(std::sync::Arc::new(provider))
}

/// Checks Node's `ciphers`, `ecdhCurve`, `minVersion` and `maxVersion` as
/// a connection would use them, against this build's provider: what a host
/// checks before any connection, so that a bad option is an error at once.
pub fn check_negotiation(
    ciphers: Option<&str>,
    ecdh_curve: Option<&str>,
    min_version: Option<&str>,
    max_version: Option<&str>,
    sigalgs: Option<&str>,
) -> Result<(), Error> {
    provider_for(ciphers, ecdh_curve)?;
    sigalgs::select(sigalgs)?;
    versions::select(min_version, max_version).map(drop)
}
