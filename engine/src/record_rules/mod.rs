//! The record layer's rules as RFC 8446 §5 words them, where rustls is more
//! lenient than the RFC or refuses without the alert the RFC names.
//!
//! Two places see every record before rustls acts on it:
//! - [`plaintext::FirstFlight`] reads the peer's records in the clear, up
//!   to its first whole handshake message (a ClientHello, or a
//!   ServerHello), and refuses what the RFC refuses there. The pair then
//!   writes the alert itself, in the clear: this side has sent nothing
//!   encrypted yet.
//! - [`protected::InnerPlaintext`] checks each protected TLS 1.3 record's
//!   length before it is decrypted and its inner plaintext after. It sits
//!   in the record decrypter, so rustls sends the (encrypted) alert: the
//!   decrypter returns the rustls error that rustls answers with the
//!   alert the RFC names, and leaves the real reason in [`take_refusal`]
//!   for the pair to report.

pub mod plaintext;
pub mod protected;

use std::cell::Cell;

use crate::error::{Error, ErrorCode};

/// Alert descriptions (RFC 8446 §6).
pub(crate) mod alert {
    pub const UNEXPECTED_MESSAGE: u8 = 10;
    pub const RECORD_OVERFLOW: u8 = 22;
    pub const DECODE_ERROR: u8 = 50;
}

/// A record, or a run of records, the engine refuses on the RFC's word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// A record longer than 2^14 bytes of plaintext (§5.1, §5.2).
    OversizedRecord,
    /// A handshake message longer than the 64 KiB the engine takes (a
    /// documented limit of rustls, which it answers with decode_error;
    /// OpenSSL takes ClientHellos to 128 KiB).
    ExcessiveMessage,
    /// A record of a type TLS does not define (§5).
    UnknownRecordType(u8),
    /// change_cipher_spec or application data before the peer's first
    /// handshake message (§5).
    BeforeHandshake(u8),
    /// A record of another type between the fragments of one handshake
    /// message (§5.1).
    Interleaved(u8),
    /// A handshake record with no content (§5.1).
    EmptyHandshake,
    /// A protected record whose inner plaintext is all zeros: no content
    /// type (§5.4).
    NoContentType,
    /// A protected change_cipher_spec (§5: only the one in the clear is
    /// allowed, during the handshake).
    ProtectedChangeCipherSpec,
    /// More empty records in a row than rustls takes (32): allowed one by
    /// one (§5.1), refused as a flood, as OpenSSL refuses them.
    TooManyEmptyRecords,
}

impl Refusal {
    /// The alert the RFC answers it with.
    pub fn alert(self) -> u8 {
        match self {
            Refusal::OversizedRecord => alert::RECORD_OVERFLOW,
            Refusal::ExcessiveMessage => alert::DECODE_ERROR,
            // The RFC names no alert; OpenSSL's, where it refuses one.
            Refusal::EmptyHandshake
            | Refusal::UnknownRecordType(_)
            | Refusal::BeforeHandshake(_)
            | Refusal::Interleaved(_)
            | Refusal::NoContentType
            | Refusal::ProtectedChangeCipherSpec
            | Refusal::TooManyEmptyRecords => alert::UNEXPECTED_MESSAGE,
        }
    }

    /// What the refusing side reports, with Node's (OpenSSL's) code.
    pub fn error(self) -> Error {
        use ErrorCode as C;
        match self {
            Refusal::OversizedRecord => Error::new(C::ErrSslRecordOverflow, "record overflow"),
            Refusal::ExcessiveMessage => Error::new(
                C::ErrSslExcessiveMessageSize,
                "excessive message size: a handshake message over rustls' 64 KiB limit",
            ),
            Refusal::UnknownRecordType(kind) => Error::new(
                C::ErrSslUnexpectedRecord,
                format!("unexpected record: content type {kind}"),
            ),
            Refusal::BeforeHandshake(kind) => Error::new(
                C::ErrSslUnexpectedMessage,
                format!(
                    "unexpected message: {} before the handshake",
                    type_name(kind)
                ),
            ),
            Refusal::Interleaved(kind) => Error::new(
                C::ErrSslUnexpectedMessage,
                format!(
                    "unexpected message: {} inside a fragmented handshake message",
                    type_name(kind)
                ),
            ),
            Refusal::EmptyHandshake => {
                Error::new(C::ErrSslBadLength, "bad length: an empty handshake record")
            }
            Refusal::NoContentType => Error::new(
                C::ErrSslUnexpectedMessage,
                "unexpected message: a protected record with no content type",
            ),
            Refusal::ProtectedChangeCipherSpec => Error::new(
                C::ErrSslUnexpectedMessage,
                "unexpected message: a protected change_cipher_spec",
            ),
            Refusal::TooManyEmptyRecords => Error::new(
                C::ErrSslRecordTooSmall,
                "record too small: more than 32 empty records in a row",
            ),
        }
    }

    /// The rustls error that makes rustls send [`Self::alert`]: what a
    /// record decrypter returns for it.
    fn carrier(self) -> rustls::Error {
        use rustls::{InvalidMessage, PeerMisbehaved};
        match self.alert() {
            alert::RECORD_OVERFLOW => rustls::Error::PeerSentOversizedRecord,
            alert::DECODE_ERROR => InvalidMessage::HandshakePayloadTooLarge.into(),
            // rustls answers this one alone of its misbehaviours with
            // unexpected_message from the record layer.
            _ => PeerMisbehaved::IllegalMiddleboxChangeCipherSpec.into(),
        }
    }
}

/// A record content type's name, for messages.
fn type_name(kind: u8) -> String {
    match kind {
        20 => "change_cipher_spec".into(),
        21 => "an alert".into(),
        22 => "a handshake record".into(),
        23 => "application data".into(),
        other => format!("content type {other}"),
    }
}

/// A fatal alert in a plaintext record.
pub(crate) fn fatal_alert(description: u8) -> [u8; 7] {
    [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, description]
}

thread_local! {
    /// The refusal a record decrypter made during the current
    /// `process_new_packets`, which returns only the carrier error. The
    /// decrypter runs on the caller's thread, inside that call.
    static REFUSAL: Cell<Option<Refusal>> = const { Cell::new(None) };
}

/// Records `refusal` and returns the error rustls answers with its alert.
pub(crate) fn refuse(refusal: Refusal) -> rustls::Error {
    REFUSAL.with(|slot| slot.set(Some(refusal)));
    refusal.carrier()
}

/// Takes the refusal a decrypter made since the last call, if any.
pub fn take_refusal() -> Option<Refusal> {
    REFUSAL.with(Cell::take)
}
