//! What the handshake settled about the peer and the connection, for
//! Node's getters: `authorized` / `authorizationError` from our verifier's
//! verdict, the peer's certificate chain, the SNI name, ALPN protocol,
//! cipher and protocol version.

use rustls::Connection;
use rustls_pki_types::CertificateDer;

use super::{SecurePair, State};
use crate::cert_info::{self, PeerCertificate};
use crate::cipher::{self, Cipher};
use crate::error::{Error, ErrorCode};
use crate::key_exchange::{self, EphemeralKeyInfo};
use crate::tls_error::from_rustls;

impl SecurePair {
    /// The peer's certificate verified (Node's `authorized`).
    pub fn authorized(&self) -> bool {
        matches!(self.verdict.lock().as_deref(), Ok(Some(Ok(_))))
    }

    /// Why the peer's certificate did not verify (Node's `authorizationError`).
    pub fn authorization_error(&self) -> Option<Error> {
        match self.verdict.lock().as_deref() {
            Ok(Some(Err(error))) => Some(error.clone()),
            Ok(Some(Ok(_))) => None,
            // A server that asked for a certificate and got none, as OpenSSL says it.
            _ if self.is_server && self.request_cert && self.handshake_done() => Some(Error::new(
                ErrorCode::UnableToGetIssuerCert,
                "unable to get issuer certificate",
            )),
            _ => None,
        }
    }

    /// The peer's certificate, then its issuers as far as verification found
    /// them (or as the peer sent them, when it did not verify). Empty on a
    /// client whose handshake resumed, as Node's client shows no peer
    /// certificate then (the chain was verified again all the same).
    pub fn peer_certificate_chain(&self) -> Vec<PeerCertificate> {
        if !self.is_server && self.session_reused() {
            return Vec::new();
        }
        let verified = match self.verdict.lock().as_deref() {
            Ok(Some(Ok(path))) => Some(path.clone()),
            _ => None,
        };
        let chain: Vec<CertificateDer<'static>> = match (verified, &self.state) {
            (Some(path), _) => path,
            (None, State::Connected(connection)) => connection
                .peer_certificates()
                .map(|certs| certs.iter().map(|c| c.clone().into_owned()).collect())
                .unwrap_or_default(),
            (None, _) => Vec::new(),
        };
        chain
            .iter()
            .filter_map(|der| cert_info::describe(der).ok())
            .collect()
    }

    /// The handshake resumed an earlier session (Node's `isSessionReused()`).
    pub fn session_reused(&self) -> bool {
        match &self.state {
            State::Connected(connection) => {
                connection.handshake_kind() == Some(rustls::HandshakeKind::Resumed)
            }
            _ => false,
        }
    }

    /// The peer's certificate with its issuers linked
    /// ([`PeerCertificate::from_chain`] of [`Self::peer_certificate_chain`]):
    /// Node's `getPeerCertificate(true)`.
    pub fn peer_certificate(&self) -> Option<PeerCertificate> {
        PeerCertificate::from_chain(self.peer_certificate_chain())
    }

    /// Keying material exported from the connection's secrets (RFC 5705;
    /// RFC 8446 §7.5): `length` bytes for `label` and, when given,
    /// `context`, the same at both ends (Node's `exportKeyingMaterial`).
    /// An error before the handshake is done, or for a zero length.
    pub fn export_keying_material(
        &self,
        length: usize,
        label: &str,
        context: Option<&[u8]>,
    ) -> Result<Vec<u8>, Error> {
        if length == 0 {
            return Err(Error::new(
                ErrorCode::ErrInvalidArgValue,
                "The argument 'length' must be greater than 0",
            ));
        }
        let State::Connected(connection) = &self.state else {
            return Err(Error::new(
                ErrorCode::ErrTlsInvalidState,
                "keying material needs a finished handshake",
            ));
        };
        if connection.is_handshaking() {
            return Err(Error::new(
                ErrorCode::ErrTlsInvalidState,
                "keying material needs a finished handshake",
            ));
        }
        connection
            .export_keying_material(vec![0; length], label.as_bytes(), context)
            .map_err(|e| from_rustls(&e))
    }

    /// The OCSP response the server stapled (DER), for a client made with
    /// [`super::ClientOptions::request_ocsp`] (Node's `OCSPResponse` event).
    pub fn ocsp_response(&self) -> Option<&[u8]> {
        self.ocsp_response.as_deref()
    }

    /// The SNI name: what this client sent, or what this server received.
    pub fn servername(&self) -> Option<String> {
        if !self.is_server {
            return self.client_servername.clone();
        }
        match &self.state {
            State::Connected(connection) => match connection.as_ref() {
                Connection::Server(server) => server.server_name().map(str::to_string),
                Connection::Client(_) => None,
            },
            _ => None,
        }
    }

    /// The ALPN protocol both sides agreed on.
    pub fn alpn_protocol(&self) -> Option<String> {
        match &self.state {
            State::Connected(connection) => connection
                .alpn_protocol()
                .map(|p| String::from_utf8_lossy(p).into_owned()),
            _ => None,
        }
    }

    /// The negotiated cipher suite.
    pub fn cipher(&self) -> Option<Cipher> {
        match &self.state {
            State::Connected(connection) => {
                connection.negotiated_cipher_suite().map(cipher::describe)
            }
            _ => None,
        }
    }

    /// `TLSv1.2` or `TLSv1.3`.
    pub fn protocol(&self) -> Option<String> {
        match &self.state {
            State::Connected(connection) => connection
                .protocol_version()
                .map(|v| cipher::protocol_name(v).to_string()),
            _ => None,
        }
    }

    /// The pair is a server's.
    pub fn is_server(&self) -> bool {
        self.is_server
    }

    /// This side's own certificate, the one it presents or would present
    /// (Node's `getCertificate()`): a server's for the context it chose, a
    /// client's when it has one. Described on each call.
    pub fn local_certificate(&self) -> Option<PeerCertificate> {
        let der = self.local_certificate.as_ref()?;
        cert_info::describe(der).ok()
    }

    /// The key exchange a client agreed with its server (Node's
    /// `getEphemeralKeyInfo()`). `None` on a server (Node's `null`), before
    /// the handshake settles a group, and for a group Node describes as
    /// `{}` (see [`key_exchange::describe`]).
    pub fn ephemeral_key_info(&self) -> Option<EphemeralKeyInfo> {
        if self.is_server {
            return None;
        }
        match &self.state {
            State::Connected(connection) => {
                key_exchange::describe(connection.negotiated_key_exchange_group()?.name())
            }
            _ => None,
        }
    }

    fn handshake_done(&self) -> bool {
        matches!(&self.state, State::Connected(c) if !c.is_handshaking())
    }
}
