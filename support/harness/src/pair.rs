//! Two endpoints of a TLS connection linked buffer to buffer, with no
//! transport between them: what each sends is what the other receives, in
//! steps the test controls (quinn-proto's `Pair`, for tlsbox's pairs).

use tlsbox_engine::pair::SecurePair;

/// The most steps [`Pair::drive`] takes before it decides the endpoints
/// will never fall quiet: a handshake takes a handful.
const MAX_STEPS: usize = 100;

/// One end of a connection as the harness sees it: encrypted bytes out and
/// in. The harness moves bytes and does not judge: an endpoint that fails
/// reports it through its own status, and takes no more.
pub trait Endpoint {
    /// Up to `max` encrypted bytes for the peer.
    fn transmit(&mut self, max: usize) -> Vec<u8>;

    /// Encrypted bytes from the peer; how many it took.
    fn receive(&mut self, data: &[u8]) -> usize;
}

impl Endpoint for SecurePair {
    fn transmit(&mut self, max: usize) -> Vec<u8> {
        self.read_encrypted(max)
    }

    fn receive(&mut self, data: &[u8]) -> usize {
        // A failure is sticky and shows in `status().failed`.
        self.write_encrypted(data).unwrap_or(0)
    }
}

/// A plain rustls client, for what the engine's pairs do not do (keep a
/// session and resume it).
impl Endpoint for rustls::ClientConnection {
    fn transmit(&mut self, max: usize) -> Vec<u8> {
        let mut out = Vec::new();
        while self.wants_write() && out.len() < max {
            if self.write_tls(&mut out).is_err() {
                break;
            }
        }
        out
    }

    fn receive(&mut self, data: &[u8]) -> usize {
        let mut input = data;
        let Ok(taken) = self.read_tls(&mut input) else {
            return 0;
        };
        // A failure shows in the connection's later calls; the harness
        // only moves bytes.
        let _ = self.process_new_packets();
        taken
    }
}

/// An endpoint borrowed: a test links its own pairs for a while and keeps
/// them afterwards.
impl<E: Endpoint + ?Sized> Endpoint for &mut E {
    fn transmit(&mut self, max: usize) -> Vec<u8> {
        (**self).transmit(max)
    }

    fn receive(&mut self, data: &[u8]) -> usize {
        (**self).receive(data)
    }
}

/// A client and a server linked buffer to buffer.
pub struct Pair<C, S> {
    /// The client endpoint.
    pub client: C,
    /// The server endpoint.
    pub server: S,
    /// Sent by the client, not yet taken by the server.
    to_server: Vec<u8>,
    /// Sent by the server, not yet taken by the client.
    to_client: Vec<u8>,
    /// Everything the client has sent, in order.
    client_sent: Vec<u8>,
    /// Everything the server has sent, in order.
    server_sent: Vec<u8>,
    /// The most bytes one endpoint sends in one step.
    transmit_limit: usize,
}

impl<C: Endpoint, S: Endpoint> Pair<C, S> {
    /// `client` and `server`, linked, nothing in flight.
    pub fn new(client: C, server: S) -> Self {
        Self {
            client,
            server,
            to_server: Vec::new(),
            to_client: Vec::new(),
            client_sent: Vec::new(),
            server_sent: Vec::new(),
            transmit_limit: usize::MAX,
        }
    }

    /// Each endpoint sends at most `limit` bytes per step: flights arrive
    /// cut at arbitrary points, as a slow network delivers them.
    pub fn with_transmit_limit(mut self, limit: usize) -> Self {
        self.transmit_limit = limit.max(1);
        self
    }

    /// One step: each endpoint sends what it has (up to the limit), then
    /// each takes what it will of what the other sent. Returns the bytes
    /// that moved, sent and taken: 0 once the pair is quiet.
    pub fn step(&mut self) -> usize {
        let from_client = self.client.transmit(self.transmit_limit);
        let from_server = self.server.transmit(self.transmit_limit);
        let mut moved = from_client.len() + from_server.len();
        self.to_server.extend_from_slice(&from_client);
        self.to_client.extend_from_slice(&from_server);
        self.client_sent.extend_from_slice(&from_client);
        self.server_sent.extend_from_slice(&from_server);
        if !self.to_server.is_empty() {
            let taken = self.server.receive(&self.to_server);
            self.to_server.drain(..taken);
            moved += taken;
        }
        if !self.to_client.is_empty() {
            let taken = self.client.receive(&self.to_client);
            self.to_client.drain(..taken);
            moved += taken;
        }
        moved
    }

    /// Steps until nothing moves; how many steps moved something. Panics
    /// when the endpoints are still talking after a hundred steps.
    pub fn drive(&mut self) -> usize {
        for steps in 0..MAX_STEPS {
            if self.step() == 0 {
                return steps;
            }
        }
        panic!("the endpoints kept talking after {MAX_STEPS} steps");
    }

    /// Everything the client has sent so far (its flights, as the wire
    /// carries them).
    pub fn sent_by_client(&self) -> &[u8] {
        &self.client_sent
    }

    /// Everything the server has sent so far.
    pub fn sent_by_server(&self) -> &[u8] {
        &self.server_sent
    }

    /// Bytes in flight that their receiver has not taken: (to the server,
    /// to the client).
    pub fn in_flight(&self) -> (usize, usize) {
        (self.to_server.len(), self.to_client.len())
    }
}
