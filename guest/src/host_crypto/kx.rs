//! Ephemeral key exchange (ECDHE, and the post-quantum hybrid
//! X25519MLKEM768) in the host: the private half of each exchange never
//! enters the guest; the guest gets the public key to send and, at the
//! end, the shared secret its key schedule needs.

use rustls::crypto::{ActiveKeyExchange, CompletedKeyExchange, SharedSecret, SupportedKxGroup};
use rustls::{Error, NamedGroup, PeerMisbehaved, ProtocolVersion};

use crate::bindings::tlsbox::tls::crypto::KeyExchange;

/// A group whose exchanges the host runs.
#[derive(Debug)]
struct HostGroup(NamedGroup);

static X25519MLKEM768: HostGroup = HostGroup(NamedGroup::X25519MLKEM768);
static X25519: HostGroup = HostGroup(NamedGroup::X25519);
static SECP256R1: HostGroup = HostGroup(NamedGroup::secp256r1);
static SECP384R1: HostGroup = HostGroup(NamedGroup::secp384r1);

/// The groups offered, preferred first: the post-quantum hybrid, as
/// browsers and rustls' own default order it, then ring's order. A client
/// sends the hybrid's share and, from the same key, an X25519 share
/// ([`ActiveKeyExchange::hybrid_component`]), so a server without ML-KEM
/// (OpenSSL 3.0, Node 20) agrees on X25519 with no HelloRetryRequest.
pub(super) static GROUPS: [&dyn SupportedKxGroup; 4] =
    [&X25519MLKEM768, &X25519, &SECP256R1, &SECP384R1];

/// The bytes an X25519 public key takes: the tail of an X25519MLKEM768
/// share, whose ML-KEM part comes first.
const X25519_SHARE: usize = 32;

impl SupportedKxGroup for HostGroup {
    fn start(&self) -> Result<Box<dyn ActiveKeyExchange>, Error> {
        let (exchange, public_key) = KeyExchange::start(u16::from(self.0))
            .ok_or_else(|| Error::General(format!("the host has no {:?} key exchange", self.0)))?;
        Ok(Box::new(HostExchange {
            group: self.0,
            exchange,
            public_key,
        }))
    }

    /// One crossing, and what a KEM needs: the host encapsulates to the
    /// client's share.
    fn start_and_complete(&self, client_share: &[u8]) -> Result<CompletedKeyExchange, Error> {
        let (pub_key, secret) = KeyExchange::encapsulate(u16::from(self.0), client_share)
            .ok_or(PeerMisbehaved::InvalidKeyShare)?;
        Ok(CompletedKeyExchange {
            group: self.0,
            pub_key,
            secret: SharedSecret::from(secret),
        })
    }

    fn name(&self) -> NamedGroup {
        self.0
    }

    /// ML-KEM hybrids are TLS 1.3's only.
    fn usable_for_version(&self, version: ProtocolVersion) -> bool {
        self.0 != NamedGroup::X25519MLKEM768 || version == ProtocolVersion::TLSv1_3
    }
}

/// One exchange under way: the host's handle and our public key.
struct HostExchange {
    group: NamedGroup,
    exchange: KeyExchange,
    public_key: Vec<u8>,
}

impl ActiveKeyExchange for HostExchange {
    fn complete(self: Box<Self>, peer_public_key: &[u8]) -> Result<SharedSecret, Error> {
        self.exchange
            .complete(peer_public_key)
            .map(SharedSecret::from)
            .ok_or_else(|| PeerMisbehaved::InvalidKeyShare.into())
    }

    fn hybrid_component(&self) -> Option<(NamedGroup, &[u8])> {
        let split = self.public_key.len().checked_sub(X25519_SHARE)?;
        (self.group == NamedGroup::X25519MLKEM768)
            .then(|| (NamedGroup::X25519, &self.public_key[split..]))
    }

    fn complete_hybrid_component(
        self: Box<Self>,
        peer_public_key: &[u8],
    ) -> Result<SharedSecret, Error> {
        self.exchange
            .complete_classical(peer_public_key)
            .map(SharedSecret::from)
            .ok_or_else(|| PeerMisbehaved::InvalidKeyShare.into())
    }

    fn pub_key(&self) -> &[u8] {
        &self.public_key
    }

    fn group(&self) -> NamedGroup {
        self.group
    }
}
