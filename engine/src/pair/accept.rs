//! The server side's start: a server pair waits for the whole ClientHello,
//! then for its caller's decisions where the server has callbacks (the
//! context by SNI name, the ALPN protocol, the OCSP response to staple),
//! then builds the server connection with them.

use std::sync::Arc;

use rustls::server::{Accepted, NoServerSessionStorage};
use rustls::sign::CertifiedKey;
use rustls::{ServerConfig, ServerConnection, SignatureScheme};

use super::fixed_cert::FixedCert;
use super::keylog::KeyLogLines;
use super::{SecurePair, State, protocol_list};
use crate::context::{SecureContext, with_staple};
use crate::error::{Error, ErrorCode};
use crate::node_verifiers::{NodeClientVerifier, SharedVerdict};
use crate::record_rules;
use crate::server::ServerShared;
use crate::tls_error::from_rustls;

/// What a server pair waits for its caller to decide before it answers a
/// ClientHello ([`super::PairStatus::awaiting`]). Each is asked at most
/// once per pair, in this order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Awaiting {
    /// Node's `SNICallback`: the context for this SNI name; answer with
    /// [`SecurePair::supply_context`].
    Context(String),
    /// Node's `ALPNCallback`: one of the client's protocols, or none to
    /// refuse it; answer with [`SecurePair::supply_alpn`].
    Alpn(AlpnOffer),
    /// Node's `OCSPRequest`: the response to staple for this certificate
    /// chain (DER, leaf first); answer with [`SecurePair::supply_ocsp`].
    Ocsp(Vec<Vec<u8>>),
}

/// A ClientHello's ALPN offer, for an ALPN callback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlpnOffer {
    /// The SNI name, if the client sent one.
    pub servername: Option<String>,
    /// The client's protocols, in its order.
    pub protocols: Vec<String>,
}

/// A server pair between its ClientHello and its connection: the
/// decisions made so far (`None`: still to be asked).
pub(crate) struct Hello {
    accepted: Accepted,
    server: Arc<ServerShared>,
    servername: Option<String>,
    /// The client's ALPN protocols, as sent.
    offered_alpn: Vec<Vec<u8>>,
    context: Option<Arc<SecureContext>>,
    /// The ALPN protocols to agree on, in preference order.
    alpn: Option<Vec<Vec<u8>>>,
    /// The OCSP response to staple instead of the context's own: `Some(None)`
    /// keeps the context's.
    ocsp: Option<Option<Vec<u8>>>,
}

impl Hello {
    /// What the server's options leave to its caller for this ClientHello.
    fn new(accepted: Accepted, server: Arc<ServerShared>) -> Self {
        let hello = accepted.client_hello();
        let servername = hello.server_name().map(str::to_string);
        let offered_alpn: Vec<Vec<u8>> = hello
            .alpn()
            .map(|protocols| protocols.map(<[u8]>::to_vec).collect())
            .unwrap_or_default();
        let options = &server.options;
        // Node calls SNICallback only when the client sent a name, and
        // ALPNCallback only when it offered protocols.
        let context = match &servername {
            Some(_) if options.sni_callback => None,
            name => Some(server.context_for(name.as_deref())),
        };
        let alpn = match options.alpn_callback && !offered_alpn.is_empty() {
            true => None,
            false => Some(protocol_list(&options.alpn_protocols)),
        };
        let ocsp = (!options.ocsp_callback).then_some(None);
        Self {
            accepted,
            server,
            servername,
            offered_alpn,
            context,
            alpn,
            ocsp,
        }
    }

    /// The next decision the caller owes, or `None` once all are made.
    fn question(&self) -> Option<Awaiting> {
        let Some(context) = &self.context else {
            // Only a ClientHello with a name leaves the context undecided.
            return Some(Awaiting::Context(
                self.servername.clone().unwrap_or_default(),
            ));
        };
        if self.alpn.is_none() {
            return Some(Awaiting::Alpn(AlpnOffer {
                servername: self.servername.clone(),
                protocols: self
                    .offered_alpn
                    .iter()
                    .map(|p| String::from_utf8_lossy(p).into_owned())
                    .collect(),
            }));
        }
        if self.ocsp.is_none() {
            let chain = context.certificate_chain().iter().map(|c| c.to_vec());
            return Some(Awaiting::Ocsp(chain.collect()));
        }
        None
    }
}

// Alerts a server sends in the clear when it refuses a ClientHello itself,
// before any key exists, for the refusals rustls does not make: an ALPN
// callback's, and a TLS 1.2 ClientHello whose signature schemes leave
// `sigalgs` none for the key, which rustls ends without an alert.
const NO_APPLICATION_PROTOCOL: u8 = 120;
const HANDSHAKE_FAILURE: u8 = 40;

impl SecurePair {
    /// A server-side pair of `server`, waiting for a ClientHello.
    pub(crate) fn accept(server: Arc<ServerShared>) -> Self {
        let request_cert = server.options.request_cert;
        let keylog: Option<Arc<KeyLogLines>> = server.options.keylog.then(Arc::default);
        let state = State::Accepting {
            acceptor: Box::default(),
            server,
        };
        let mut pair = Self::new(state, SharedVerdict::default());
        pair.is_server = true;
        pair.request_cert = request_cert;
        pair.keylog = keylog;
        pair
    }

    pub(super) fn feed_acceptor(&mut self, data: &mut &[u8]) -> Result<(), Error> {
        while !data.is_empty() {
            let State::Accepting { acceptor, .. } = &mut self.state else {
                return Ok(());
            };
            let offered = *data;
            if acceptor.read_tls(data).is_err() {
                // rustls' buffer for a message being joined is full: a
                // ClientHello over its 64 KiB (record headers included).
                return Err(self.refuse_first_flight(record_rules::Refusal::ExcessiveMessage));
            }
            // The first-flight rules see the bytes before rustls reads them.
            self.check_first_flight(&offered[..offered.len() - data.len()])?;
            let State::Accepting { acceptor, server } = &mut self.state else {
                return Ok(());
            };
            match acceptor.accept() {
                Ok(None) => continue,
                Ok(Some(accepted)) => {
                    let hello = Hello::new(accepted, server.clone());
                    self.state = State::Hello(Box::new(hello));
                    return self.answer_hello();
                }
                Err((error, mut alert)) => {
                    let _ = alert.write_all(&mut self.outbox);
                    self.state = State::Dead;
                    return Err(self.fail(from_rustls(&error)));
                }
            }
        }
        Ok(())
    }

    /// The decision a server pair waits for, if any.
    pub(super) fn awaiting(&self) -> Option<Awaiting> {
        match &self.state {
            State::Hello(hello) => hello.question(),
            _ => None,
        }
    }

    /// Builds the server connection once every decision is made; until
    /// then the pair waits ([`Self::awaiting`]).
    fn answer_hello(&mut self) -> Result<(), Error> {
        let State::Hello(hello) = &self.state else {
            return Ok(());
        };
        if let Some(context) = &hello.context {
            self.local_certificate = context.leaf();
        }
        if hello.question().is_some() {
            return Ok(());
        }
        let State::Hello(hello) = std::mem::replace(&mut self.state, State::Dead) else {
            unreachable!("matched above");
        };
        let result = self.start_connection(*hello);
        self.flush();
        result
    }

    /// Builds the server connection for an accepted ClientHello with the
    /// decisions made for it.
    fn start_connection(&mut self, hello: Hello) -> Result<(), Error> {
        let Hello {
            accepted,
            server,
            context,
            alpn,
            ocsp,
            ..
        } = hello;
        // `answer_hello` starts the connection only once the context is
        // decided; a missing one is refused rather than trusted.
        let Some(context) = context else {
            return Err(self.fail(Error::new(
                ErrorCode::ErrTlsInvalidState,
                "no context was decided for this ClientHello",
            )));
        };
        let certified_key = match (context.certified_key.clone(), ocsp.flatten()) {
            (Some(key), Some(response)) => {
                with_staple(&key, response).map(|key| Some(Arc::new(key)))
            }
            (key, _) => Ok(key),
        };
        let sigalgs = crate::sigalgs::select(server.options.sigalgs.as_deref());
        let certified_key = match (certified_key, &sigalgs) {
            (Ok(Some(key)), Ok(Some(allowed))) => {
                let key = crate::sigalgs::restrict(&key, allowed);
                let offered = accepted.client_hello().signature_schemes().to_vec();
                if key.key.choose_scheme(&offered).is_none() {
                    self.outbox
                        .extend_from_slice(&record_rules::fatal_alert(HANDSHAKE_FAILURE));
                    return Err(self.fail(Error::new(
                        ErrorCode::ErrSslNoSuitableSignatureAlgorithm,
                        "no suitable signature algorithm",
                    )));
                }
                Ok(Some(key))
            }
            (key, _) => key,
        };
        let config = certified_key.and_then(|key| {
            server_config(
                &server,
                &context,
                key,
                sigalgs?.as_deref(),
                alpn.unwrap_or_default(),
                self.verdict.clone(),
                self.keylog.clone(),
            )
        });
        let config = match config {
            Ok((config, verifier)) => {
                if server.options.request_cert {
                    self.resumed_peer_check = Some(super::ResumedPeerCheck::Client(verifier));
                }
                config
            }
            Err(error) => return Err(self.fail(error)),
        };
        match accepted.into_connection(config) {
            Ok(connection) => {
                self.state = State::Connected(Box::new(ServerConnection::into(connection)));
                Ok(())
            }
            Err((error, mut alert)) => {
                let _ = alert.write_all(&mut self.outbox);
                Err(self.fail(from_rustls(&error)))
            }
        }
    }

    /// The pair's [`Hello`] when it waits for `question`, else the error
    /// for answering what was not asked.
    fn hello_asking(&mut self, question: &str) -> Result<&mut Hello, Error> {
        let asked = |hello: &Hello| match hello.question() {
            Some(Awaiting::Context(_)) => question == "context",
            Some(Awaiting::Alpn(_)) => question == "ALPN protocol",
            Some(Awaiting::Ocsp(_)) => question == "OCSP response",
            None => false,
        };
        match &mut self.state {
            State::Hello(hello) if asked(hello) => Ok(hello),
            _ => Err(Error::new(
                ErrorCode::ErrTlsInvalidState,
                format!("no {question} is awaited"),
            )),
        }
    }

    /// Answers [`Awaiting::Context`]: the context to serve, or `None` for
    /// what the server's `add_context` table (then its default) gives that
    /// name. The handshake then goes on with the bytes already given.
    pub fn supply_context(&mut self, context: Option<SecureContext>) -> Result<(), Error> {
        let hello = self.hello_asking("context")?;
        let context = match context {
            Some(context) => Arc::new(context),
            None => hello.server.context_for(hello.servername.as_deref()),
        };
        hello.context = Some(context);
        self.answer_hello()
    }

    /// Answers [`Awaiting::Alpn`]: one of the offered protocols, or `None`
    /// to refuse the client with a `no_application_protocol` alert, as Node
    /// does when its `ALPNCallback` returns nothing. A protocol the client
    /// did not offer refuses it too, with
    /// `ERR_TLS_ALPN_CALLBACK_INVALID_RESULT`.
    pub fn supply_alpn(&mut self, protocol: Option<&str>) -> Result<(), Error> {
        let hello = self.hello_asking("ALPN protocol")?;
        let refusal = match protocol {
            Some(protocol) if hello.offered_alpn.iter().any(|p| p == protocol.as_bytes()) => {
                hello.alpn = Some(vec![protocol.as_bytes().to_vec()]);
                return self.answer_hello();
            }
            Some(protocol) => Error::new(
                ErrorCode::ErrTlsAlpnCallbackInvalidResult,
                format!(
                    "ALPN callback returned a value ({protocol:?}) that did not match any of \
                     the client's offered protocols"
                ),
            ),
            None => Error::new(
                ErrorCode::ErrSslNoApplicationProtocol,
                "no application protocol",
            ),
        };
        self.outbox
            .extend_from_slice(&record_rules::fatal_alert(NO_APPLICATION_PROTOCOL));
        self.state = State::Dead;
        Err(self.fail(refusal))
    }

    /// Answers [`Awaiting::Ocsp`]: the OCSP response (DER) to staple for
    /// clients that ask, or `None` for the context's own, if it has one.
    pub fn supply_ocsp(&mut self, response: Option<Vec<u8>>) -> Result<(), Error> {
        let hello = self.hello_asking("OCSP response")?;
        hello.ocsp = Some(response);
        self.answer_hello()
    }
}

/// The server config for one accepted ClientHello: the chosen context's
/// key and trust, this server's client-certificate policy, and the ALPN
/// protocols to agree on.
fn server_config(
    server: &ServerShared,
    context: &SecureContext,
    certified_key: Option<Arc<CertifiedKey>>,
    sigalgs: Option<&[SignatureScheme]>,
    alpn_protocols: Vec<Vec<u8>>,
    verdict: SharedVerdict,
    keylog: Option<Arc<KeyLogLines>>,
) -> Result<(Arc<ServerConfig>, Arc<NodeClientVerifier>), Error> {
    let Some(certified_key) = certified_key else {
        return Err(Error::new(
            ErrorCode::ErrTlsInvalidCredentials,
            "no certificate configured for this server name",
        ));
    };
    let options = &server.options;
    let verifier = Arc::new(NodeClientVerifier {
        schemes: crate::node_verifiers::supported_schemes(sigalgs),
        root_hints: NodeClientVerifier::root_hints(&context.trust),
        trust: context.trust.clone(),
        request_cert: options.request_cert,
        reject_unauthorized: options.reject_unauthorized,
        verdict,
    });
    let provider = crate::provider_for(options.ciphers.as_deref(), options.ecdh_curve.as_deref())?;
    let versions = crate::versions::select(
        options.min_version.as_deref(),
        options.max_version.as_deref(),
    )?;
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&versions)
        .map_err(|e| from_rustls(&e))?
        .with_client_cert_verifier(verifier.clone())
        .with_cert_resolver(Arc::new(FixedCert(certified_key)));
    config.alpn_protocols = alpn_protocols;
    // One instance per connection: a session store inside it would never
    // be reused. What outlives the connection is the caller's ticketer and
    // session store, when it gave them (with host crypto, the host's). A
    // resumed connection's client certificate is verified again
    // (`SecurePair::verify_resumed_peer`).
    config.session_storage = Arc::new(NoServerSessionStorage {});
    config.send_tls13_tickets = 0;
    if let Some(ticketer) = &options.ticketer {
        config.ticketer = ticketer.clone();
        // As OpenSSL (and so Node) sends after a full handshake.
        config.send_tls13_tickets = 2;
    }
    if let Some(store) = &options.session_store {
        config.session_storage = store.clone();
    }
    if let Some(keylog) = keylog {
        config.key_log = keylog;
    }
    Ok((Arc::new(config), verifier))
}
