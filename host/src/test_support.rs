//! What the host's unit tests share: the fixtures as guest credentials,
//! the guest options they connect with, a handshaken stream pair, and
//! sandboxes as endpoints of the engine's `Pair` harness.

use crate::error::Error;
use crate::sandbox::Sandbox;
use crate::stream::CleartextStream;
use crate::wit::{GuestClientOptions, GuestCredentials, GuestServerOptions, GuestTickets};

/// The most encrypted output one step takes from a sandbox.
const STEP_OUTPUT: usize = 64 * 1024;

/// A sandboxed pair as an endpoint of `tlsbox_harness::Pair`, stepped
/// with the guest calls the host's driver makes.
pub(crate) struct SandboxEndpoint {
    /// The sandbox.
    pub(crate) sandbox: Sandbox,
    /// What the guest answered the last input with, not yet transmitted.
    answered: Vec<u8>,
}

impl SandboxEndpoint {
    pub(crate) fn new(sandbox: Sandbox) -> Self {
        Self {
            sandbox,
            answered: Vec::new(),
        }
    }
}

impl tlsbox_harness::Endpoint for SandboxEndpoint {
    fn transmit(&mut self, max: usize) -> Vec<u8> {
        if self.answered.len() > max {
            let rest = self.answered.split_off(max);
            return std::mem::replace(&mut self.answered, rest);
        }
        let mut out = std::mem::take(&mut self.answered);
        let room = (max - out.len()).min(STEP_OUTPUT);
        let step = self.sandbox.pull_encrypted(room).expect("the sandbox runs");
        out.extend_from_slice(&step.encrypted);
        out
    }

    fn receive(&mut self, data: &[u8]) -> usize {
        match self.sandbox.push_encrypted(data, STEP_OUTPUT) {
            Ok(step) => {
                self.answered.extend_from_slice(&step.encrypted);
                step.taken as usize
            }
            // A TLS failure is the pair's, reported by its status.
            Err(Error::Tls(_)) => 0,
            Err(error) => panic!("the sandbox failed: {error}"),
        }
    }
}

/// The text of `fixtures/<name>`.
pub(crate) fn fixture(name: &str) -> String {
    let path = format!("{}/../fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `server` and `client` joined by an in-memory pipe of `buffer` bytes,
/// their handshake done (both must succeed).
pub(crate) async fn handshaken(
    server: Sandbox,
    client: Sandbox,
    buffer: usize,
) -> (
    CleartextStream<tokio::io::DuplexStream>,
    CleartextStream<tokio::io::DuplexStream>,
) {
    let (server_io, client_io) = tokio::io::duplex(buffer);
    let mut server = CleartextStream::new(server_io, server).expect("server stream");
    let mut client = CleartextStream::new(client_io, client).expect("client stream");
    let (served, connected) = tokio::join!(server.handshake(), client.handshake());
    served.expect("server handshake");
    connected.expect("client handshake");
    (server, client)
}

/// agent1's key and certificate (signed by ca1, for `agent1.test`).
pub(crate) fn agent1() -> GuestCredentials {
    GuestCredentials {
        key: Some(fixture("agent1-key.pem")),
        passphrase: None,
        cert: Some(fixture("agent1-cert.pem")),
        cert_chain: Vec::new(),
        ca: Vec::new(),
        ca_certificates: Vec::new(),
        ca_anchors: Vec::new(),
        held_roots: crate::wit::GuestHeldRoots::empty(),
        crl: Vec::new(),
        ocsp_response: None,
    }
}

/// A client's credentials: trusts ca1, no identity of its own.
pub(crate) fn ca1_trust() -> GuestCredentials {
    GuestCredentials {
        key: None,
        passphrase: None,
        cert: None,
        cert_chain: Vec::new(),
        ca: vec![fixture("ca1-cert.pem")],
        ca_certificates: Vec::new(),
        ca_anchors: Vec::new(),
        held_roots: crate::wit::GuestHeldRoots::empty(),
        crl: Vec::new(),
        ocsp_response: None,
    }
}

pub(crate) fn server_options() -> GuestServerOptions {
    GuestServerOptions {
        request_cert: false,
        reject_unauthorized: false,
        alpn_protocols: Vec::new(),
        sni_callback: false,
        alpn_callback: false,
        ocsp_callback: false,
        keylog: false,
        ciphers: None,
        min_version: None,
        max_version: None,
        ecdh_curve: None,
        sigalgs: None,
        tickets: GuestTickets::None,
    }
}

pub(crate) fn client_options() -> GuestClientOptions {
    GuestClientOptions {
        servername: Some("agent1.test".into()),
        check_host: "agent1.test".into(),
        reject_unauthorized: true,
        alpn_protocols: Vec::new(),
        keylog: false,
        ciphers: None,
        min_version: None,
        max_version: None,
        ecdh_curve: None,
        sigalgs: None,
        default_roots: false,
        resume: false,
        request_ocsp: false,
    }
}
