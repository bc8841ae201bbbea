//! Protected TLS 1.3 records, checked around their decryption.
//!
//! Before: §5.2's limit on the record. "The length MUST NOT exceed 2^14 +
//! 256 bytes. An endpoint that receives a record that exceeds this length
//! MUST terminate the connection with a `record_overflow` alert." rustls
//! takes records up to TLS 1.2's larger limit (2^14 + 2048) and decrypts
//! them first, so such a record got `bad_record_mac`; it is refused here
//! before any decryption. (rustls itself checks the inner plaintext
//! against 2^14 + 1, padding included, as §5.4 says.)
//!
//! After: what rustls refuses with no alert or the wrong one, each answered
//! with `unexpected_message`: an inner plaintext of zeros alone (§5.4) and
//! a record of another type inside a fragmented handshake message (§5.1),
//! which rustls ended without an alert; an unknown inner content type
//! (§5), which it answered with `decode_error`; and an empty handshake
//! record (§5.1), which it counted and waited after. (A protected
//! change_cipher_spec, §5, rustls refuses itself as it opens the record,
//! with `unexpected_message`; it is named here like the others.) (The RFC names no
//! alert for the last; OpenSSL's is `unexpected_message`.) So is a 33rd
//! empty record in a row, which rustls ends without an alert.

#[cfg(feature = "ring")]
use rustls::crypto::cipher::{
    AeadKey, Iv, MessageDecrypter, MessageEncrypter, Tls13AeadAlgorithm, UnsupportedOperationError,
};
use rustls::crypto::cipher::{InboundOpaqueMessage, InboundPlainMessage};
#[cfg(feature = "ring")]
use rustls::{CipherSuiteCommon, ConnectionTrafficSecrets, SupportedCipherSuite, Tls13CipherSuite};
use rustls::{ContentType, Error, PeerMisbehaved};

use super::plaintext::MAX_HANDSHAKE_MESSAGE;
use super::{Refusal, refuse};

/// The longest TLSCiphertext fragment TLS 1.3 allows.
pub const MAX_TLS13_CIPHERTEXT: usize = (1 << 14) + 256;

/// The checks one record decrypter makes, for the records it opens: one
/// key's records, across which no handshake message may span (§5.1).
#[derive(Debug, Default)]
pub struct InnerPlaintext {
    handshake: HandshakeFraming,
    /// Empty records in a row, up to the last one read.
    empty_in_a_row: usize,
}

/// The empty records in a row rustls takes; it ends the connection at the
/// next one without an alert.
const MAX_EMPTY_IN_A_ROW: usize = 32;

impl InnerPlaintext {
    /// Before decryption: the record's length.
    pub fn before(&self, msg: &InboundOpaqueMessage<'_>) -> Result<(), Error> {
        match msg.payload.len() > MAX_TLS13_CIPHERTEXT {
            true => Err(Error::PeerSentOversizedRecord),
            false => Ok(()),
        }
    }

    /// After decryption: `opened` is the decrypter's result, its padding
    /// already removed (rustls' `into_tls13_unpadded_message`).
    pub fn after<'a>(
        &mut self,
        opened: Result<InboundPlainMessage<'a>, Error>,
    ) -> Result<InboundPlainMessage<'a>, Error> {
        let message = match opened {
            Err(Error::PeerMisbehaved(PeerMisbehaved::IllegalTlsInnerPlaintext)) => {
                return Err(refuse(Refusal::NoContentType));
            }
            Err(Error::PeerMisbehaved(PeerMisbehaved::IllegalMiddleboxChangeCipherSpec)) => {
                return Err(refuse(Refusal::ProtectedChangeCipherSpec));
            }
            other => other?,
        };
        self.empty_in_a_row = match message.payload.is_empty() {
            true => self.empty_in_a_row + 1,
            false => 0,
        };
        if self.empty_in_a_row > MAX_EMPTY_IN_A_ROW {
            return Err(refuse(Refusal::TooManyEmptyRecords));
        }
        match message.typ {
            ContentType::Handshake if message.payload.is_empty() => {
                return Err(refuse(Refusal::EmptyHandshake));
            }
            ContentType::Handshake => {
                self.handshake.read(message.payload).map_err(refuse)?;
            }
            ContentType::Alert | ContentType::ApplicationData if !self.handshake.aligned() => {
                return Err(refuse(Refusal::Interleaved(u8::from(message.typ))));
            }
            ContentType::Alert | ContentType::ApplicationData => {}
            // Refused above as rustls opens it; here for a decrypter
            // that does not.
            ContentType::ChangeCipherSpec => {
                return Err(refuse(Refusal::ProtectedChangeCipherSpec));
            }
            other => return Err(refuse(Refusal::UnknownRecordType(u8::from(other)))),
        }
        Ok(message)
    }
}

/// Where a stream of handshake bytes stands: between messages, or inside
/// one (its header, then its body).
#[derive(Debug, Default)]
pub(crate) struct HandshakeFraming {
    /// The current message's header, while it is incomplete.
    header: Vec<u8>,
    /// Body bytes of the current message still to come.
    remaining: usize,
}

impl HandshakeFraming {
    /// Between two messages: another record type may come now.
    pub(crate) fn aligned(&self) -> bool {
        self.header.is_empty() && self.remaining == 0
    }

    /// Reads the next handshake bytes; returns how many messages they
    /// completed.
    pub(crate) fn read(&mut self, mut bytes: &[u8]) -> Result<usize, Refusal> {
        let mut completed = 0;
        while !bytes.is_empty() {
            if self.remaining > 0 {
                let taken = self.remaining.min(bytes.len());
                self.remaining -= taken;
                bytes = &bytes[taken..];
                completed += usize::from(self.remaining == 0);
                continue;
            }
            let wanted = 4 - self.header.len();
            let (head, rest) = bytes.split_at(wanted.min(bytes.len()));
            self.header.extend_from_slice(head);
            bytes = rest;
            if self.header.len() == 4 {
                let length =
                    u32::from_be_bytes([0, self.header[1], self.header[2], self.header[3]]);
                let length = length as usize;
                if length > MAX_HANDSHAKE_MESSAGE {
                    return Err(Refusal::ExcessiveMessage);
                }
                self.header.clear();
                self.remaining = length;
                completed += usize::from(length == 0);
            }
        }
        Ok(completed)
    }
}

/// `suites` with each TLS 1.3 suite's decrypter making the checks of
/// [`InnerPlaintext`]. Made once per provider
/// (the suites must be `'static`, so each wrapped suite is leaked once).
#[cfg(feature = "ring")]
pub(crate) fn strict(suites: &[SupportedCipherSuite]) -> Vec<SupportedCipherSuite> {
    suites
        .iter()
        .map(|suite| match suite {
            SupportedCipherSuite::Tls13(inner) => {
                let aead: &'static StrictAead = Box::leak(Box::new(StrictAead(inner.aead_alg)));
                let strict: &'static Tls13CipherSuite = Box::leak(Box::new(Tls13CipherSuite {
                    common: CipherSuiteCommon {
                        suite: inner.common.suite,
                        hash_provider: inner.common.hash_provider,
                        confidentiality_limit: inner.common.confidentiality_limit,
                    },
                    hkdf_provider: inner.hkdf_provider,
                    aead_alg: aead,
                    quic: inner.quic,
                }));
                SupportedCipherSuite::Tls13(strict)
            }
            other => *other,
        })
        .collect()
}

/// A TLS 1.3 AEAD whose decrypters make the checks of [`InnerPlaintext`].
#[cfg(feature = "ring")]
struct StrictAead(&'static dyn Tls13AeadAlgorithm);

#[cfg(feature = "ring")]
impl Tls13AeadAlgorithm for StrictAead {
    fn encrypter(&self, key: AeadKey, iv: Iv) -> Box<dyn MessageEncrypter> {
        self.0.encrypter(key, iv)
    }

    fn decrypter(&self, key: AeadKey, iv: Iv) -> Box<dyn MessageDecrypter> {
        Box::new(StrictDecrypter {
            inner: self.0.decrypter(key, iv),
            checks: InnerPlaintext::default(),
        })
    }

    fn key_len(&self) -> usize {
        self.0.key_len()
    }

    fn extract_keys(
        &self,
        key: AeadKey,
        iv: Iv,
    ) -> Result<ConnectionTrafficSecrets, UnsupportedOperationError> {
        self.0.extract_keys(key, iv)
    }

    fn fips(&self) -> bool {
        self.0.fips()
    }
}

#[cfg(feature = "ring")]
struct StrictDecrypter {
    inner: Box<dyn MessageDecrypter>,
    checks: InnerPlaintext,
}

#[cfg(feature = "ring")]
impl MessageDecrypter for StrictDecrypter {
    fn decrypt<'a>(
        &mut self,
        msg: InboundOpaqueMessage<'a>,
        seq: u64,
    ) -> Result<InboundPlainMessage<'a>, Error> {
        self.checks.before(&msg)?;
        let opened = self.inner.decrypt(msg, seq);
        self.checks.after(opened)
    }
}
