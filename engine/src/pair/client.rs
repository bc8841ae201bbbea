//! The client side: Node's `tls.connect` options ([`ClientOptions`]), the
//! rule that derives its servername and check-host from a host
//! ([`ConnectNames`]), and [`SecurePair::connect`], which builds a client
//! connection from them.

use std::net::IpAddr;
use std::sync::Arc;

use rustls::client::Resumption;
use rustls::{ClientConfig, ClientConnection};
use rustls_pki_types::ServerName;

use super::client_sessions::{self, ClientSessions};
use super::keylog::KeyLogLines;
use super::{SecurePair, State, protocol_list};
use crate::context::SecureContext;
use crate::error::{Error, ErrorCode};
use crate::node_verifiers::SharedVerdict;
use crate::tls_error::from_rustls;

/// How a client connects (Node's `tls.connect` options).
#[derive(Clone, Debug, Default)]
pub struct ClientOptions {
    /// The SNI name to send; `None` sends none (an IP host).
    pub servername: Option<String>,
    /// The name or IP the server's certificate must match (`servername || host`).
    /// Empty: verify the chain only, as Node v0.6's `createSecurePair` did.
    pub check_host: String,
    /// Fail the handshake when the server's certificate does not verify.
    pub reject_unauthorized: bool,
    /// ALPN protocols to offer, in order.
    pub alpn_protocols: Vec<String>,
    /// Record the pair's secrets for [`SecurePair::take_keylog`].
    pub keylog: bool,
    /// Node's `ciphers`: the suites to offer (see [`crate::cipher::select`]);
    /// `None` offers rustls' safe defaults.
    pub ciphers: Option<String>,
    /// Trust Mozilla's roots (`webpki-roots`) as well as the context's
    /// `ca`: Node's default store, which a client without `ca` verifies
    /// against (the host adds `NODE_EXTRA_CA_CERTS` as `ca`).
    pub default_roots: bool,
    /// Node's `minVersion` / `maxVersion`: `TLSv1.2` or `TLSv1.3` (see
    /// [`crate::versions::select`]); `None` is TLS 1.2 / TLS 1.3.
    pub min_version: Option<String>,
    /// See [`Self::min_version`].
    pub max_version: Option<String>,
    /// Node's `ecdhCurve`: the key-exchange groups, `:`-separated, in order
    /// of preference (see [`crate::key_exchange::select`]); `None` is `auto`.
    pub ecdh_curve: Option<String>,
    /// Node's `sigalgs`: the signature schemes to offer, accept and sign
    /// with (see [`crate::sigalgs::select`]); `None` is rustls' defaults.
    pub sigalgs: Option<String>,
    /// Where the pair keeps the sessions the server gives it, and finds
    /// one to offer for its server name: pairs made with the same
    /// `ClientSessions` resume each other's. `None`: no resumption, every
    /// handshake a full one.
    pub sessions: Option<Arc<ClientSessions>>,
    /// Keep the OCSP response the server staples, for
    /// [`SecurePair::ocsp_response`] (Node's `requestOCSP`). rustls asks
    /// every server for one; this only decides whether the pair keeps it.
    pub request_ocsp: bool,
}

/// The names of a client connection to a host, by Node's `tls.connect`
/// rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectNames {
    /// [`ClientOptions::servername`]: the `servername` option, else the
    /// host, unless the host is an IP address (RFC 6066 puts no address in
    /// SNI).
    pub servername: Option<String>,
    /// [`ClientOptions::check_host`]: `servername || host`.
    pub check_host: String,
}

impl ConnectNames {
    /// The names for connecting to `host` with the `servername` option.
    pub fn new(host: &str, servername: Option<&str>) -> Self {
        let servername = match servername {
            Some(name) => Some(name.to_string()),
            None if host.parse::<std::net::IpAddr>().is_ok() => None,
            None => Some(host.to_string()),
        };
        Self {
            check_host: servername.clone().unwrap_or_else(|| host.to_string()),
            servername,
        }
    }
}

impl SecurePair {
    /// A client-side pair; its ClientHello waits in [`Self::read_encrypted`].
    pub fn connect(context: &SecureContext, options: &ClientOptions) -> Result<Self, Error> {
        let invalid = |what: &str| Error::new(ErrorCode::ErrInvalidArgValue, what.to_string());
        let server_name = match &options.servername {
            Some(name) if name.parse::<IpAddr>().is_ok() => {
                return Err(invalid(&format!(
                    "The property 'options.servername' is invalid. Received '{name}': \
                     setting an IP address as servername is not permitted (RFC 6066)"
                )));
            }
            Some(name) => ServerName::try_from(name.clone())
                .map_err(|_| invalid(&format!("invalid servername {name:?}")))?,
            // No SNI will be sent; rustls still wants a name, which it uses
            // for nothing else here (our verifier checks `check_host`).
            None => match options.check_host.parse::<IpAddr>() {
                Ok(ip) => ServerName::IpAddress(ip.into()),
                Err(_) => ServerName::try_from("localhost").expect("a valid DNS name"),
            },
        };
        let verdict = SharedVerdict::default();
        let sigalgs = crate::sigalgs::select(options.sigalgs.as_deref())?;
        let (verifier, resolver) = match &options.sessions {
            Some(sessions) => sessions.identity(
                context,
                options.default_roots,
                &options.check_host,
                options.reject_unauthorized,
                sigalgs,
                &verdict,
            ),
            None => client_sessions::fresh(
                context,
                options.default_roots,
                &options.check_host,
                options.reject_unauthorized,
                sigalgs,
                &verdict,
            ),
        };
        // `dangerous()` is rustls' door to any custom verifier; ours verifies
        // fully (webpki chain + Node's hostname check), see `verifier`.
        let provider =
            crate::provider_for(options.ciphers.as_deref(), options.ecdh_curve.as_deref())?;
        let versions = crate::versions::select(
            options.min_version.as_deref(),
            options.max_version.as_deref(),
        )?;
        let builder = ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&versions)
            .map_err(|e| from_rustls(&e))?
            .dangerous()
            .with_custom_certificate_verifier(verifier.clone());
        let mut config = builder.with_client_cert_resolver(resolver);
        config.alpn_protocols = protocol_list(&options.alpn_protocols);
        config.resumption = match &options.sessions {
            Some(sessions) => Resumption::store(sessions.store()),
            None => Resumption::disabled(),
        };
        config.enable_sni = options.servername.is_some();
        let keylog: Option<Arc<KeyLogLines>> = options.keylog.then(Arc::default);
        if let Some(keylog) = &keylog {
            config.key_log = keylog.clone();
        }
        let connection = ClientConnection::new(Arc::new(config), server_name.clone())
            .map_err(|e| from_rustls(&e))?;
        let mut pair = Self::new(State::Connected(Box::new(connection.into())), verdict);
        if options.request_ocsp {
            pair.ocsp_verifier = Some(verifier.clone());
        }
        if options.sessions.is_some() {
            // A resumed session brings no Certificate message: its chain
            // (kept in the session) is verified again once resumed. The
            // verifier is shared: the pair binds it before each input.
            pair.resumed_peer_check = Some(super::ResumedPeerCheck::Server(
                verifier,
                server_name.to_owned(),
            ));
        }
        pair.client_servername = options.servername.clone();
        pair.local_certificate = context.leaf();
        pair.keylog = keylog;
        pair.flush();
        Ok(pair)
    }
}
