//! `wasi:tls/types`: the draft's client.

use std::cell::RefCell;
use std::rc::Rc;

use tlsbox_engine::context::{Credentials, SecureContext};
use tlsbox_engine::pair::{ClientOptions, SecurePair};

use crate::Provider;
use crate::bindings::exports::wasi::io::{error, poll, streams};
use crate::bindings::exports::wasi::tls::types;
use crate::conn::{Conn, Handshaking};
use crate::streams::{Error, Input, Output, Pollable};

/// The variable naming the PEM file of roots a client trusts.
const CA_FILE_VARIABLE: &str = "TLSBOX_CA_FILE";

impl types::Guest for Provider {
    type ClientHandshake = ClientHandshake;
    type ClientConnection = ClientConnection;
    type FutureClientStreams = FutureClientStreams;
}

/// A `client-handshake`: the pair, ready to send its hello.
pub struct ClientHandshake(RefCell<Handshaking>);

/// The client's pair for `server_name`, trusting `$TLSBOX_CA_FILE`.
fn client_pair(server_name: &str) -> Result<SecurePair, String> {
    let path = std::env::var(CA_FILE_VARIABLE)
        .map_err(|_| format!("{CA_FILE_VARIABLE} is not set: no roots to trust"))?;
    let ca = std::fs::read_to_string(&path).map_err(|e| format!("read {path}: {e}"))?;
    let context = SecureContext::new(&Credentials {
        ca: vec![ca],
        ..Credentials::default()
    })
    .map_err(|e| e.to_string())?;
    // No SNI for an IP address (RFC 6066); its certificate must still match.
    let is_ip = server_name.parse::<std::net::IpAddr>().is_ok();
    let options = ClientOptions {
        servername: (!is_ip).then(|| server_name.to_string()),
        check_host: server_name.to_string(),
        reject_unauthorized: true,
        alpn_protocols: Vec::new(),
        keylog: false,
        ciphers: None,
        min_version: None,
        max_version: None,
        ecdh_curve: None,
        sigalgs: None,
        default_roots: false,
        sessions: None,
        request_ocsp: false,
    };
    SecurePair::connect(&context, &options).map_err(|e| e.to_string())
}

impl types::GuestClientHandshake for ClientHandshake {
    fn new(
        server_name: String,
        input: streams::InputStream,
        output: streams::OutputStream,
    ) -> Self {
        ClientHandshake(Handshaking::start(
            client_pair(&server_name),
            input.into_inner::<Input>(),
            output.into_inner::<Output>(),
        ))
    }

    fn finish(this: types::ClientHandshake) -> types::FutureClientStreams {
        let state = this.into_inner::<ClientHandshake>().0;
        types::FutureClientStreams::new(FutureClientStreams(state))
    }
}

/// A `client-connection`.
pub struct ClientConnection(Rc<RefCell<Conn>>);

impl types::GuestClientConnection for ClientConnection {
    fn close_output(&self) {
        self.0.borrow_mut().close_output();
    }
}

/// A `future-client-streams`.
pub struct FutureClientStreams(RefCell<Handshaking>);

impl types::GuestFutureClientStreams for FutureClientStreams {
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
                    types::ClientConnection,
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
                    types::ClientConnection::new(ClientConnection(conn.clone())),
                    streams::InputStream::new(Input::Tls(conn.clone())),
                    streams::OutputStream::new(Output::Tls(conn)),
                )),
                Err(e) => Err(error::Error::new(Error(e))),
            })
        })
    }
}
