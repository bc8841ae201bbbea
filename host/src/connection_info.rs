//! What Node's `CleartextStream` reports about an established connection.

pub use tlsbox_engine::cipher::Cipher;
pub use tlsbox_engine::key_exchange::EphemeralKeyInfo;

use crate::error::TlsError;
use crate::wit;

/// What Node's `CleartextStream` reports once the handshake is done.
#[derive(Clone, Debug, Default)]
pub struct ConnectionInfo {
    /// The peer's certificate verified (and, on a client, matched the host).
    pub authorized: bool,
    /// Why it did not: Node's code and message.
    pub authorization_error: Option<TlsError>,
    /// The SNI name sent (client) or received (server).
    pub servername: Option<String>,
    /// The ALPN protocol agreed on.
    pub alpn_protocol: Option<String>,
    /// The negotiated cipher suite.
    pub cipher: Option<Cipher>,
    /// `TLSv1.2` or `TLSv1.3`.
    pub protocol: Option<String>,
    /// The handshake resumed an earlier session (Node's `isSessionReused()`).
    pub session_reused: bool,
    /// A client's agreed key exchange (Node's `getEphemeralKeyInfo()`);
    /// `None` on a server.
    pub ephemeral_key: Option<EphemeralKeyInfo>,
    /// The OCSP response the server stapled (DER), on a client that asked
    /// for it ([`crate::ConnectOptions::request_ocsp`]).
    pub ocsp_response: Option<Vec<u8>>,
}

/// The cipher crosses the WIT boundary as `cipher`; here it becomes the
/// engine's record again.
impl From<wit::Cipher> for Cipher {
    fn from(cipher: wit::Cipher) -> Self {
        Self {
            name: cipher.name,
            standard_name: cipher.standard_name,
            version: cipher.version,
        }
    }
}

/// The guest reports the facts in one record; here they take the host's
/// types.
impl From<wit::ConnectionFacts> for ConnectionInfo {
    fn from(facts: wit::ConnectionFacts) -> Self {
        Self {
            authorized: facts.authorized,
            authorization_error: facts.authorization_error.map(TlsError::from),
            servername: facts.servername,
            alpn_protocol: facts.alpn_protocol,
            cipher: facts.cipher.map(Cipher::from),
            protocol: facts.protocol,
            session_reused: facts.session_reused,
            ephemeral_key: facts.ephemeral_key.map(|key| EphemeralKeyInfo {
                kind: key.kind,
                name: key.name,
                size: key.size,
            }),
            ocsp_response: facts.ocsp_response,
        }
    }
}
