//! A server: its default context, its SNI table and how it treats clients.

use std::sync::Arc;

use rustls::server::{ProducesTickets, StoresServerSessions};

use crate::context::SecureContext;
use crate::error::{Error, ErrorCode};
use crate::pair::SecurePair;

/// How a server treats its clients (Node's `createServer` options).
#[derive(Clone, Debug, Default)]
pub struct ServerOptions {
    /// Ask clients for a certificate (`requestCert`).
    pub request_cert: bool,
    /// With `request_cert`: fail the handshake unless the client's
    /// certificate verifies (`rejectUnauthorized`).
    pub reject_unauthorized: bool,
    /// ALPN protocols in order of preference (`ALPNProtocols`, alias `NPNProtocols`).
    pub alpn_protocols: Vec<String>,
    /// The caller picks the context for each SNI name (`SNICallback`): a
    /// pair that reads a ClientHello with a name pauses with
    /// [`crate::pair::Awaiting::Context`].
    pub sni_callback: bool,
    /// The caller picks the ALPN protocol (`ALPNCallback`): a pair whose
    /// ClientHello offers ALPN pauses with [`crate::pair::Awaiting::Alpn`];
    /// [`Self::alpn_protocols`] is then unused.
    pub alpn_callback: bool,
    /// The caller gives each pair the OCSP response to staple (Node's
    /// `OCSPRequest` event): a pair pauses with
    /// [`crate::pair::Awaiting::Ocsp`] once its certificate is chosen.
    pub ocsp_callback: bool,
    /// Record each pair's secrets for [`crate::pair::SecurePair::take_keylog`].
    pub keylog: bool,
    /// Node's `ciphers`: the suites to accept (see [`crate::cipher::select`]);
    /// `None` accepts rustls' safe defaults.
    pub ciphers: Option<String>,
    /// Node's `minVersion` / `maxVersion`: `TLSv1.2` or `TLSv1.3` (see
    /// [`crate::versions::select`]); `None` is TLS 1.2 / TLS 1.3.
    pub min_version: Option<String>,
    /// See [`Self::min_version`].
    pub max_version: Option<String>,
    /// Node's `ecdhCurve`: the key-exchange groups, `:`-separated, in order
    /// of preference (see [`crate::key_exchange::select`]); `None` is `auto`.
    pub ecdh_curve: Option<String>,
    /// Node's `sigalgs`: the signature schemes to ask for, accept and sign
    /// with, `:`-separated, OpenSSL's names (see [`crate::sigalgs::select`]);
    /// `None` is rustls' defaults.
    pub sigalgs: Option<String>,
    /// Seals and opens session tickets, so that returning clients resume
    /// (TLS 1.3 tickets, and TLS 1.2's RFC 5077 tickets). `None`: no
    /// tickets, every handshake a full one. A resumed connection's client
    /// certificate chain (kept in the session) is verified again, so that
    /// `authorized` always comes from a verification.
    pub ticketer: Option<Arc<dyn ProducesTickets>>,
    /// Keeps TLS 1.2 sessions by session ID, for clients that ask for no
    /// ticket. `None`: such clients do not resume.
    pub session_store: Option<Arc<dyn StoresServerSessions>>,
}

/// Checks an `addContext` pattern by the rule the server's table applies
/// (`name` or `*.name`, `*` standing for one whole label): what a host
/// checks before any connection uses it.
pub fn check_pattern(pattern: &str) -> Result<(), Error> {
    Pattern::parse(pattern).map(drop)
}

/// A name pattern from `addContext`: an exact name or `*.` and a suffix.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Pattern {
    Exact(String),
    /// `*.example.com`, stored as `.example.com`.
    Wildcard(String),
}

impl Pattern {
    fn parse(pattern: &str) -> Result<Self, Error> {
        let pattern = normalize(pattern);
        let invalid = || {
            Error::new(
                ErrorCode::ErrInvalidArgValue,
                format!("invalid SNI pattern {pattern:?}: use a name or *.name"),
            )
        };
        if pattern.is_empty() {
            return Err(invalid());
        }
        match pattern.strip_prefix('*') {
            Some(suffix)
                if suffix.starts_with('.') && suffix.len() > 1 && !suffix.contains('*') =>
            {
                Ok(Self::Wildcard(suffix.to_string()))
            }
            Some(_) => Err(invalid()),
            None if pattern.contains('*') => Err(invalid()),
            None => Ok(Self::Exact(pattern)),
        }
    }

    /// `*` stands for exactly one whole label.
    fn matches(&self, name: &str) -> bool {
        match self {
            Self::Exact(exact) => exact == name,
            Self::Wildcard(suffix) => name
                .strip_suffix(suffix.as_str())
                .is_some_and(|label| !label.is_empty() && !label.contains('.')),
        }
    }
}

/// Lower case, no trailing dot: how names compare.
fn normalize(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// What every pair of a server shares.
pub(crate) struct ServerShared {
    pub(crate) default_context: Arc<SecureContext>,
    contexts: Vec<(Pattern, Arc<SecureContext>)>,
    pub(crate) options: ServerOptions,
}

impl ServerShared {
    fn duplicate(&self) -> Self {
        Self {
            default_context: self.default_context.clone(),
            contexts: self.contexts.clone(),
            options: self.options.clone(),
        }
    }

    /// The context for an SNI name: the most recently added match, else the default.
    pub(crate) fn context_for(&self, servername: Option<&str>) -> Arc<SecureContext> {
        servername
            .map(normalize)
            .and_then(|name| {
                self.contexts
                    .iter()
                    .rev()
                    .find(|(pattern, _)| pattern.matches(&name))
                    .map(|(_, context)| context.clone())
            })
            .unwrap_or_else(|| self.default_context.clone())
    }
}

/// A TLS server: accepts server-side pairs that pick their context by SNI.
pub struct Server {
    shared: Arc<ServerShared>,
}

impl Server {
    /// A server presenting `default_context` unless an added context matches.
    pub fn new(default_context: SecureContext, options: ServerOptions) -> Self {
        Self {
            shared: Arc::new(ServerShared {
                default_context: Arc::new(default_context),
                contexts: Vec::new(),
                options,
            }),
        }
    }

    /// Serves `context` to clients whose SNI name matches `pattern` (Node's
    /// `addContext`). Pairs already accepted keep the table they started with.
    pub fn add_context(&mut self, pattern: &str, context: SecureContext) -> Result<(), Error> {
        let pattern = Pattern::parse(pattern)?;
        // Copy the table when a pair still holds the old one.
        if Arc::get_mut(&mut self.shared).is_none() {
            self.shared = Arc::new(self.shared.duplicate());
        }
        let shared = Arc::get_mut(&mut self.shared).expect("a fresh Arc is unique");
        shared.contexts.push((pattern, Arc::new(context)));
        Ok(())
    }

    /// A new server-side pair waiting for a ClientHello.
    pub fn accept(&self) -> SecurePair {
        SecurePair::accept(self.shared.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::Pattern;

    #[test]
    fn wildcard_matches_one_label_only() {
        let p = Pattern::parse("*.Example.com").unwrap();
        assert!(p.matches("a.example.com"));
        assert!(!p.matches("a.b.example.com"));
        assert!(!p.matches("example.com"));
        assert!(!p.matches(".example.com"));
    }

    #[test]
    fn bad_patterns_are_refused() {
        for bad in [
            "",
            "*",
            "a*.example.com",
            "*.*.com",
            "*example.com",
            "a.*.com",
        ] {
            assert!(Pattern::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Pattern::parse("A.com.").unwrap(),
            Pattern::Exact("a.com".into())
        );
    }
}
