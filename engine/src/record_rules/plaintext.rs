//! The peer's records in the clear, up to its first whole handshake
//! message: what rustls would take there and RFC 8446 does not.
//!
//! rustls takes plaintext records up to TLS 1.2's ciphertext limit
//! (2^14 + 2048) where §5.1 allows 2^14, and ends the handshake without an
//! alert on change_cipher_spec or application data before a ClientHello,
//! on a record of another type inside a fragmented ClientHello, and on a
//! ClientHello over its 64 KiB limit. Bytes that do not look like TLS at
//! all (a version other than 3.x) are left to rustls, which reports them
//! as OpenSSL does: "wrong version number".

use super::Refusal;
use super::protected::HandshakeFraming;

/// The longest plaintext fragment a record may carry (§5.1).
pub const MAX_PLAINTEXT: usize = 1 << 14;
/// The longest handshake message the engine takes: rustls' limit.
pub const MAX_HANDSHAKE_MESSAGE: usize = 0xffff;

const CHANGE_CIPHER_SPEC: u8 = 20;
const ALERT: u8 = 21;
const HANDSHAKE: u8 = 22;
const APPLICATION_DATA: u8 = 23;

/// Reads the peer's first flight, record by record, as its bytes arrive.
#[derive(Debug, Default)]
pub struct FirstFlight {
    /// The current record's header, while it is incomplete.
    header: Vec<u8>,
    /// The type of the record being read and the bytes of it still to come.
    record: Option<(u8, usize)>,
    handshake: HandshakeFraming,
    /// The first handshake message is whole (or the bytes are not TLS):
    /// rustls alone reads the rest.
    done: bool,
}

impl FirstFlight {
    /// Nothing read yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether it has stopped reading: the first message is whole.
    pub fn done(&self) -> bool {
        self.done
    }

    /// Reads `bytes`, the next ones from the peer. The first rule broken
    /// is the refusal; the pair sends its alert and fails.
    pub fn read(&mut self, mut bytes: &[u8]) -> Result<(), Refusal> {
        while !bytes.is_empty() && !self.done {
            match self.record {
                None => {
                    let wanted = 5 - self.header.len();
                    let (head, rest) = bytes.split_at(wanted.min(bytes.len()));
                    self.header.extend_from_slice(head);
                    bytes = rest;
                    if self.header.len() == 5 {
                        self.start_record()?;
                    }
                }
                Some((kind, remaining)) => {
                    let (body, rest) = bytes.split_at(remaining.min(bytes.len()));
                    bytes = rest;
                    let remaining = remaining - body.len();
                    self.record = (remaining > 0).then_some((kind, remaining));
                    if kind == HANDSHAKE {
                        self.read_handshake(body)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Checks a record's header, the moment it is whole.
    fn start_record(&mut self) -> Result<(), Refusal> {
        let header = std::mem::take(&mut self.header);
        let kind = header[0];
        let length = usize::from(u16::from_be_bytes([header[3], header[4]]));
        if header[1] != 3 {
            // Not TLS: rustls says "wrong version number", as OpenSSL.
            self.done = true;
            return Ok(());
        }
        if length > MAX_PLAINTEXT {
            return Err(Refusal::OversizedRecord);
        }
        match kind {
            HANDSHAKE if length == 0 => return Err(Refusal::EmptyHandshake),
            HANDSHAKE => {}
            CHANGE_CIPHER_SPEC | APPLICATION_DATA => return Err(Refusal::BeforeHandshake(kind)),
            ALERT if !self.handshake.aligned() => return Err(Refusal::Interleaved(kind)),
            // An alert between messages is rustls' to read.
            ALERT => {}
            other => return Err(Refusal::UnknownRecordType(other)),
        }
        self.record = (length > 0).then_some((kind, length));
        Ok(())
    }

    fn read_handshake(&mut self, body: &[u8]) -> Result<(), Refusal> {
        let completed = self.handshake.read(body)?;
        if completed > 0 {
            self.done = true;
        }
        Ok(())
    }
}
