//! Records made by hand: in the clear ([`plaintext_record`]), and TLS 1.3
//! records sealed and opened with the traffic keys taken
//! out of a rustls connection after its handshake: for peers that send
//! what no TLS library would (the fuzz harness's `protected` target, the
//! record-layer tests), and read what the other end answers.

use rustls::crypto::cipher::{
    InboundOpaqueMessage, MessageDecrypter, MessageEncrypter, OutboundPlainMessage,
};
use rustls::crypto::ring::cipher_suite;
use rustls::{ConnectionTrafficSecrets, ContentType, ExtractedSecrets, ProtocolVersion};

/// One record in the clear: type, legacy version 0x0303, a 16-bit
/// length, then `body`.
pub fn plaintext_record(content_type: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![content_type, 3, 3];
    out.extend_from_slice(&(body.len() as u16).to_be_bytes());
    out.extend_from_slice(body);
    out
}

/// rustls' ring provider with TLS_AES_128_GCM_SHA256 alone: what both ends
/// of a connection whose keys [`RecordKeys`] takes must offer.
pub fn aes_128_gcm_provider() -> rustls::crypto::CryptoProvider {
    let mut provider = rustls::crypto::ring::default_provider();
    provider.cipher_suites = vec![cipher_suite::TLS13_AES_128_GCM_SHA256];
    provider
}

/// One end's record keys and sequence numbers, both ways.
pub struct RecordKeys {
    sealer: Box<dyn MessageEncrypter>,
    write_seq: u64,
    opener: Box<dyn MessageDecrypter>,
    read_seq: u64,
}

impl RecordKeys {
    /// The keys rustls' `dangerous_extract_secrets` gave for a TLS 1.3
    /// connection with TLS_AES_128_GCM_SHA256 ([`aes_128_gcm_provider`]).
    pub fn new(secrets: ExtractedSecrets) -> Self {
        let rustls::SupportedCipherSuite::Tls13(suite) = cipher_suite::TLS13_AES_128_GCM_SHA256
        else {
            unreachable!("a TLS 1.3 suite");
        };
        let (write_seq, ConnectionTrafficSecrets::Aes128Gcm { key, iv }) = secrets.tx else {
            panic!("only AES-128-GCM is offered");
        };
        let sealer = suite.aead_alg.encrypter(key, iv);
        let (read_seq, ConnectionTrafficSecrets::Aes128Gcm { key, iv }) = secrets.rx else {
            panic!("only AES-128-GCM is offered");
        };
        let opener = suite.aead_alg.decrypter(key, iv);
        Self {
            sealer,
            write_seq,
            opener,
            read_seq,
        }
    }

    /// One protected record whose TLSInnerPlaintext is exactly `inner`,
    /// whatever it holds (normally content, its real type, then zeros; an
    /// empty one is sealed as a single zero: padding alone), using up the
    /// next sequence number.
    pub fn seal(&mut self, inner: &[u8]) -> Vec<u8> {
        // rustls' sealer writes payload || type: passing the last byte as
        // the "type" seals exactly `inner`.
        let (last, content) = inner.split_last().unwrap_or((&0, &[]));
        let message = OutboundPlainMessage {
            typ: ContentType::from(*last),
            version: ProtocolVersion::TLSv1_2,
            payload: content.into(),
        };
        let sealed = self.sealer.encrypt(message, self.write_seq).expect("seal");
        self.write_seq += 1;
        sealed.encode()
    }

    /// Opens one protected record's `body` received from the other end:
    /// its inner content type and content.
    pub fn open(&mut self, body: &mut [u8]) -> (ContentType, Vec<u8>) {
        let message =
            InboundOpaqueMessage::new(ContentType::ApplicationData, ProtocolVersion::TLSv1_2, body);
        let plain = self
            .opener
            .decrypt(message, self.read_seq)
            .expect("the record opens with the other end's traffic key");
        self.read_seq += 1;
        (plain.typ, plain.payload.to_vec())
    }
}
