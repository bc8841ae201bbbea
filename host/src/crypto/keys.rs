//! The private keys of credentials, kept in the host when connections run
//! with host crypto: the guest gets the certificate chain only and asks for
//! signatures.
//!
//! Parsing a key is the costly part of a context (an RSA key is validated
//! with modular arithmetic), so each key is parsed once per process and
//! shared by every connection that presents it.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};

use rustls::pki_types::PrivateKeyDer;
use rustls::sign::SigningKey;

/// Parsed keys kept before the cache is emptied and starts again: bounds
/// what a server that sees ever-new credentials (an SNI callback minting
/// certificates) keeps alive.
const CACHE_CAPACITY: usize = 256;

/// A private key and the certificate chain it signs for.
pub(crate) struct HeldKey {
    /// The certificate chain, DER, leaf first. The leaf is what the guest
    /// names the key by; the guest gets the whole chain as DER, so that no
    /// sandbox decodes the same PEM again.
    chain: Vec<Vec<u8>>,
    key: Arc<dyn SigningKey>,
    /// The PEM texts the key was parsed from, to tell cache entries apart.
    source: (String, Option<String>, String),
}

/// The keys one sandbox's guest may ask for: those of the credentials the
/// host gave it.
#[derive(Default)]
pub(crate) struct SandboxKeys(Vec<Arc<HeldKey>>);

impl SandboxKeys {
    /// Lets this sandbox's guest use `key`.
    pub(crate) fn lend(&mut self, key: Arc<HeldKey>) {
        if !self.0.iter().any(|held| Arc::ptr_eq(held, &key)) {
            self.0.push(key);
        }
    }

    /// How many keys are lent to this sandbox.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// The key for the certificate `leaf` (DER), if lent to this sandbox.
    pub(crate) fn find(&self, leaf: &[u8]) -> Option<Arc<dyn SigningKey>> {
        self.0
            .iter()
            .find(|held| held.leaf() == leaf)
            .map(|held| held.key.clone())
    }
}

impl HeldKey {
    /// The leaf certificate, DER.
    fn leaf(&self) -> &[u8] {
        &self.chain[0]
    }

    /// The certificate chain, DER, leaf first.
    pub(crate) fn chain(&self) -> &[Vec<u8>] {
        &self.chain
    }
}

/// The key of `key`/`passphrase` and the chain of `cert`, parsed natively
/// (once per process per credentials). `None` when they do not parse or do
/// not match: the guest then gets them whole and reports the error with
/// Node's code, as without host crypto.
pub(crate) fn hold(key: &str, passphrase: Option<&str>, cert: &str) -> Option<Arc<HeldKey>> {
    static CACHE: Mutex<Option<HashMap<u64, Arc<HeldKey>>>> = Mutex::new(None);
    let mut hasher = DefaultHasher::new();
    (key, passphrase, cert).hash(&mut hasher);
    let id = hasher.finish();
    let same = |held: &HeldKey| {
        held.source.0 == key && held.source.1.as_deref() == passphrase && held.source.2 == cert
    };
    if let Some(held) = CACHE.lock().ok()?.get_or_insert_default().get(&id)
        && same(held)
    {
        return Some(held.clone());
    }
    let held = Arc::new(parse(key, passphrase, cert)?);
    let mut cache = CACHE.lock().ok()?;
    let cache = cache.get_or_insert_default();
    if cache.len() >= CACHE_CAPACITY {
        cache.clear();
    }
    cache.insert(id, held.clone());
    Some(held)
}

/// Parses with the engine's own rules (PEM forms, passphrase, key/cert
/// match), natively.
fn parse(key: &str, passphrase: Option<&str>, cert: &str) -> Option<HeldKey> {
    let credentials = tlsbox_engine::context::Credentials {
        key: Some(key.to_owned()),
        passphrase: passphrase.map(str::to_owned),
        cert: Some(cert.to_owned()),
        ..Default::default()
    };
    let context = tlsbox_engine::context::SecureContext::new(&credentials).ok()?;
    let certified = context.certified_key()?;
    Some(HeldKey {
        // A parsed context's chain has its leaf (`leaf` relies on it).
        chain: match certified.cert.as_slice() {
            [] => return None,
            chain => chain.iter().map(|der| der.to_vec()).collect(),
        },
        key: certified.key.clone(),
        source: (
            key.to_owned(),
            passphrase.map(str::to_owned),
            cert.to_owned(),
        ),
    })
}

/// A private key the guest found in credentials the host could not keep
/// (see [`hold`]), parsed with ring's provider as the guest's own would:
/// the key, or rustls' message for why it is refused.
pub(crate) fn load(der: PrivateKeyDer<'static>) -> Result<Arc<dyn SigningKey>, String> {
    match rustls::crypto::ring::default_provider()
        .key_provider
        .load_private_key(der)
    {
        Ok(key) => Ok(key),
        // The guest wraps the message as rustls' ring provider would.
        Err(rustls::Error::General(message)) => Err(message),
        Err(error) => Err(error.to_string()),
    }
}
