//! tlsbox's error type: every failure carries Node's code.

use std::fmt;
use std::io;

use crate::bindings::tlsbox::tls::types;
use crate::limits::Limit;

/// The code of a TLS failure, as the engine reports it; [`TlsError::code`]
/// spells it as Node does.
pub use tlsbox_engine::ErrorCode as TlsErrorCode;

/// A TLS failure reported by the engine: Node's code and a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsError {
    /// What kind of failure.
    pub kind: TlsErrorCode,
    /// What went wrong, in OpenSSL's or Node's words.
    pub message: String,
}

impl TlsError {
    /// Node's code: `DEPTH_ZERO_SELF_SIGNED_CERT`, `ERR_TLS_CERT_ALTNAME_INVALID`, ...
    pub fn code(&self) -> String {
        self.kind.as_node_str().to_string()
    }
}

impl From<tlsbox_engine::Error> for TlsError {
    fn from(e: tlsbox_engine::Error) -> Self {
        Self {
            kind: e.code,
            message: e.message,
        }
    }
}

impl From<types::Error> for TlsError {
    /// The guest's error, its code read back from Node's spelling. A code
    /// the engine does not list (only a guest that breaks the contract
    /// sends one) is `UNSPECIFIED`, with the code kept in the message.
    fn from(e: types::Error) -> Self {
        match TlsErrorCode::from_node_str(&e.code) {
            Some(kind) => Self {
                kind,
                message: e.message,
            },
            None => Self {
                kind: TlsErrorCode::Unspecified,
                message: format!("{} (unknown code {:?})", e.message, e.code),
            },
        }
    }
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Everything that can go wrong in tlsbox.
#[non_exhaustive]
#[derive(Debug)]
pub enum Error {
    /// The TLS engine refused: bad credentials, a failed handshake, a
    /// certificate that does not verify with rejection on, ...
    Tls(TlsError),
    /// The transport failed.
    Io(io::Error),
    /// The peer closed the transport before the handshake finished (Node:
    /// `ECONNRESET`, `socket hang up`).
    HangUp,
    /// The handshake did not finish within the handshake timeout.
    HandshakeTimeout,
    /// The connection's sandbox trapped or failed; the message names the cause.
    Sandbox(String),
    /// The connection's sandbox ran into one of its [`crate::SandboxLimits`].
    LimitExceeded {
        /// Which limit.
        limit: Limit,
        /// What happened, with the limit's value.
        message: String,
    },
    /// An option was not acceptable.
    InvalidArgument(String),
    /// The server's SNI callback failed; the message is its error's.
    SniCallback(String),
    /// The server's OCSP callback failed; the message is its error's.
    OcspCallback(String),
    /// The server is closed or not listening.
    NotListening,
    /// The engine build asked for is not in this tlsbox (the self-contained
    /// one needs clang at build time); the message says how to get it.
    EngineNotBuilt(String),
}

impl Error {
    /// Node's code for this error (`ERR_TLS_CERT_ALTNAME_INVALID`, `ECONNRESET`, ...).
    pub fn code(&self) -> String {
        match self {
            Self::Tls(e) => e.code(),
            Self::Io(e) => io_code(e).to_string(),
            Self::HangUp => "ECONNRESET".into(),
            Self::HandshakeTimeout => "ERR_TLS_HANDSHAKE_TIMEOUT".into(),
            Self::Sandbox(_) => "ERR_TLSBOX_SANDBOX".into(),
            Self::LimitExceeded { .. } => "ERR_TLSBOX_LIMIT".into(),
            Self::InvalidArgument(_) => "ERR_INVALID_ARG_VALUE".into(),
            Self::SniCallback(_) => "ERR_TLSBOX_SNI_CALLBACK".into(),
            Self::OcspCallback(_) => "ERR_TLSBOX_OCSP_CALLBACK".into(),
            Self::NotListening => "ERR_SERVER_NOT_RUNNING".into(),
            Self::EngineNotBuilt(_) => "ERR_TLSBOX_ENGINE_NOT_BUILT".into(),
        }
    }

    /// The sandbox limit this connection ran into, when that is what ended it.
    pub fn limit(&self) -> Option<Limit> {
        match self {
            Self::LimitExceeded { limit, .. } => Some(*limit),
            _ => None,
        }
    }

    /// The TLS failure, when this is one.
    pub fn tls(&self) -> Option<&TlsError> {
        match self {
            Self::Tls(e) => Some(e),
            _ => None,
        }
    }
}

/// The errno-style name Node gives an I/O error.
fn io_code(e: &io::Error) -> &'static str {
    use io::ErrorKind as K;
    match e.kind() {
        K::ConnectionReset => "ECONNRESET",
        K::ConnectionRefused => "ECONNREFUSED",
        K::ConnectionAborted => "ECONNABORTED",
        K::BrokenPipe => "EPIPE",
        K::TimedOut => "ETIMEDOUT",
        K::AddrInUse => "EADDRINUSE",
        K::AddrNotAvailable => "EADDRNOTAVAIL",
        K::NotFound => "ENOENT",
        K::PermissionDenied => "EACCES",
        K::UnexpectedEof => "ECONNRESET",
        _ => "EIO",
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Tls(e) => write!(f, "{}: {}", e.code(), e.message),
            Self::Io(e) => write!(f, "{}: {e}", io_code(e)),
            Self::HangUp => f.write_str("ECONNRESET: socket hang up"),
            Self::HandshakeTimeout => {
                f.write_str("ERR_TLS_HANDSHAKE_TIMEOUT: TLS handshake timeout")
            }
            Self::Sandbox(m) => write!(f, "ERR_TLSBOX_SANDBOX: {m}"),
            Self::LimitExceeded { message, .. } => write!(f, "ERR_TLSBOX_LIMIT: {message}"),
            Self::InvalidArgument(m) => write!(f, "ERR_INVALID_ARG_VALUE: {m}"),
            Self::SniCallback(m) => write!(f, "ERR_TLSBOX_SNI_CALLBACK: {m}"),
            Self::OcspCallback(m) => write!(f, "ERR_TLSBOX_OCSP_CALLBACK: {m}"),
            Self::NotListening => f.write_str("ERR_SERVER_NOT_RUNNING: server is not running"),
            Self::EngineNotBuilt(m) => write!(f, "ERR_TLSBOX_ENGINE_NOT_BUILT: {m}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Self::Io(e)
    }
}

impl From<TlsError> for Error {
    fn from(e: TlsError) -> Self {
        Self::Tls(e)
    }
}

impl From<Error> for io::Error {
    fn from(e: Error) -> Self {
        match e {
            Error::Io(e) => e,
            Error::HangUp => io::Error::new(io::ErrorKind::ConnectionReset, Error::HangUp),
            other => io::Error::other(other),
        }
    }
}

/// Shorthand for tlsbox results.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    /// The guest reports codes as Node spells them; one the engine does not
    /// list is `UNSPECIFIED`, and the message still names it.
    #[test]
    fn a_guest_error_is_read_back_by_its_node_code() {
        let known = TlsError::from(types::Error {
            code: "ERR_SSL_WRONG_VERSION_NUMBER".into(),
            message: "wrong version number".into(),
        });
        assert_eq!(known.kind, TlsErrorCode::ErrSslWrongVersionNumber);
        assert_eq!(known.code(), "ERR_SSL_WRONG_VERSION_NUMBER");
        assert_eq!(known.message, "wrong version number");

        let unknown = TlsError::from(types::Error {
            code: "err-ssl-wrong-version-number".into(),
            message: "wrong version number".into(),
        });
        assert_eq!(unknown.kind, TlsErrorCode::Unspecified);
        assert_eq!(unknown.code(), "UNSPECIFIED");
        assert!(
            unknown.message.contains("err-ssl-wrong-version-number"),
            "{}",
            unknown.message
        );
    }
}
