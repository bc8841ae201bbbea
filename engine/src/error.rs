//! One error type for everything the engine reports, carrying Node's code.

use std::fmt;

/// Node's name for a failure. Each variant's Node spelling comes from
/// [`ErrorCode::as_node_str`]; the WIT enum has the same cases in the same order.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// The peer's leaf certificate is self-signed and not trusted.
    DepthZeroSelfSignedCert,
    /// The chain ends in a self-signed root that is not trusted.
    SelfSignedCertInChain,
    /// Only the leaf was sent and its issuer is unknown.
    UnableToVerifyLeafSignature,
    /// The chain's last issuer is not among the trusted roots.
    UnableToGetIssuerCertLocally,
    /// No certificate to verify (a client that sent none to a `requestCert` server).
    UnableToGetIssuerCert,
    /// A certificate in the chain has expired.
    CertHasExpired,
    /// A certificate in the chain is not valid yet.
    CertNotYetValid,
    /// A certificate in the chain is revoked by a given CRL.
    CertRevoked,
    /// A signature in the chain does not verify.
    CertSignatureFailure,
    /// An issuer in the chain is not allowed to be a CA.
    InvalidCa,
    /// A CA's path length constraint is exceeded.
    PathLengthExceeded,
    /// The certificate is not meant for this use (server or client auth).
    InvalidPurpose,
    /// The chain is too long.
    CertChainTooLong,
    /// A CRL for the issuer is missing.
    UnableToGetCrl,
    /// A CRL has expired.
    CrlHasExpired,
    /// Any other verification failure.
    Unspecified,
    /// The certificate does not name the host (`checkServerIdentity`).
    ErrTlsCertAltnameInvalid,
    /// An argument is not acceptable (an IP address as `servername`, ...).
    ErrInvalidArgValue,
    /// No PEM block of the expected kind.
    ErrOsslPemNoStartLine,
    /// An encrypted key did not decrypt (wrong or missing passphrase).
    ErrOsslBadDecrypt,
    /// The private key does not belong to the certificate.
    ErrOsslX509KeyValuesMismatch,
    /// Credentials that are well-formed but unusable.
    ErrTlsInvalidCredentials,
    /// The peer did not speak TLS (Node: `wrong version number`).
    ErrSslWrongVersionNumber,
    /// ALPN lists had no protocol in common.
    ErrSslNoApplicationProtocol,
    /// The handshake failed for another reason.
    ErrSslHandshakeFailure,
    /// The peer's certificate was refused.
    ErrSslBadCertificate,
    /// The peer sent a fatal alert.
    ErrSslPeerAlert,
    /// A record did not decrypt.
    ErrSslDecryptionFailed,
    /// A record was too large.
    ErrSslRecordOverflow,
    /// The peer broke the protocol.
    ErrSslProtocolError,
    /// A server required a certificate and the client sent none.
    ErrSslPeerDidNotReturnACertificate,
    /// The caller used the pair in a way its state does not allow.
    ErrTlsInvalidState,
    /// The peer's alert: no protocol in common (`tlsv1 alert no application protocol`).
    ErrSslTlsv1AlertNoApplicationProtocol,
    /// The peer's alert: it required a certificate and got none (TLS 1.3).
    ErrSslTlsv13AlertCertificateRequired,
    /// The peer's alert: our certificate's issuer is unknown to it.
    ErrSslTlsv1AlertUnknownCa,
    /// The peer's alert: our certificate is bad.
    ErrSslSslv3AlertBadCertificate,
    /// The peer's alert: our certificate expired (or is not valid yet).
    ErrSslSslv3AlertCertificateExpired,
    /// The peer's alert: our certificate is revoked.
    ErrSslSslv3AlertCertificateRevoked,
    /// The peer's alert: our certificate was refused for another reason.
    ErrSslSslv3AlertCertificateUnknown,
    /// The peer's alert: our certificate is not meant for this use.
    ErrSslSslv3AlertUnsupportedCertificate,
    /// The peer's alert: the handshake failed.
    ErrSslSslv3AlertHandshakeFailure,
    /// The peer's alert: a signature did not verify.
    ErrSslTlsv1AlertDecryptError,
    /// The peer's alert: it failed internally.
    ErrSslTlsv1AlertInternalError,
    /// The peer's alert: access denied.
    ErrSslTlsv1AlertAccessDenied,
    /// The peer's alert: no protocol version in common.
    ErrSslTlsv1AlertProtocolVersion,
    /// The peer's alert: it does not know the SNI name.
    ErrSslTlsv1UnrecognizedName,
}

impl ErrorCode {
    /// The code as Node spells it (`DEPTH_ZERO_SELF_SIGNED_CERT`).
    pub fn as_node_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            DepthZeroSelfSignedCert => "DEPTH_ZERO_SELF_SIGNED_CERT",
            SelfSignedCertInChain => "SELF_SIGNED_CERT_IN_CHAIN",
            UnableToVerifyLeafSignature => "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
            UnableToGetIssuerCertLocally => "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
            UnableToGetIssuerCert => "UNABLE_TO_GET_ISSUER_CERT",
            CertHasExpired => "CERT_HAS_EXPIRED",
            CertNotYetValid => "CERT_NOT_YET_VALID",
            CertRevoked => "CERT_REVOKED",
            CertSignatureFailure => "CERT_SIGNATURE_FAILURE",
            InvalidCa => "INVALID_CA",
            PathLengthExceeded => "PATH_LENGTH_EXCEEDED",
            InvalidPurpose => "INVALID_PURPOSE",
            CertChainTooLong => "CERT_CHAIN_TOO_LONG",
            UnableToGetCrl => "UNABLE_TO_GET_CRL",
            CrlHasExpired => "CRL_HAS_EXPIRED",
            Unspecified => "UNSPECIFIED",
            ErrTlsCertAltnameInvalid => "ERR_TLS_CERT_ALTNAME_INVALID",
            ErrInvalidArgValue => "ERR_INVALID_ARG_VALUE",
            ErrOsslPemNoStartLine => "ERR_OSSL_PEM_NO_START_LINE",
            ErrOsslBadDecrypt => "ERR_OSSL_BAD_DECRYPT",
            ErrOsslX509KeyValuesMismatch => "ERR_OSSL_X509_KEY_VALUES_MISMATCH",
            ErrTlsInvalidCredentials => "ERR_TLS_INVALID_CREDENTIALS",
            ErrSslWrongVersionNumber => "ERR_SSL_WRONG_VERSION_NUMBER",
            ErrSslNoApplicationProtocol => "ERR_SSL_NO_APPLICATION_PROTOCOL",
            ErrSslHandshakeFailure => "ERR_SSL_HANDSHAKE_FAILURE",
            ErrSslBadCertificate => "ERR_SSL_BAD_CERTIFICATE",
            ErrSslPeerAlert => "ERR_SSL_PEER_ALERT",
            ErrSslDecryptionFailed => "ERR_SSL_DECRYPTION_FAILED",
            ErrSslRecordOverflow => "ERR_SSL_RECORD_OVERFLOW",
            ErrSslProtocolError => "ERR_SSL_PROTOCOL_ERROR",
            ErrSslPeerDidNotReturnACertificate => "ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE",
            ErrTlsInvalidState => "ERR_TLS_INVALID_STATE",
            ErrSslTlsv1AlertNoApplicationProtocol => "ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL",
            ErrSslTlsv13AlertCertificateRequired => "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED",
            ErrSslTlsv1AlertUnknownCa => "ERR_SSL_TLSV1_ALERT_UNKNOWN_CA",
            ErrSslSslv3AlertBadCertificate => "ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE",
            ErrSslSslv3AlertCertificateExpired => "ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED",
            ErrSslSslv3AlertCertificateRevoked => "ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED",
            ErrSslSslv3AlertCertificateUnknown => "ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN",
            ErrSslSslv3AlertUnsupportedCertificate => "ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE",
            ErrSslSslv3AlertHandshakeFailure => "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE",
            ErrSslTlsv1AlertDecryptError => "ERR_SSL_TLSV1_ALERT_DECRYPT_ERROR",
            ErrSslTlsv1AlertInternalError => "ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR",
            ErrSslTlsv1AlertAccessDenied => "ERR_SSL_TLSV1_ALERT_ACCESS_DENIED",
            ErrSslTlsv1AlertProtocolVersion => "ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION",
            ErrSslTlsv1UnrecognizedName => "ERR_SSL_TLSV1_UNRECOGNIZED_NAME",
        }
    }
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
