//! The server side's start: a server pair waits for the whole ClientHello,
//! picks its context (by SNI name from the server's table, or from its
//! caller when the server has an SNI callback), then builds the server
//! connection with that context's config.

use std::sync::Arc;

use rustls::server::{Accepted, NoServerSessionStorage};
use rustls::{ServerConfig, ServerConnection};

use super::fixed_cert::FixedCert;
use super::keylog::KeyLogLines;
use super::{SecurePair, State, protocol_list};
use crate::context::SecureContext;
use crate::error::{Error, ErrorCode};
use crate::node_verifiers::{NodeClientVerifier, SharedVerdict};
use crate::server::ServerShared;
use crate::tls_error::from_rustls;

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
        let State::Accepting { acceptor, server } = &mut self.state else {
            return Ok(());
        };
        while !data.is_empty() {
            if acceptor.read_tls(data).is_err() {
                let error = Error::new(ErrorCode::ErrSslProtocolError, "ClientHello too large");
                self.state = State::Dead;
                return Err(self.fail(error));
            }
            match acceptor.accept() {
                Ok(None) => continue,
                Ok(Some(accepted)) => {
                    let server = server.clone();
                    let servername = accepted.client_hello().server_name().map(str::to_string);
                    return match servername {
                        // Node calls SNICallback only when the client sent a name.
                        Some(servername) if server.options.sni_callback => {
                            self.state = State::AwaitingContext {
                                accepted: Box::new(accepted),
                                server,
                                servername,
                            };
                            Ok(())
                        }
                        servername => {
                            let context = server.context_for(servername.as_deref());
                            self.start_connection(accepted, &server, context)
                        }
                    };
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

    /// Builds the server connection for an accepted ClientHello with `context`.
    fn start_connection(
        &mut self,
        accepted: Accepted,
        server: &ServerShared,
        context: Arc<SecureContext>,
    ) -> Result<(), Error> {
        self.local_certificate = context.leaf();
        let config = match server_config(server, context, self.verdict.clone(), self.keylog.clone())
        {
            Ok((config, verifier)) => {
                if server.options.request_cert {
                    self.resumed_peer_check = Some(super::ResumedPeerCheck::Client(verifier));
                }
                config
            }
            Err(error) => {
                self.state = State::Dead;
                return Err(self.fail(error));
            }
        };
        match accepted.into_connection(config) {
            Ok(connection) => {
                self.state = State::Connected(Box::new(ServerConnection::into(connection)));
                Ok(())
            }
            Err((error, mut alert)) => {
                let _ = alert.write_all(&mut self.outbox);
                self.state = State::Dead;
                Err(self.fail(from_rustls(&error)))
            }
        }
    }

    /// Answers [`PairStatus::awaiting_context`]: the context to serve, or
    /// `None` for what the server's `add_context` table (then its default)
    /// gives that name. The handshake then goes on with the bytes already
    /// given; call [`Self::write_encrypted`] with nothing to move it along.
    ///
    /// [`PairStatus::awaiting_context`]: super::PairStatus::awaiting_context
    pub fn supply_context(&mut self, context: Option<SecureContext>) -> Result<(), Error> {
        let state = std::mem::replace(&mut self.state, State::Dead);
        let State::AwaitingContext {
            accepted,
            server,
            servername,
        } = state
        else {
            self.state = state;
            return Err(Error::new(
                ErrorCode::ErrTlsInvalidState,
                "no SNI context is awaited",
            ));
        };
        let context = match context {
            Some(context) => Arc::new(context),
            None => server.context_for(Some(&servername)),
        };
        let result = self.start_connection(*accepted, &server, context);
        self.flush();
        result
    }
}

/// The server config for one accepted ClientHello: the context chosen for
/// its SNI name, this server's client-certificate policy and ALPN list.
fn server_config(
    server: &ServerShared,
    context: Arc<SecureContext>,
    verdict: SharedVerdict,
    keylog: Option<Arc<KeyLogLines>>,
) -> Result<(Arc<ServerConfig>, Arc<NodeClientVerifier>), Error> {
    let Some(certified_key) = context.certified_key.clone() else {
        return Err(Error::new(
            ErrorCode::ErrTlsInvalidCredentials,
            "no certificate configured for this server name",
        ));
    };
    let options = &server.options;
    let verifier = Arc::new(NodeClientVerifier {
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
    config.alpn_protocols = protocol_list(&options.alpn_protocols);
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
