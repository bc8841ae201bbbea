//! Raw TLS bytes built by hand, for peers that misbehave on purpose, and a
//! small deterministic random source. No TLS library is involved: what goes
//! on the wire is exactly what these functions write.

/// Record content types.
pub const HANDSHAKE: u8 = 22;
/// Record content type of an alert.
pub const ALERT: u8 = 21;
/// Record content type of application data.
pub const APPLICATION_DATA: u8 = 23;

/// The largest plaintext fragment a record may carry (RFC 8446 §5.1).
pub const MAX_FRAGMENT: usize = 1 << 14;

/// One record: type, legacy version 0x0303, a 16-bit length, then `body`
/// (whatever its length: callers make oversized records on purpose).
pub fn record(content_type: u8, body: &[u8]) -> Vec<u8> {
    record_claiming(content_type, body.len() as u16, body)
}

/// A record header claiming `length` bytes, followed by `body`.
pub fn record_claiming(content_type: u8, length: u16, body: &[u8]) -> Vec<u8> {
    let mut out = tlsbox_harness::sealing::plaintext_record(content_type, &[]);
    out[3..5].copy_from_slice(&length.to_be_bytes());
    out.extend_from_slice(body);
    out
}

/// A handshake message split into as many records as it takes.
pub fn handshake_records(message: &[u8]) -> Vec<u8> {
    message
        .chunks(MAX_FRAGMENT)
        .flat_map(|fragment| record(HANDSHAKE, fragment))
        .collect()
}

/// A handshake message: type, 24-bit length, body.
pub fn handshake_message(message_type: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![message_type];
    out.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    out.extend_from_slice(body);
    out
}

fn u16_prefixed(body: &[u8]) -> Vec<u8> {
    let mut out = (body.len() as u16).to_be_bytes().to_vec();
    out.extend_from_slice(body);
    out
}

fn extension(kind: u16, body: &[u8]) -> Vec<u8> {
    let mut out = kind.to_be_bytes().to_vec();
    out.extend_from_slice(&u16_prefixed(body));
    out
}

/// A TLS 1.3 ClientHello that a server can answer (x25519 key share, RSA
/// and ECDSA signature schemes, AES-GCM suites), carrying `extra_extensions`
/// more extensions of unknown types, each empty. The x25519 share is 32
/// arbitrary bytes: every 32-byte string is a valid x25519 public key.
pub fn client_hello(extra_extensions: usize) -> Vec<u8> {
    client_hello_with(extra_extensions, None, 0)
}

/// A well-formed ClientHello of exactly `size` bytes (its 4-byte header
/// included): [`client_hello`] with a padding extension (RFC 7685) and,
/// past what one extension block holds, unassigned cipher suites.
pub fn client_hello_of_size(size: usize) -> Vec<u8> {
    let base = client_hello_with(0, Some(0), 0).len();
    let extra = size.checked_sub(base).expect("a ClientHello this small");
    // Suites come in pairs of bytes; padding takes the rest.
    let suite_bytes = extra.saturating_sub(60_000).next_multiple_of(2);
    let hello = client_hello_with(0, Some(extra - suite_bytes), suite_bytes / 2);
    assert_eq!(hello.len(), size);
    hello
}

fn client_hello_with(
    extra_extensions: usize,
    padding: Option<usize>,
    extra_suites: usize,
) -> Vec<u8> {
    let mut rng = Rng::new(0x5eed);
    let mut body = vec![0x03, 0x03];
    body.extend_from_slice(&rng.bytes(32)); // random
    body.push(32);
    body.extend_from_slice(&rng.bytes(32)); // legacy session id
    let mut suites = vec![0x13, 0x01, 0x13, 0x02];
    for _ in 0..extra_suites {
        // A GREASE value (RFC 8701): reserved so that servers ignore it.
        suites.extend_from_slice(&[0x0a, 0x0a]);
    }
    body.extend_from_slice(&u16_prefixed(&suites)); // cipher suites
    body.extend_from_slice(&[1, 0]); // null compression
    let mut extensions = Vec::new();
    extensions.extend(extension(0x000a, &u16_prefixed(&[0x00, 0x1d]))); // groups: x25519
    extensions.extend(extension(
        0x000d,
        &u16_prefixed(&[0x08, 0x04, 0x04, 0x01, 0x04, 0x03]), // rsa_pss, rsa_pkcs1, ecdsa
    ));
    extensions.extend(extension(0x002b, &[2, 0x03, 0x04])); // supported versions: 1.3
    let mut share = vec![0x00, 0x1d];
    share.extend_from_slice(&u16_prefixed(&rng.bytes(32)));
    extensions.extend(extension(0x0033, &u16_prefixed(&share))); // key share
    for i in 0..extra_extensions {
        // 0x5000.. is unassigned: a server must ignore what it does not know.
        extensions.extend(extension(0x5000 + i as u16, &[]));
    }
    if let Some(padding) = padding {
        extensions.extend(extension(0x0015, &vec![0; padding]));
    }
    body.extend_from_slice(&u16_prefixed(&extensions));
    handshake_message(1, &body)
}

/// Whether `bytes` start with a record carrying a ServerHello.
pub fn is_server_hello(bytes: &[u8]) -> bool {
    bytes.len() >= 6 && bytes[0] == HANDSHAKE && bytes[1] == 0x03 && bytes[5] == 2
}

/// A xorshift generator: reproducible junk for tests, never for keys.
pub struct Rng(u64);

impl Rng {
    /// A generator starting from `seed` (any value but zero works).
    pub fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number in `low..=high`.
    pub fn range(&mut self, low: usize, high: usize) -> usize {
        low + (self.next_u64() % (high - low + 1) as u64) as usize
    }

    /// `n` random bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(n + 8);
        while out.len() < n {
            out.extend_from_slice(&self.next_u64().to_le_bytes());
        }
        out.truncate(n);
        out
    }
}
