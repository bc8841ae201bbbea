//! RFC 8446 §5.2's limit on a protected record, checked before it is
//! decrypted.
//!
//! "The length MUST NOT exceed 2^14 + 256 bytes. An endpoint that receives
//! a record that exceeds this length MUST terminate the connection with a
//! `record_overflow` alert." rustls takes records up to TLS 1.2's larger
//! limit (2^14 + 2048) and decrypts them first, so such a record got
//! `bad_record_mac`. The suites here refuse it before any decryption, with
//! rustls' `PeerSentOversizedRecord`, which it answers with
//! `record_overflow`. (rustls itself checks the decrypted plaintext
//! against 2^14.)

use rustls::Error;
use rustls::crypto::cipher::InboundOpaqueMessage;
#[cfg(feature = "ring")]
use rustls::crypto::cipher::{
    AeadKey, InboundPlainMessage, Iv, MessageDecrypter, MessageEncrypter, Tls13AeadAlgorithm,
    UnsupportedOperationError,
};
#[cfg(feature = "ring")]
use rustls::{CipherSuiteCommon, ConnectionTrafficSecrets, SupportedCipherSuite, Tls13CipherSuite};

/// The longest TLSCiphertext fragment TLS 1.3 allows.
pub const MAX_TLS13_CIPHERTEXT: usize = (1 << 14) + 256;

/// `suites` with each TLS 1.3 suite's decrypter refusing records over
/// [`MAX_TLS13_CIPHERTEXT`] before decrypting them. Made once per provider
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

/// Refuses an oversized TLS 1.3 record before decrypting it, for a
/// decrypter that does not check it itself.
pub fn check_tls13_ciphertext(msg: &InboundOpaqueMessage<'_>) -> Result<(), Error> {
    match msg.payload.len() > MAX_TLS13_CIPHERTEXT {
        true => Err(Error::PeerSentOversizedRecord),
        false => Ok(()),
    }
}

/// A TLS 1.3 AEAD whose decrypters check the record's length first.
#[cfg(feature = "ring")]
struct StrictAead(&'static dyn Tls13AeadAlgorithm);

#[cfg(feature = "ring")]
impl Tls13AeadAlgorithm for StrictAead {
    fn encrypter(&self, key: AeadKey, iv: Iv) -> Box<dyn MessageEncrypter> {
        self.0.encrypter(key, iv)
    }

    fn decrypter(&self, key: AeadKey, iv: Iv) -> Box<dyn MessageDecrypter> {
        Box::new(StrictDecrypter(self.0.decrypter(key, iv)))
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
struct StrictDecrypter(Box<dyn MessageDecrypter>);

#[cfg(feature = "ring")]
impl MessageDecrypter for StrictDecrypter {
    fn decrypt<'a>(
        &mut self,
        msg: InboundOpaqueMessage<'a>,
        seq: u64,
    ) -> Result<InboundPlainMessage<'a>, Error> {
        check_tls13_ciphertext(&msg)?;
        self.0.decrypt(msg, seq)
    }
}
