//! [`ClientSessions`]: what lets client pairs resume each other's sessions.

use std::sync::{Arc, Mutex};

use rustls::SignatureScheme;
use rustls::client::{ClientSessionMemoryCache, ClientSessionStore, ResolvesClientCert};
use rustls::sign::CertifiedKey;

use super::fixed_cert::FixedCert;
use crate::context::{ContextSource, SecureContext, TrustStore};
use crate::node_verifiers::{NodeServerVerifier, SharedVerdict};

/// How many sessions a store keeps, by server name: rustls' default.
const SESSIONS: usize = 256;
/// How many verifier identities a store keeps: beyond, the oldest goes
/// (its sessions then resume no more).
const IDENTITIES: usize = 32;

/// The sessions client pairs keep, and the verifiers and certificate
/// resolvers they were made with. rustls offers a session only to a config
/// with the very verifier and client-certificate resolver (the same `Arc`)
/// that made it, so pairs that verify and present alike (the same context
/// texts, host to check and rejection rule) are given the same ones.
#[derive(Debug)]
pub struct ClientSessions {
    store: Arc<ClientSessionMemoryCache>,
    identities: Mutex<Vec<Identity>>,
}

/// One way of verifying and presenting, and the objects made for it.
#[derive(Debug)]
struct Identity {
    source: ContextSource,
    default_roots: bool,
    check_host: String,
    reject_unauthorized: bool,
    sigalgs: Option<Arc<[SignatureScheme]>>,
    verifier: Arc<NodeServerVerifier>,
    resolver: Arc<dyn ResolvesClientCert>,
}

impl Default for ClientSessions {
    fn default() -> Self {
        Self {
            store: Arc::new(ClientSessionMemoryCache::new(SESSIONS)),
            identities: Mutex::new(Vec::new()),
        }
    }
}

impl ClientSessions {
    /// The session store, for the config's `resumption`.
    pub(super) fn store(&self) -> Arc<dyn ClientSessionStore> {
        self.store.clone()
    }

    /// The verifier and resolver for a pair with `context` (with Mozilla's
    /// roots trusted too, when `default_roots`) that checks `check_host`,
    /// bound to the pair's `verdict`.
    pub(super) fn identity(
        &self,
        context: &SecureContext,
        default_roots: bool,
        check_host: &str,
        reject_unauthorized: bool,
        sigalgs: Option<Arc<[SignatureScheme]>>,
        verdict: &SharedVerdict,
    ) -> (Arc<NodeServerVerifier>, Arc<dyn ResolvesClientCert>) {
        let mut identities = match self.identities.lock() {
            Ok(identities) => identities,
            Err(poisoned) => poisoned.into_inner(),
        };
        let found = identities.iter().find(|identity| {
            identity.source == context.source
                && identity.default_roots == default_roots
                && identity.check_host == check_host
                && identity.reject_unauthorized == reject_unauthorized
                && identity.sigalgs == sigalgs
        });
        if let Some(identity) = found {
            identity.verifier.bind(verdict);
            return (identity.verifier.clone(), identity.resolver.clone());
        }
        let (verifier, resolver) = fresh(
            context,
            default_roots,
            check_host,
            reject_unauthorized,
            sigalgs.clone(),
            verdict,
        );
        if identities.len() == IDENTITIES {
            identities.remove(0);
        }
        identities.push(Identity {
            source: context.source.clone(),
            default_roots,
            check_host: check_host.to_string(),
            reject_unauthorized,
            sigalgs,
            verifier: verifier.clone(),
            resolver: resolver.clone(),
        });
        (verifier, resolver)
    }
}

/// A verifier and a resolver of the pair's own, for a pair that keeps no
/// sessions.
pub(super) fn fresh(
    context: &SecureContext,
    default_roots: bool,
    check_host: &str,
    reject_unauthorized: bool,
    sigalgs: Option<Arc<[SignatureScheme]>>,
    verdict: &SharedVerdict,
) -> (Arc<NodeServerVerifier>, Arc<dyn ResolvesClientCert>) {
    let trust: Arc<TrustStore> = match default_roots {
        true => Arc::new(context.trust.with_default_roots()),
        false => context.trust.clone(),
    };
    let verifier = Arc::new(NodeServerVerifier::new(
        trust,
        check_host.to_string(),
        reject_unauthorized,
        sigalgs.as_deref(),
        verdict,
    ));
    let resolver: Arc<dyn ResolvesClientCert> = match (&context.certified_key, &sigalgs) {
        (Some(key), Some(allowed)) => Arc::new(FixedCert(crate::sigalgs::restrict(key, allowed))),
        (Some(key), None) => Arc::new(FixedCert(key.clone())),
        (None, _) => Arc::new(NoClientCert),
    };
    (verifier, resolver)
}

/// A client without a certificate: offers none when asked.
#[derive(Debug)]
struct NoClientCert;

impl ResolvesClientCert for NoClientCert {
    fn resolve(&self, _hints: &[&[u8]], _schemes: &[SignatureScheme]) -> Option<Arc<CertifiedKey>> {
        None
    }

    fn has_certs(&self) -> bool {
        false
    }
}
