//! Ephemeral key exchange (ECDHE) in the host: the private half of each
//! exchange never enters the guest; the guest gets the public key to send
//! and, at the end, the shared secret its key schedule needs.

use rustls::crypto::{ActiveKeyExchange, SharedSecret, SupportedKxGroup};
use rustls::{Error, NamedGroup, PeerMisbehaved};

use crate::bindings::tlsbox::tls::crypto::KeyExchange;

/// A group whose exchanges the host runs.
#[derive(Debug)]
struct HostGroup(NamedGroup);

static X25519: HostGroup = HostGroup(NamedGroup::X25519);
static SECP256R1: HostGroup = HostGroup(NamedGroup::secp256r1);
static SECP384R1: HostGroup = HostGroup(NamedGroup::secp384r1);

/// The groups offered, in ring's order of preference.
pub(super) static GROUPS: [&dyn SupportedKxGroup; 3] = [&X25519, &SECP256R1, &SECP384R1];

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

    fn name(&self) -> NamedGroup {
        self.0
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

    fn pub_key(&self) -> &[u8] {
        &self.public_key
    }

    fn group(&self) -> NamedGroup {
        self.group
    }
}
