//! Record protection in the host, where AES-GCM and ChaCha20-Poly1305 run
//! natively, for TLS 1.3 and TLS 1.2 suites alike.
//!
//! The record format stays here: this side builds each record's nonce and
//! additional data and lays out its payload; the host only seals and opens
//! (one call per record, the whole record at once). Traffic keys are
//! derived here and handed to the host when rustls installs them; the host
//! holds them in a resource owned by this connection's instance, gone when
//! the instance is.

use std::cell::Cell;

use rustls::crypto::cipher::{
    self, AeadKey, InboundOpaqueMessage, InboundPlainMessage, Iv, KeyBlockShape, MessageDecrypter,
    MessageEncrypter, Nonce, OutboundChunks, OutboundOpaqueMessage, OutboundPlainMessage,
    PrefixedPayload, Tls12AeadAlgorithm, Tls13AeadAlgorithm, UnsupportedOperationError,
};
use rustls::{CipherSuite, ConnectionTrafficSecrets, ContentType, Error, ProtocolVersion};
use tlsbox_engine::record_rules::protected::InnerPlaintext;

use crate::bindings::tlsbox::tls::crypto::{self as host, AeadAlgorithm};

/// GCM and Poly1305 tags are both 16 bytes.
const TAG_LEN: usize = 16;
/// TLS 1.2 GCM records carry the nonce's last 8 bytes (RFC 5288).
const GCM_EXPLICIT_NONCE_LEN: usize = 8;
/// The largest plaintext a TLS 1.2 record may carry (RFC 5246 §6.2.1); TLS
/// 1.3's limit is checked by rustls once the padding is gone.
const MAX_FRAGMENT_LEN: usize = 16384;

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

impl HostAead {
    /// Hands `key` to the host.
    fn key(&self, key: &AeadKey) -> host::AeadKey {
        host::AeadKey::new(self.algorithm, key.as_ref())
    }

    fn traffic_secrets(&self, key: AeadKey, iv: Iv) -> ConnectionTrafficSecrets {
        match self.algorithm {
            AeadAlgorithm::Aes128Gcm => ConnectionTrafficSecrets::Aes128Gcm { key, iv },
            AeadAlgorithm::Aes256Gcm => ConnectionTrafficSecrets::Aes256Gcm { key, iv },
            AeadAlgorithm::Chacha20Poly1305 => {
                ConnectionTrafficSecrets::Chacha20Poly1305 { key, iv }
            }
        }
    }
}

/// TLS's record header: type, version, length (RFC 8446 §5.1).
const RECORD_HEADER_LEN: usize = 5;

thread_local! {
    /// Set while [`sealing_in_output`] runs.
    static SEAL_IN_OUTPUT: Cell<bool> = const { Cell::new(false) };
}

/// Runs `write`, and while it runs every record sealed is laid out unsealed
/// and its seal planned with the host (`aead-key.seal-in-output`): the host
/// seals the records in place in the output of the guest call running now.
/// The caller must hand over, in that same call, all the output and only
/// it: the records `write` makes, nothing before them.
pub(crate) fn sealing_in_output<R>(write: impl FnOnce() -> R) -> R {
    SEAL_IN_OUTPUT.set(true);
    let result = write();
    SEAL_IN_OUTPUT.set(false);
    result
}

/// Seals `plaintext || suffix` into a fresh payload after `prefix`, or
/// plans the seal (see [`sealing_in_output`]).
///
/// The application's bytes go to the host where rustls holds them (one
/// slice, the usual case), not through a buffer of our own first: on the
/// bulk path every copy of a record costs about as much as sealing it.
fn seal(
    key: &host::AeadKey,
    nonce: &Nonce,
    aad: &[u8],
    prefix: &[u8],
    plaintext: &OutboundChunks<'_>,
    suffix: &[u8],
) -> PrefixedPayload {
    if SEAL_IN_OUTPUT.get() {
        return plan_seal(key, nonce, aad, prefix, plaintext, suffix);
    }
    let sealed = match plaintext {
        OutboundChunks::Single(bytes) => key.seal(&nonce.0, aad, bytes, suffix),
        chunks => key.seal(&nonce.0, aad, &chunks.to_vec(), suffix),
    };
    let mut payload = PrefixedPayload::with_capacity(prefix.len() + sealed.len());
    payload.extend_from_slice(prefix);
    payload.extend_from_slice(&sealed);
    payload
}

/// The record's payload as it will be sent, but with `plaintext || suffix`
/// where the ciphertext goes and zeros where the tag goes; the host seals
/// it in the output. One copy of the application's bytes, the one into the
/// record, where sealing here costs three (out to the host, back, into the
/// record).
fn plan_seal(
    key: &host::AeadKey,
    nonce: &Nonce,
    aad: &[u8],
    prefix: &[u8],
    plaintext: &OutboundChunks<'_>,
    suffix: &[u8],
) -> PrefixedPayload {
    let content_len = plaintext.len() + suffix.len();
    let payload_len = prefix.len() + content_len + TAG_LEN;
    let mut payload = PrefixedPayload::with_capacity(payload_len);
    payload.extend_from_slice(prefix);
    payload.extend_from_chunks(plaintext);
    payload.extend_from_slice(suffix);
    payload.extend_from_slice(&[0; TAG_LEN]);
    // A record is at most 2^14 + 256 bytes of payload: these fit in u32.
    key.seal_in_output(
        &nonce.0,
        aad,
        (RECORD_HEADER_LEN + payload_len) as u32,
        (RECORD_HEADER_LEN + prefix.len()) as u32,
        content_len as u32,
    );
    payload
}

/// Opens `payload[offset..]` into the start of `payload`.
fn open_in_place(
    key: &host::AeadKey,
    nonce: &Nonce,
    aad: &[u8],
    msg: &mut InboundOpaqueMessage<'_>,
    offset: usize,
) -> Result<(), Error> {
    let plain = key
        .open(&nonce.0, aad, &msg.payload[offset..])
        .ok_or(Error::DecryptError)?;
    msg.payload[..plain.len()].copy_from_slice(&plain);
    msg.payload.truncate(plain.len());
    Ok(())
}

// TLS 1.3 (RFC 8446 §5.2): nonce = IV xor seq, additional data = the
// record header, plaintext = content || content type.

impl Tls13AeadAlgorithm for HostAead {
    fn encrypter(&self, key: AeadKey, iv: Iv) -> Box<dyn MessageEncrypter> {
        Box::new(Tls13Sealer {
            key: self.key(&key),
            iv,
        })
    }

    fn decrypter(&self, key: AeadKey, iv: Iv) -> Box<dyn MessageDecrypter> {
        Box::new(Tls13Opener {
            key: self.key(&key),
            iv,
            checks: InnerPlaintext::default(),
        })
    }

    fn key_len(&self) -> usize {
        self.key_len
    }

    fn extract_keys(
        &self,
        key: AeadKey,
        iv: Iv,
    ) -> Result<ConnectionTrafficSecrets, UnsupportedOperationError> {
        Ok(self.traffic_secrets(key, iv))
    }
}

struct Tls13Sealer {
    key: host::AeadKey,
    iv: Iv,
}

impl MessageEncrypter for Tls13Sealer {
    fn encrypt(
        &mut self,
        msg: OutboundPlainMessage<'_>,
        seq: u64,
    ) -> Result<OutboundOpaqueMessage, Error> {
        // The record's content is the payload then its real type.
        let content_len = msg.payload.len() + 1;
        let aad = cipher::make_tls13_aad(content_len + TAG_LEN);
        let nonce = Nonce::new(&self.iv, seq);
        let typ = [u8::from(msg.typ)];
        let payload = seal(&self.key, &nonce, &aad, &[], &msg.payload, &typ);
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

struct Tls13Opener {
    key: host::AeadKey,
    iv: Iv,
    /// The engine's record rules, as the natively built engine's suites
    /// apply them.
    checks: InnerPlaintext,
}

impl MessageDecrypter for Tls13Opener {
    fn decrypt<'a>(
        &mut self,
        mut msg: InboundOpaqueMessage<'a>,
        seq: u64,
    ) -> Result<InboundPlainMessage<'a>, Error> {
        self.checks.before(&msg)?;
        if msg.payload.len() < TAG_LEN {
            return Err(Error::DecryptError);
        }
        let aad = cipher::make_tls13_aad(msg.payload.len());
        let nonce = Nonce::new(&self.iv, seq);
        open_in_place(&self.key, &nonce, &aad, &mut msg, 0)?;
        self.checks.after(msg.into_tls13_unpadded_message())
    }
}

// TLS 1.2: additional data = seq || type || version || plaintext length.
// AES-GCM (RFC 5288): nonce = 4-byte salt || 8 explicit bytes sent in the
// record; ChaCha20-Poly1305 (RFC 7905): nonce = IV xor seq, nothing sent.

/// A TLS 1.2 AEAD whose keys live in the host.
struct Tls12HostAead(&'static HostAead);

static TLS12_AES_128_GCM: Tls12HostAead = Tls12HostAead(&AES_128_GCM);
static TLS12_AES_256_GCM: Tls12HostAead = Tls12HostAead(&AES_256_GCM);
static TLS12_CHACHA20_POLY1305: Tls12HostAead = Tls12HostAead(&CHACHA20_POLY1305);

impl Tls12HostAead {
    fn explicit_nonce_len(&self) -> usize {
        match self.0.algorithm {
            AeadAlgorithm::Chacha20Poly1305 => 0,
            AeadAlgorithm::Aes128Gcm | AeadAlgorithm::Aes256Gcm => GCM_EXPLICIT_NONCE_LEN,
        }
    }

    /// The full 12-byte IV: GCM's salt with the key block's explicit part
    /// as the starting point of the per-record nonces; ChaCha's whole IV.
    fn iv(&self, fixed: &[u8], explicit: &[u8]) -> Iv {
        let mut iv = [0u8; 12];
        let fixed_len = fixed.len().min(12);
        iv[..fixed_len].copy_from_slice(&fixed[..fixed_len]);
        let explicit_len = explicit.len().min(12 - fixed_len);
        iv[fixed_len..fixed_len + explicit_len].copy_from_slice(&explicit[..explicit_len]);
        Iv::new(iv)
    }
}

impl Tls12AeadAlgorithm for Tls12HostAead {
    fn encrypter(&self, key: AeadKey, iv: &[u8], explicit: &[u8]) -> Box<dyn MessageEncrypter> {
        Box::new(Tls12Sealer {
            key: self.0.key(&key),
            iv: self.iv(iv, explicit),
            explicit_nonce_len: self.explicit_nonce_len(),
        })
    }

    fn decrypter(&self, key: AeadKey, iv: &[u8]) -> Box<dyn MessageDecrypter> {
        Box::new(Tls12Opener {
            key: self.0.key(&key),
            iv: self.iv(iv, &[]),
            explicit_nonce_len: self.explicit_nonce_len(),
        })
    }

    fn key_block_shape(&self) -> KeyBlockShape {
        let explicit_nonce_len = self.explicit_nonce_len();
        KeyBlockShape {
            enc_key_len: self.0.key_len,
            fixed_iv_len: 12 - explicit_nonce_len,
            explicit_nonce_len,
        }
    }

    fn extract_keys(
        &self,
        key: AeadKey,
        iv: &[u8],
        explicit: &[u8],
    ) -> Result<ConnectionTrafficSecrets, UnsupportedOperationError> {
        Ok(self.0.traffic_secrets(key, self.iv(iv, explicit)))
    }
}

struct Tls12Sealer {
    key: host::AeadKey,
    iv: Iv,
    explicit_nonce_len: usize,
}

impl MessageEncrypter for Tls12Sealer {
    fn encrypt(
        &mut self,
        msg: OutboundPlainMessage<'_>,
        seq: u64,
    ) -> Result<OutboundOpaqueMessage, Error> {
        let nonce = Nonce::new(&self.iv, seq);
        let aad = cipher::make_tls12_aad(seq, msg.typ, msg.version, msg.payload.len());
        let explicit = &nonce.0[12 - self.explicit_nonce_len..];
        let payload = seal(&self.key, &nonce, &aad, explicit, &msg.payload, &[]);
        Ok(OutboundOpaqueMessage::new(msg.typ, msg.version, payload))
    }

    fn encrypted_payload_len(&self, payload_len: usize) -> usize {
        payload_len + self.explicit_nonce_len + TAG_LEN
    }
}

struct Tls12Opener {
    key: host::AeadKey,
    /// GCM: the salt, zero-padded; ChaCha: the whole IV.
    iv: Iv,
    explicit_nonce_len: usize,
}

impl MessageDecrypter for Tls12Opener {
    fn decrypt<'a>(
        &mut self,
        mut msg: InboundOpaqueMessage<'a>,
        seq: u64,
    ) -> Result<InboundPlainMessage<'a>, Error> {
        let overhead = self.explicit_nonce_len + TAG_LEN;
        if msg.payload.len() < overhead {
            return Err(Error::DecryptError);
        }
        let nonce = if self.explicit_nonce_len == 0 {
            Nonce::new(&self.iv, seq)
        } else {
            let mut nonce = [0u8; 12];
            let fixed = 12 - self.explicit_nonce_len;
            nonce[..fixed].copy_from_slice(&self.iv.as_ref()[..fixed]);
            nonce[fixed..].copy_from_slice(&msg.payload[..self.explicit_nonce_len]);
            Nonce(nonce)
        };
        let aad = cipher::make_tls12_aad(seq, msg.typ, msg.version, msg.payload.len() - overhead);
        open_in_place(&self.key, &nonce, &aad, &mut msg, self.explicit_nonce_len)?;
        if msg.payload.len() > MAX_FRAGMENT_LEN {
            return Err(Error::PeerSentOversizedRecord);
        }
        Ok(msg.into_plain_message())
    }
}

/// The host's AEAD for a TLS 1.3 suite, if it has one.
pub(super) fn tls13_aead(suite: CipherSuite) -> Option<&'static dyn Tls13AeadAlgorithm> {
    Some(match suite {
        CipherSuite::TLS13_AES_128_GCM_SHA256 => &AES_128_GCM,
        CipherSuite::TLS13_AES_256_GCM_SHA384 => &AES_256_GCM,
        CipherSuite::TLS13_CHACHA20_POLY1305_SHA256 => &CHACHA20_POLY1305,
        _ => return None,
    })
}

/// The host's AEAD for a TLS 1.2 suite, if it has one.
pub(super) fn tls12_aead(suite: CipherSuite) -> Option<&'static dyn Tls12AeadAlgorithm> {
    Some(match suite {
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
        | CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 => &TLS12_AES_128_GCM,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
        | CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => &TLS12_AES_256_GCM,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
        | CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => &TLS12_CHACHA20_POLY1305,
        _ => return None,
    })
}
