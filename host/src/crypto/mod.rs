//! The host's side of `tlsbox:tls/crypto`, for guests built with host
//! crypto: the primitives run here, natively (ring: AES-NI, constant-time
//! code), while the protocol stays in the guest.
//!
//! Where secrets live with host crypto:
//! - private keys: here only ([`keys`]); the guest asks for signatures;
//! - ephemeral key-exchange private keys: here only ([`kx`]);
//! - traffic keys (TLS 1.3 and 1.2): derived in the guest, then held here for
//!   record protection ([`aead`]);
//! - the shared secret and the key schedule's secrets: in the guest; each
//!   HMAC of the key schedule lends its key to the host for that call only
//!   ([`hash`]).
//!
//! Every handle lives in its connection's `ResourceTable`, so it goes away
//! with the connection's store; nothing a guest can reach is shared between
//! connections.
//!
//! These are the primitives and the handles' types; the WIT imports they
//! serve are in [`crate::imports`].

pub(crate) mod aead;
mod chacha;
pub(crate) mod hash;
pub(crate) mod keys;
pub(crate) mod kx;
pub(crate) mod seal_plan;
pub(crate) mod sign;
pub(crate) mod verify;

pub use aead::AeadKey;
pub use hash::HashContext;
pub use kx::KeyExchange;
pub use sign::HostSigningKey;
