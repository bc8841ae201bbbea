//! `tlsbox:tls/wasi-tls-server`: the server side, shaped like the draft's
//! client.

use std::cell::RefCell;
use std::rc::Rc;

use tlsbox_engine::context::{Credentials, SecureContext};
use tlsbox_engine::pair::SecurePair;
use tlsbox_engine::server::{Server, ServerOptions};

use crate::Provider;
use crate::bindings::exports::tlsbox::tls::wasi_tls_server as api;
use crate::bindings::exports::wasi::io::{error, poll, streams};
use crate::conn::{Conn, Handshaking};
use crate::streams::{Error, Input, Output, Pollable};

impl api::Guest for Provider {
    type ServerHandshake = ServerHandshake;
    type ServerConnection = ServerConnection;
    type FutureServerStreams = FutureServerStreams;
}

fn context(identity: &api::Identity, roots: &[String]) -> Result<SecureContext, String> {
    SecureContext::new(&Credentials {
        key: Some(identity.private_key.clone()),
        cert: Some(identity.cert_chain.clone()),
        ca: roots.to_vec(),
        ..Credentials::default()
    })
    .map_err(|e| e.to_string())
}

/// The server-side pair `config` describes, waiting for a ClientHello.
fn server_pair(config: &api::ServerConfig) -> Result<SecurePair, String> {
    let (request_cert, reject_unauthorized, roots) = match &config.client_auth {
        api::ClientAuth::None => (false, false, &[][..]),
        api::ClientAuth::Optional(roots) => (true, false, &roots[..]),
        api::ClientAuth::Required(roots) => (true, true, &roots[..]),
    };
    let options = ServerOptions {
        request_cert,
        reject_unauthorized,
        alpn_protocols: config.alpn_protocols.clone(),
        sni_callback: false,
        alpn_callback: false,
        ocsp_callback: false,
        keylog: false,
        ciphers: None,
        min_version: None,
        max_version: None,
        ecdh_curve: None,
        sigalgs: None,
        // No session resumption from the provider yet.
        ticketer: None,
        session_store: None,
    };
    let mut server = Server::new(context(&config.identity, roots)?, options);
    for (pattern, identity) in &config.sni {
        server
            .add_context(pattern, context(identity, roots)?)
            .map_err(|e| e.to_string())?;
    }
    Ok(server.accept())
}

/// A `server-handshake`.
pub struct ServerHandshake(RefCell<Handshaking>);

impl api::GuestServerHandshake for ServerHandshake {
    fn new(
        config: api::ServerConfig,
        input: streams::InputStream,
        output: streams::OutputStream,
    ) -> Self {
        ServerHandshake(Handshaking::start(
            server_pair(&config),
            input.into_inner::<Input>(),
            output.into_inner::<Output>(),
        ))
    }

    fn finish(this: api::ServerHandshake) -> api::FutureServerStreams {
        let state = this.into_inner::<ServerHandshake>().0;
        api::FutureServerStreams::new(FutureServerStreams(state))
    }
}

/// A `server-connection`.
pub struct ServerConnection(Rc<RefCell<Conn>>);

impl api::GuestServerConnection for ServerConnection {
    fn server_name(&self) -> Option<String> {
        self.0.borrow().pair().servername()
    }

    fn alpn_protocol(&self) -> Option<String> {
        self.0.borrow().pair().alpn_protocol()
    }

    fn peer_certificates(&self) -> Vec<Vec<u8>> {
        let conn = self.0.borrow();
        conn.pair()
            .peer_certificate_chain()
            .into_iter()
            .map(|c| c.raw)
            .collect()
    }

    fn close_output(&self) {
        self.0.borrow_mut().close_output();
    }
}

/// A `future-server-streams`.
pub struct FutureServerStreams(RefCell<Handshaking>);

impl api::GuestFutureServerStreams for FutureServerStreams {
    fn subscribe(&self) -> poll::Pollable {
        Pollable::export(Handshaking::pollable(&self.0))
    }

    #[allow(clippy::type_complexity, reason = "the WIT's own type")]
    fn get(
        &self,
    ) -> Option<
        Result<
            Result<
                (
                    api::ServerConnection,
                    streams::InputStream,
                    streams::OutputStream,
                ),
                error::Error,
            >,
            (),
        >,
    > {
        Handshaking::get(&self.0).map(|answer| {
            answer.map(|outcome| match outcome {
                Ok(conn) => Ok((
                    api::ServerConnection::new(ServerConnection(conn.clone())),
                    streams::InputStream::new(Input::Tls(conn.clone())),
                    streams::OutputStream::new(Output::Tls(conn)),
                )),
                Err(e) => Err(error::Error::new(Error(e))),
            })
        })
    }
}
