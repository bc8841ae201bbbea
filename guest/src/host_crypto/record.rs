//! TLS 1.3 record protection in the host, where AES-GCM and
//! ChaCha20-Poly1305 run natively.
//!
//! Traffic keys are derived here and handed to the host when rustls
//! installs them; the host holds them in a resource owned by this
//! connection's instance, and they are gone when the instance is.

use std::sync::OnceLock;

use rustls::crypto::cipher::{
    AeadKey, InboundOpaqueMessage, InboundPlainMessage, Iv, MessageDecrypter, MessageEncrypter,
    OutboundOpaqueMessage, OutboundPlainMessage, PrefixedPayload, Tls13AeadAlgorithm,
    UnsupportedOperationError,
};
use rustls::crypto::tls13::Hkdf;
use rustls::{
    CipherSuite, CipherSuiteCommon, ConnectionTrafficSecrets, ContentType, Error, ProtocolVersion,
    SupportedCipherSuite, Tls13CipherSuite,
};

use crate::bindings::tlsbox::tls::crypto::{AeadAlgorithm, RecordKey};

/// GCM and Poly1305 tags are both 16 bytes.
const TAG_LEN: usize = 16;

/// An AEAD whose keys live in the host.
struct HostAead {
    algorithm: AeadAlgorithm,
    key_len: usize,
}

static AES_128_GCM: HostAead = HostAead {
    algorithm: AeadAlgorithm::Aes128Gcm,
    key_len: 16,
};
static AES_256_GCM: HostAead = HostAead {
    algorithm: AeadAlgorithm::Aes256Gcm,
    key_len: 32,
};
static CHACHA20_POLY1305: HostAead = HostAead {
    algorithm: AeadAlgorithm::Chacha20Poly1305,
    key_len: 32,
};

impl Tls13AeadAlgorithm for HostAead {
    fn encrypter(&self, key: AeadKey, iv: Iv) -> Box<dyn MessageEncrypter> {
        Box::new(Sealer(RecordKey::new(
            self.algorithm,
            key.as_ref(),
            iv.as_ref(),
        )))
    }

    fn decrypter(&self, key: AeadKey, iv: Iv) -> Box<dyn MessageDecrypter> {
        Box::new(Opener(RecordKey::new(
            self.algorithm,
            key.as_ref(),
            iv.as_ref(),
        )))
    }

    fn key_len(&self) -> usize {
        self.key_len
    }

    fn extract_keys(
        &self,
        key: AeadKey,
        iv: Iv,
    ) -> Result<ConnectionTrafficSecrets, UnsupportedOperationError> {
        Ok(match self.algorithm {
            AeadAlgorithm::Aes128Gcm => ConnectionTrafficSecrets::Aes128Gcm { key, iv },
            AeadAlgorithm::Aes256Gcm => ConnectionTrafficSecrets::Aes256Gcm { key, iv },
            AeadAlgorithm::Chacha20Poly1305 => {
                ConnectionTrafficSecrets::Chacha20Poly1305 { key, iv }
            }
        })
    }
}

struct Sealer(RecordKey);

impl MessageEncrypter for Sealer {
    fn encrypt(
        &mut self,
        msg: OutboundPlainMessage<'_>,
        seq: u64,
    ) -> Result<OutboundOpaqueMessage, Error> {
        // One copy into a contiguous record (content then type), one call.
        let mut plaintext = Vec::with_capacity(msg.payload.len() + 1);
        msg.payload.copy_to_vec(&mut plaintext);
        plaintext.push(u8::from(msg.typ));
        let sealed = self.0.seal(seq, &plaintext);
        let mut payload = PrefixedPayload::with_capacity(sealed.len());
        payload.extend_from_slice(&sealed);
        Ok(OutboundOpaqueMessage::new(
            ContentType::ApplicationData,
            // TLS 1.3 records all claim TLS 1.2 (RFC 8446 §5.1).
            ProtocolVersion::TLSv1_2,
            payload,
        ))
    }

    fn encrypted_payload_len(&self, payload_len: usize) -> usize {
        payload_len + 1 + TAG_LEN
    }
}

struct Opener(RecordKey);

impl MessageDecrypter for Opener {
    fn decrypt<'a>(
        &mut self,
        mut msg: InboundOpaqueMessage<'a>,
        seq: u64,
    ) -> Result<InboundPlainMessage<'a>, Error> {
        if msg.payload.len() < TAG_LEN {
            return Err(Error::DecryptError);
        }
        let plain = self.0.open(seq, &msg.payload).ok_or(Error::DecryptError)?;
        msg.payload[..plain.len()].copy_from_slice(&plain);
        msg.payload.truncate(plain.len());
        msg.into_tls13_unpadded_message()
    }
}

/// `suites` with every TLS 1.3 suite's record protection moved to the host.
/// TLS 1.2 suites keep ring's in-guest AEADs.
pub(super) fn with_host_records(suites: &[SupportedCipherSuite]) -> Vec<SupportedCipherSuite> {
    static SUITES: OnceLock<Vec<SupportedCipherSuite>> = OnceLock::new();
    SUITES
        .get_or_init(|| {
            suites
                .iter()
                .map(|suite| match suite {
                    SupportedCipherSuite::Tls13(base) => {
                        let aead: &'static HostAead = match base.common.suite {
                            CipherSuite::TLS13_AES_128_GCM_SHA256 => &AES_128_GCM,
                            CipherSuite::TLS13_AES_256_GCM_SHA384 => &AES_256_GCM,
                            CipherSuite::TLS13_CHACHA20_POLY1305_SHA256 => &CHACHA20_POLY1305,
                            _ => return *suite,
                        };
                        let hkdf: &'static dyn Hkdf = base.hkdf_provider;
                        // Made once per instance and kept: rustls wants 'static suites.
                        SupportedCipherSuite::Tls13(Box::leak(Box::new(Tls13CipherSuite {
                            common: CipherSuiteCommon {
                                suite: base.common.suite,
                                hash_provider: base.common.hash_provider,
                                confidentiality_limit: base.common.confidentiality_limit,
                            },
                            hkdf_provider: hkdf,
                            aead_alg: aead,
                            quic: None,
                        })))
                    }
                    SupportedCipherSuite::Tls12(_) => *suite,
                })
                .collect()
        })
        .clone()
}
