//! One error type for everything the engine reports, carrying Node's code.

use std::fmt;

/// Makes [`ErrorCode`] from the list below: each variant's doc, its name,
/// and Node's spelling of it (`$(#[doc] Variant = "NODE_CODE",)*`).
macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident = $node:literal,)*) => {
        /// Node's name for a failure, from the engine's one list of codes.
        #[non_exhaustive]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)*
        }

        impl ErrorCode {
            /// Every code, in the list's order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The code as Node spells it (`DEPTH_ZERO_SELF_SIGNED_CERT`).
            pub fn as_node_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $node,)*
                }
            }

            /// The code Node spells `node`, if it is one of the engine's.
            pub fn from_node_str(node: &str) -> Option<Self> {
                match node {
                    $($node => Some(ErrorCode::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

// The one list of Node's codes: `ErrorCode`, `ErrorCode::as_node_str`
// and `ErrorCode::from_node_str` are made from it. Codes cross the
// sandbox's boundary in Node's spelling (`error.code` in `wit/types.wit`):
// the guest writes them with `as_node_str`, the host reads them back with
// `from_node_str`.
error_codes! {
    /// The peer's leaf certificate is self-signed and not trusted.
    DepthZeroSelfSignedCert = "DEPTH_ZERO_SELF_SIGNED_CERT",
    /// The chain ends in a self-signed root that is not trusted.
    SelfSignedCertInChain = "SELF_SIGNED_CERT_IN_CHAIN",
    /// Only the leaf was sent and its issuer is unknown.
    UnableToVerifyLeafSignature = "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    /// The chain's last issuer is not among the trusted roots.
    UnableToGetIssuerCertLocally = "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
    /// No certificate to verify (a client that sent none to a `requestCert` server).
    UnableToGetIssuerCert = "UNABLE_TO_GET_ISSUER_CERT",
    /// A certificate in the chain has expired.
    CertHasExpired = "CERT_HAS_EXPIRED",
    /// A certificate in the chain is not valid yet.
    CertNotYetValid = "CERT_NOT_YET_VALID",
    /// A certificate in the chain is revoked by a given CRL.
    CertRevoked = "CERT_REVOKED",
    /// A signature in the chain does not verify.
    CertSignatureFailure = "CERT_SIGNATURE_FAILURE",
    /// An issuer in the chain is not allowed to be a CA.
    InvalidCa = "INVALID_CA",
    /// A CA's path length constraint is exceeded.
    PathLengthExceeded = "PATH_LENGTH_EXCEEDED",
    /// The certificate is not meant for this use (server or client auth).
    InvalidPurpose = "INVALID_PURPOSE",
    /// The chain is too long.
    CertChainTooLong = "CERT_CHAIN_TOO_LONG",
    /// A CRL for the issuer is missing.
    UnableToGetCrl = "UNABLE_TO_GET_CRL",
    /// A CRL has expired.
    CrlHasExpired = "CRL_HAS_EXPIRED",
    /// Any other verification failure.
    Unspecified = "UNSPECIFIED",
    /// The certificate does not name the host (`checkServerIdentity`).
    ErrTlsCertAltnameInvalid = "ERR_TLS_CERT_ALTNAME_INVALID",
    /// An argument is not acceptable (an IP address as `servername`, ...).
    ErrInvalidArgValue = "ERR_INVALID_ARG_VALUE",
    /// `minVersion`/`maxVersion` names no version tlsbox speaks.
    ErrTlsInvalidProtocolVersion = "ERR_TLS_INVALID_PROTOCOL_VERSION",
    /// An ALPN callback chose a protocol the client did not offer.
    ErrTlsAlpnCallbackInvalidResult = "ERR_TLS_ALPN_CALLBACK_INVALID_RESULT",
    /// A server was given both an ALPN callback and ALPN protocols.
    ErrTlsAlpnCallbackWithProtocols = "ERR_TLS_ALPN_CALLBACK_WITH_PROTOCOLS",
    /// `ecdhCurve` names no group tlsbox knows (Node: `Failed to set ECDH curve`).
    ErrCryptoOperationFailed = "ERR_CRYPTO_OPERATION_FAILED",
    /// No PEM block of the expected kind.
    ErrOsslPemNoStartLine = "ERR_OSSL_PEM_NO_START_LINE",
    /// An encrypted key did not decrypt (wrong or missing passphrase).
    ErrOsslBadDecrypt = "ERR_OSSL_BAD_DECRYPT",
    /// The private key does not belong to the certificate.
    ErrOsslX509KeyValuesMismatch = "ERR_OSSL_X509_KEY_VALUES_MISMATCH",
    /// Credentials that are well-formed but unusable.
    ErrTlsInvalidCredentials = "ERR_TLS_INVALID_CREDENTIALS",
    /// The peer did not speak TLS (Node: `wrong version number`).
    ErrSslWrongVersionNumber = "ERR_SSL_WRONG_VERSION_NUMBER",
    /// ALPN lists had no protocol in common.
    ErrSslNoApplicationProtocol = "ERR_SSL_NO_APPLICATION_PROTOCOL",
    /// The handshake failed for another reason.
    ErrSslHandshakeFailure = "ERR_SSL_HANDSHAKE_FAILURE",
    /// The peer's certificate was refused.
    ErrSslBadCertificate = "ERR_SSL_BAD_CERTIFICATE",
    /// The peer sent a fatal alert.
    ErrSslPeerAlert = "ERR_SSL_PEER_ALERT",
    /// A record did not decrypt.
    ErrSslDecryptionFailed = "ERR_SSL_DECRYPTION_FAILED",
    /// A record was too large.
    ErrSslRecordOverflow = "ERR_SSL_RECORD_OVERFLOW",
    /// The peer broke the protocol.
    ErrSslProtocolError = "ERR_SSL_PROTOCOL_ERROR",
    /// A server required a certificate and the client sent none.
    ErrSslPeerDidNotReturnACertificate = "ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE",
    /// The peer offered no protocol version this side accepts.
    ErrSslUnsupportedProtocol = "ERR_SSL_UNSUPPORTED_PROTOCOL",
    /// The peer offered no key-exchange group this side accepts.
    ErrSslNoSuitableKeyShare = "ERR_SSL_NO_SUITABLE_KEY_SHARE",
    /// No signature scheme both sides accept fits this side's key (`sigalgs`).
    ErrSslNoSuitableSignatureAlgorithm = "ERR_SSL_NO_SUITABLE_SIGNATURE_ALGORITHM",
    /// The caller used the pair in a way its state does not allow.
    ErrTlsInvalidState = "ERR_TLS_INVALID_STATE",
    /// The peer's alert: no protocol in common (`tlsv1 alert no application protocol`).
    ErrSslTlsv1AlertNoApplicationProtocol = "ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL",
    /// The peer's alert: it required a certificate and got none (TLS 1.3).
    ErrSslTlsv13AlertCertificateRequired = "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED",
    /// The peer's alert: our certificate's issuer is unknown to it.
    ErrSslTlsv1AlertUnknownCa = "ERR_SSL_TLSV1_ALERT_UNKNOWN_CA",
    /// The peer's alert: our certificate is bad.
    ErrSslSslv3AlertBadCertificate = "ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE",
    /// The peer's alert: our certificate expired (or is not valid yet).
    ErrSslSslv3AlertCertificateExpired = "ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED",
    /// The peer's alert: our certificate is revoked.
    ErrSslSslv3AlertCertificateRevoked = "ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED",
    /// The peer's alert: our certificate was refused for another reason.
    ErrSslSslv3AlertCertificateUnknown = "ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN",
    /// The peer's alert: our certificate is not meant for this use.
    ErrSslSslv3AlertUnsupportedCertificate = "ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE",
    /// The peer's alert: the handshake failed.
    ErrSslSslv3AlertHandshakeFailure = "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE",
    /// The peer's alert: a signature did not verify.
    ErrSslTlsv1AlertDecryptError = "ERR_SSL_TLSV1_ALERT_DECRYPT_ERROR",
    /// The peer's alert: it failed internally.
    ErrSslTlsv1AlertInternalError = "ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR",
    /// The peer's alert: access denied.
    ErrSslTlsv1AlertAccessDenied = "ERR_SSL_TLSV1_ALERT_ACCESS_DENIED",
    /// The peer's alert: no protocol version in common.
    ErrSslTlsv1AlertProtocolVersion = "ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION",
    /// The peer's alert: it does not know the SNI name.
    ErrSslTlsv1UnrecognizedName = "ERR_SSL_TLSV1_UNRECOGNIZED_NAME",
    /// The peer refused a record as too long (RFC 8446 §5.2).
    ErrSslTlsv1AlertRecordOverflow = "ERR_SSL_TLSV1_ALERT_RECORD_OVERFLOW",
    /// The peer could not open a record we sent (or one sent in our name).
    ErrSslSslv3AlertBadRecordMac = "ERR_SSL_SSLV3_ALERT_BAD_RECORD_MAC",
    /// A record or message where the protocol allows none (RFC 8446 §5).
    ErrSslUnexpectedMessage = "ERR_SSL_UNEXPECTED_MESSAGE",
    /// A record of a type TLS does not define.
    ErrSslUnexpectedRecord = "ERR_SSL_UNEXPECTED_RECORD",
    /// A record of a length the protocol forbids (an empty handshake record).
    ErrSslBadLength = "ERR_SSL_BAD_LENGTH",
    /// A handshake message longer than the engine takes (64 KiB).
    ErrSslExcessiveMessageSize = "ERR_SSL_EXCESSIVE_MESSAGE_SIZE",
    /// The peer sent an `unexpected_message` alert.
    ErrSslSslv3AlertUnexpectedMessage = "ERR_SSL_SSLV3_ALERT_UNEXPECTED_MESSAGE",
    /// The peer sent a `decode_error` alert.
    ErrSslTlsv1AlertDecodeError = "ERR_SSL_TLSV1_ALERT_DECODE_ERROR",
    /// The peer sent an `illegal_parameter` alert.
    ErrSslSslv3AlertIllegalParameter = "ERR_SSL_SSLV3_ALERT_ILLEGAL_PARAMETER",
    /// More empty records in a row than the engine takes.
    ErrSslRecordTooSmall = "ERR_SSL_RECORD_TOO_SMALL",
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_node_str())
    }
}

/// A failure: Node's code and a human message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// Node's code.
    pub code: ErrorCode,
    /// What went wrong, in OpenSSL's or Node's words where they have them.
    pub message: String,
}

impl Error {
    /// An error with `code` and `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Error {}
