//! The WIT records the rest of the host fills in or reads, under the names
//! the host gives them (`Guest…` where the host has a type of its own by
//! the same name).

pub(crate) use crate::bindings::exports::tlsbox::tls::tls::{
    Awaiting as GuestAwaiting, ClientOptions as GuestClientOptions, ConnectionFacts, PairStatus,
    ServerOptions as GuestServerOptions, SniCredentials, Step, Tickets as GuestTickets,
};
pub(crate) use crate::bindings::tlsbox::tls::types::{
    Cipher, Credentials as GuestCredentials, HeldRoots as GuestHeldRoots,
    PeerCertificate as GuestPeerCertificate, TrustAnchor as GuestTrustAnchor,
};
