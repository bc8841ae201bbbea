//! tlsbox's TLS engine as a WebAssembly component.
//!
//! The component exports the `tlsbox:tls/tls` interface (see `wit/`) and
//! imports nothing but what the Rust standard library needs from WASI: the
//! clocks (certificate validity) and randomness (key exchange). It opens no
//! socket and no file, and never blocks: its host moves encrypted bytes
//! between each secure pair and the network.
//!
//! This crate only translates between WIT types and `tlsbox-engine`, where
//! the TLS logic lives.
#![deny(unsafe_code)]

mod bindings;
mod convert;
#[cfg(feature = "host-crypto")]
mod host_crypto;

/// Makes sure the engine builds its configs from this build's provider.
fn use_provider() {
    #[cfg(feature = "host-crypto")]
    host_crypto::install();
}

/// The store of TLS 1.2 sessions by ID `tickets` asks for: the host's, in
/// the build with host crypto.
fn session_store(
    tickets: &tls::Tickets,
) -> Option<std::sync::Arc<dyn rustls::server::StoresServerSessions>> {
    match tickets {
        #[cfg(feature = "host-crypto")]
        tls::Tickets::Host => Some(std::sync::Arc::new(host_crypto::ticketer::HostSessionStore)),
        _ => None,
    }
}

/// The ticketer `tickets` asks for, when this build has it: the host's
/// with host crypto, one over the handed keys in the self-contained build
/// (which has ring). Asked for the other build's, a server issues none.
fn ticketer(tickets: tls::Tickets) -> Option<std::sync::Arc<dyn rustls::server::ProducesTickets>> {
    match tickets {
        #[cfg(feature = "host-crypto")]
        tls::Tickets::Host => Some(std::sync::Arc::new(host_crypto::ticketer::HostTicketer)),
        #[cfg(feature = "self-contained")]
        tls::Tickets::Keys((keys, lifetime)) => {
            let keys = keys
                .iter()
                .filter_map(|keys| tlsbox_engine::tickets::TicketKeys::from_slice(keys))
                .collect();
            let ticketer = tlsbox_engine::tickets::KeyedTicketer::new(keys, lifetime)?;
            Some(std::sync::Arc::new(ticketer))
        }
        _ => None,
    }
}

/// The client sessions this instance keeps, for the pairs made with
/// `resume`: one per instance, so that a host making several client pairs
/// in one instance resumes them.
fn client_sessions() -> std::sync::Arc<tlsbox_engine::pair::ClientSessions> {
    static SESSIONS: std::sync::OnceLock<std::sync::Arc<tlsbox_engine::pair::ClientSessions>> =
        std::sync::OnceLock::new();
    SESSIONS.get_or_init(Default::default).clone()
}

use std::cell::RefCell;

use bindings::exports::tlsbox::tls::tls;
use bindings::tlsbox::tls::types;

/// The component's implementation of the `tls` interface.
struct Component;

impl tls::Guest for Component {
    type SecureContext = Context;
    type Server = Server;
    type SecurePair = Pair;
}

/// A `secure-context` resource.
struct Context(RefCell<Option<tlsbox_engine::context::SecureContext>>);

impl Context {
    /// Takes the engine context out of an owned handle.
    fn take(
        handle: tls::SecureContext,
    ) -> Result<tlsbox_engine::context::SecureContext, types::Error> {
        handle
            .into_inner::<Context>()
            .0
            .into_inner()
            .ok_or_else(|| convert::invalid_state("secure context already used"))
    }
}

impl tls::GuestSecureContext for Context {
    fn create(credentials: types::Credentials) -> Result<tls::SecureContext, types::Error> {
        use_provider();
        let context =
            tlsbox_engine::context::SecureContext::new(&convert::credentials(credentials))
                .map_err(convert::error)?;
        Ok(tls::SecureContext::new(Context(RefCell::new(Some(
            context,
        )))))
    }
}

/// A `server` resource.
struct Server(RefCell<tlsbox_engine::server::Server>);

impl tls::GuestServer for Server {
    fn new(default_context: tls::SecureContext, options: tls::ServerOptions) -> Self {
        use_provider();
        let context = default_context
            .into_inner::<Context>()
            .0
            .into_inner()
            .expect("a fresh secure-context handle holds its context");
        Server(RefCell::new(tlsbox_engine::server::Server::new(
            context,
            convert::server_options(options),
        )))
    }

    fn add_context(
        &self,
        pattern: String,
        context: tls::SecureContext,
    ) -> Result<(), types::Error> {
        let context = Context::take(context)?;
        self.0
            .borrow_mut()
            .add_context(&pattern, context)
            .map_err(convert::error)
    }

    fn accept(&self) -> tls::SecurePair {
        tls::SecurePair::new(Pair(RefCell::new(self.0.borrow().accept())))
    }
}

/// The output and status that end every driver step.
fn step(pair: &mut tlsbox_engine::pair::SecurePair, taken: usize, max_out: u32) -> tls::Step {
    let encrypted = if max_out > 0 {
        pair.read_encrypted(max_out as usize)
    } else {
        Vec::new()
    };
    tls::Step {
        taken: convert::len(taken),
        encrypted,
        status: convert::status(pair.status()),
    }
}

/// Whether `push-cleartext` may plan its records' seals with the host: the
/// pair has no other output waiting, so this call's output is exactly the
/// records of `len` bytes, and `max_out` leaves room for all of them (each
/// record adds at most 64 bytes, a key update one record more; records
/// carry up to 16 KiB, as the engine sets no smaller `max_fragment_size`).
/// Output past `max_out` would stop the guest, not spill.
#[cfg(feature = "host-crypto")]
fn hands_over_whole_output(
    pair: &tlsbox_engine::pair::SecurePair,
    len: usize,
    max_out: u32,
) -> bool {
    const RECORD_CONTENT: usize = 16 * 1024;
    const MOST_OVERHEAD: usize = 64;
    let most_output = len + (len / RECORD_CONTENT + 2) * MOST_OVERHEAD + 256;
    pair.is_quiet() && most_output <= max_out as usize
}

/// A `secure-pair` resource.
struct Pair(RefCell<tlsbox_engine::pair::SecurePair>);

impl tls::GuestSecurePair for Pair {
    fn connect(
        context: tls::SecureContextBorrow<'_>,
        options: tls::ClientOptions,
    ) -> Result<tls::SecurePair, types::Error> {
        use_provider();
        let context = context.get::<Context>().0.borrow();
        let context = context
            .as_ref()
            .ok_or_else(|| convert::invalid_state("secure context already used"))?;
        let pair =
            tlsbox_engine::pair::SecurePair::connect(context, &convert::client_options(options))
                .map_err(convert::error)?;
        Ok(tls::SecurePair::new(Pair(RefCell::new(pair))))
    }

    fn connect_with(
        credentials: types::Credentials,
        options: tls::ClientOptions,
    ) -> Result<tls::SecurePair, types::Error> {
        use_provider();
        let context =
            tlsbox_engine::context::SecureContext::new(&convert::credentials(credentials))
                .map_err(convert::error)?;
        let pair =
            tlsbox_engine::pair::SecurePair::connect(&context, &convert::client_options(options))
                .map_err(convert::error)?;
        Ok(tls::SecurePair::new(Pair(RefCell::new(pair))))
    }

    fn accept_with(
        default_credentials: types::Credentials,
        contexts: Vec<tls::SniCredentials>,
        options: tls::ServerOptions,
    ) -> Result<tls::SecurePair, types::Error> {
        use_provider();
        let context = |credentials| {
            tlsbox_engine::context::SecureContext::new(&convert::credentials(credentials))
                .map_err(convert::error)
        };
        let mut server = tlsbox_engine::server::Server::new(
            context(default_credentials)?,
            convert::server_options(options),
        );
        for sni in contexts {
            server
                .add_context(&sni.pattern, context(sni.credentials)?)
                .map_err(convert::error)?;
        }
        Ok(tls::SecurePair::new(Pair(RefCell::new(server.accept()))))
    }

    fn write_encrypted(&self, data: Vec<u8>) -> Result<u32, types::Error> {
        let taken = self
            .0
            .borrow_mut()
            .write_encrypted(&data)
            .map_err(convert::error)?;
        Ok(convert::len(taken))
    }

    fn read_encrypted(&self, max: u32) -> Vec<u8> {
        self.0.borrow_mut().read_encrypted(max as usize)
    }

    fn write_cleartext(&self, data: Vec<u8>) -> Result<u32, types::Error> {
        let taken = self
            .0
            .borrow_mut()
            .write_cleartext(&data)
            .map_err(convert::error)?;
        Ok(convert::len(taken))
    }

    fn read_cleartext(&self, max: u32) -> Vec<u8> {
        self.0.borrow_mut().read_cleartext(max as usize)
    }

    fn supply_context(&self, context: Option<tls::SecureContext>) -> Result<(), types::Error> {
        let context = context.map(Context::take).transpose()?;
        self.0
            .borrow_mut()
            .supply_context(context)
            .map_err(convert::error)
    }

    fn supply_alpn(&self, protocol: Option<String>) -> Result<(), types::Error> {
        self.0
            .borrow_mut()
            .supply_alpn(protocol.as_deref())
            .map_err(convert::error)
    }

    fn supply_ocsp(&self, response: Option<Vec<u8>>) -> Result<(), types::Error> {
        self.0
            .borrow_mut()
            .supply_ocsp(response)
            .map_err(convert::error)
    }

    fn end(&self, max_out: u32) -> tls::Step {
        let mut pair = self.0.borrow_mut();
        pair.end();
        step(&mut pair, 0, max_out)
    }

    fn status(&self) -> tls::PairStatus {
        convert::status(self.0.borrow().status())
    }

    fn push_encrypted(&self, data: Vec<u8>, max_out: u32) -> Result<tls::Step, types::Error> {
        let mut pair = self.0.borrow_mut();
        let taken = pair.write_encrypted(&data).map_err(convert::error)?;
        Ok(step(&mut pair, taken, max_out))
    }

    fn push_cleartext(&self, data: Vec<u8>, max_out: u32) -> Result<tls::Step, types::Error> {
        let mut pair = self.0.borrow_mut();
        #[cfg(feature = "host-crypto")]
        if hands_over_whole_output(&pair, data.len(), max_out) {
            // The bulk path: the records go to the host as rustls made
            // them, unsealed, and the host seals them in its copy of this
            // very call's output, which is why all of it goes now.
            let mut output = host_crypto::output::HostOutput;
            let taken = host_crypto::record::sealing_in_output(|| {
                pair.write_cleartext_to(&data, &mut output)
            })
            .map_err(convert::error)?;
            return Ok(step(&mut pair, taken, u32::MAX));
        }
        let taken = pair.write_cleartext(&data).map_err(convert::error)?;
        Ok(step(&mut pair, taken, max_out))
    }

    fn pull_encrypted(&self, max: u32) -> tls::Step {
        step(&mut self.0.borrow_mut(), 0, max)
    }

    fn pull_cleartext(&self, max: u32) -> (Vec<u8>, tls::PairStatus) {
        let mut pair = self.0.borrow_mut();
        // With host crypto the cleartext goes to the host from where rustls
        // holds it (`output.deliver`), not copied into a list to return.
        #[cfg(feature = "host-crypto")]
        let data = {
            pair.read_cleartext_to(max as usize, &mut host_crypto::output::deliver);
            Vec::new()
        };
        #[cfg(not(feature = "host-crypto"))]
        let data = pair.read_cleartext(max as usize);
        (data, convert::status(pair.status()))
    }

    fn facts(&self) -> tls::ConnectionFacts {
        convert::facts(&self.0.borrow())
    }

    fn export_keying_material(
        &self,
        length: u32,
        label: String,
        context: Option<Vec<u8>>,
    ) -> Result<Vec<u8>, types::Error> {
        self.0
            .borrow()
            .export_keying_material(length as usize, &label, context.as_deref())
            .map_err(convert::error)
    }

    fn peer_certificate_chain(&self) -> Vec<types::PeerCertificate> {
        self.0
            .borrow()
            .peer_certificate_chain()
            .into_iter()
            .map(convert::peer_certificate)
            .collect()
    }

    fn local_certificate(&self) -> Option<types::PeerCertificate> {
        self.0
            .borrow()
            .local_certificate()
            .map(convert::peer_certificate)
    }

    fn take_keylog(&self) -> Vec<String> {
        self.0.borrow_mut().take_keylog()
    }
}
