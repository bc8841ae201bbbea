//! The guest built with host crypto (`--features host-crypto`): a rustls
//! `CryptoProvider` whose primitives call the host's `tlsbox:tls/crypto`
//! import, where they run natively (AES-NI, constant time):
//!
//! - [`record`]: TLS 1.3 record protection (the traffic keys live in the host);
//! - [`kx`]: ephemeral key exchange (the private halves live in the host);
//! - [`sign`]: signing with the private keys the host keeps for our
//!   certificates (they never enter the guest);
//! - [`verify`]: certificate and handshake signature verification;
//! - [`hash`]: transcript hashes and HMAC, under rustls' HKDF and PRF;
//! - [`output`]: the bulk path's records, handed to the host in place;
//! - [`ticketer`]: session tickets, sealed and opened with the host's keys.
//!
//! [`suites`] puts them together; randomness comes from `wasi:random`. The
//! protocol stays here: parsing, the state machine, the key schedule's
//! logic, certificate path building, SNI, ALPN and error mapping.

use std::sync::{Arc, OnceLock};

use rustls::crypto::{CryptoProvider, GetRandomFailed, SecureRandom};

mod hash;
mod kx;
pub(crate) mod output;
pub(crate) mod record;
mod roots;
mod sign;
mod suites;
pub(crate) mod ticketer;
mod verify;

/// A provider with every primitive in the host: this build has no crypto
/// library of its own (no ring, so no C code compiled for wasm32).
fn provider() -> CryptoProvider {
    CryptoProvider {
        cipher_suites: suites::all(),
        kx_groups: kx::GROUPS.to_vec(),
        signature_verification_algorithms: verify::ALGORITHMS,
        secure_random: &WasiRandom,
        key_provider: &sign::HostKeyProvider,
    }
}

/// Randomness from `wasi:random`, which the host serves from its own
/// secure source.
#[derive(Debug)]
struct WasiRandom;

impl SecureRandom for WasiRandom {
    fn fill(&self, buf: &mut [u8]) -> Result<(), GetRandomFailed> {
        getrandom::fill(buf).map_err(|_| GetRandomFailed)
    }
}

/// Installs [`provider`] and the host's keys as the engine's, once.
pub(crate) fn install() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        tlsbox_engine::install_provider(Arc::new(provider()));
        tlsbox_engine::install_key_source(sign::key_for);
        tlsbox_engine::install_root_source(roots::roots_named);
    });
}
