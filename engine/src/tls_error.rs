//! rustls failures as Node reports them: an `ERR_SSL_*` code and OpenSSL's words.

use rustls::{AlertDescription, CertificateError, InvalidMessage, PeerIncompatible};

use crate::error::{Error, ErrorCode};

/// Maps a rustls error (local, or an alert from the peer) to Node's terms.
pub(crate) fn from_rustls(error: &rustls::Error) -> Error {
    use ErrorCode as C;
    use rustls::Error as R;
    match error {
        // Our verifier's own verdict, carried through rustls unchanged.
        R::InvalidCertificate(CertificateError::Other(other)) => {
            if let Some(ours) = other.0.downcast_ref::<Error>() {
                return ours.clone();
            }
            Error::new(
                C::ErrSslBadCertificate,
                format!("certificate verify failed: {error}"),
            )
        }
        R::InvalidCertificate(e) => Error::new(
            C::ErrSslBadCertificate,
            format!("certificate verify failed: {e:?}"),
        ),
        // A peer that does not speak TLS at all: OpenSSL's "wrong version number".
        R::InvalidMessage(InvalidMessage::InvalidContentType)
        | R::InvalidMessage(InvalidMessage::UnknownProtocolVersion) => {
            Error::new(C::ErrSslWrongVersionNumber, "wrong version number")
        }
        R::InvalidMessage(InvalidMessage::MessageTooLarge) | R::PeerSentOversizedRecord => {
            Error::new(C::ErrSslRecordOverflow, "record overflow")
        }
        R::InvalidMessage(e) => {
            Error::new(C::ErrSslProtocolError, format!("invalid message: {e:?}"))
        }
        R::NoApplicationProtocol => {
            Error::new(C::ErrSslNoApplicationProtocol, "no application protocol")
        }
        R::NoCertificatesPresented => Error::new(
            C::ErrSslPeerDidNotReturnACertificate,
            "peer did not return a certificate",
        ),
        R::DecryptError => Error::new(
            C::ErrSslDecryptionFailed,
            "decryption failed or bad record mac",
        ),
        R::AlertReceived(alert) => from_alert(*alert),
        R::PeerIncompatible(
            PeerIncompatible::Tls12NotOffered
            | PeerIncompatible::Tls12NotOfferedOrEnabled
            | PeerIncompatible::Tls13RequiredForQuic
            | PeerIncompatible::SupportedVersionsExtensionRequired
            | PeerIncompatible::ServerTlsVersionIsDisabledByOurConfig
            | PeerIncompatible::ServerDoesNotSupportTls12Or13,
        ) => Error::new(C::ErrSslUnsupportedProtocol, "unsupported protocol"),
        R::PeerIncompatible(PeerIncompatible::NoSignatureSchemesInCommon) => Error::new(
            C::ErrSslNoSuitableSignatureAlgorithm,
            "no suitable signature algorithm",
        ),
        R::PeerIncompatible(PeerIncompatible::NoKxGroupsInCommon) => {
            Error::new(C::ErrSslNoSuitableKeyShare, "no suitable key share")
        }
        R::PeerIncompatible(e) => Error::new(
            C::ErrSslHandshakeFailure,
            format!("handshake failure: {e:?}"),
        ),
        R::PeerMisbehaved(e) => {
            Error::new(C::ErrSslProtocolError, format!("peer misbehaved: {e:?}"))
        }
        R::InappropriateMessage { .. } | R::InappropriateHandshakeMessage { .. } => Error::new(
            C::ErrSslProtocolError,
            format!("unexpected message: {error}"),
        ),
        other => Error::new(C::ErrSslHandshakeFailure, other.to_string()),
    }
}

/// A fatal alert from the peer, with the code and words Node (OpenSSL) gives it.
fn from_alert(alert: AlertDescription) -> Error {
    use AlertDescription as A;
    use ErrorCode as C;
    let (code, message) = match alert {
        A::NoApplicationProtocol => (
            C::ErrSslTlsv1AlertNoApplicationProtocol,
            "tlsv1 alert no application protocol",
        ),
        A::BadCertificate => (
            C::ErrSslSslv3AlertBadCertificate,
            "sslv3 alert bad certificate",
        ),
        A::UnknownCA => (C::ErrSslTlsv1AlertUnknownCa, "tlsv1 alert unknown ca"),
        A::CertificateRequired => (
            C::ErrSslTlsv13AlertCertificateRequired,
            "tlsv13 alert certificate required",
        ),
        A::CertificateExpired => (
            C::ErrSslSslv3AlertCertificateExpired,
            "sslv3 alert certificate expired",
        ),
        A::CertificateRevoked => (
            C::ErrSslSslv3AlertCertificateRevoked,
            "sslv3 alert certificate revoked",
        ),
        A::CertificateUnknown => (
            C::ErrSslSslv3AlertCertificateUnknown,
            "sslv3 alert certificate unknown",
        ),
        A::UnsupportedCertificate => (
            C::ErrSslSslv3AlertUnsupportedCertificate,
            "sslv3 alert unsupported certificate",
        ),
        A::HandshakeFailure => (
            C::ErrSslSslv3AlertHandshakeFailure,
            "sslv3 alert handshake failure",
        ),
        A::ProtocolVersion => (
            C::ErrSslTlsv1AlertProtocolVersion,
            "tlsv1 alert protocol version",
        ),
        A::DecryptError => (C::ErrSslTlsv1AlertDecryptError, "tlsv1 alert decrypt error"),
        A::InternalError => (
            C::ErrSslTlsv1AlertInternalError,
            "tlsv1 alert internal error",
        ),
        A::AccessDenied => (C::ErrSslTlsv1AlertAccessDenied, "tlsv1 alert access denied"),
        A::UnrecognisedName => (C::ErrSslTlsv1UnrecognizedName, "tlsv1 unrecognized name"),
        A::RecordOverflow => (
            C::ErrSslTlsv1AlertRecordOverflow,
            "tlsv1 alert record overflow",
        ),
        A::BadRecordMac => (
            C::ErrSslSslv3AlertBadRecordMac,
            "sslv3 alert bad record mac",
        ),
        A::UnexpectedMessage => (
            C::ErrSslSslv3AlertUnexpectedMessage,
            "sslv3 alert unexpected message",
        ),
        A::DecodeError => (C::ErrSslTlsv1AlertDecodeError, "tlsv1 alert decode error"),
        A::IllegalParameter => (
            C::ErrSslSslv3AlertIllegalParameter,
            "sslv3 alert illegal parameter",
        ),
        other => {
            return Error::new(C::ErrSslPeerAlert, format!("peer sent alert {other:?}"));
        }
    };
    Error::new(code, message)
}
