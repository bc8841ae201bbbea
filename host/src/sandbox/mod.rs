//! One connection's sandbox: its secure pair, in a guest instance of its
//! own (the default, [`crate::Isolation::PerConnection`]) or in one it
//! shares with at most a few other connections of the same server
//! ([`crate::Isolation::PerContext`]).
//!
//! Every call into the guest goes through here, under the instance's
//! limits. A trap (a guest bug, a memory cap, a CPU deadline) poisons the
//! instance only: the call returns [`Error::Sandbox`] or
//! [`Error::LimitExceeded`] and so does every later one on that instance,
//! while other instances run on in their own stores.

use std::sync::{Arc, Mutex};

use wasmtime::component::ResourceAny;

use crate::connection_info::ConnectionInfo;
use crate::error::{Error, Result, TlsError};
use crate::limits::SandboxLimits;
use crate::options::Crypto;
use crate::sessions::SessionStore;
use crate::tickets::Ticketer;
use crate::wit::{
    GuestClientOptions, GuestCredentials, GuestPeerCertificate, GuestServerOptions, PairStatus,
    SniCredentials, Step,
};

pub(crate) mod instance;
pub(crate) mod shared;
pub(crate) mod state;

pub use instance::live_sandboxes;
use instance::{GuestInstance, Poison};
use shared::{SharedInstance, lock};

/// A secure pair living in a sandbox.
pub(crate) struct Sandbox {
    instance: SharedInstance,
    pair: Option<ResourceAny>,
    sealed_in_output: usize,
    /// A client-side pair (whose instance keeps its sessions).
    client: bool,
}

impl Sandbox {
    /// A sandbox whose pair is in an instance of its own.
    fn alone(instance: GuestInstance, pair: ResourceAny, client: bool) -> Self {
        Self {
            instance: Arc::new(Mutex::new(instance)),
            pair: Some(pair),
            sealed_in_output: 0,
            client,
        }
    }

    /// A server-side pair: the default context, the SNI contexts (in the
    /// order added) and the server options, all parsed inside a fresh
    /// instance of its own, in one guest call.
    pub(crate) fn server(
        limits: &SandboxLimits,
        crypto: Crypto,
        default_credentials: &GuestCredentials,
        contexts: &[(String, GuestCredentials)],
        options: &GuestServerOptions,
    ) -> Result<Self> {
        let mut instance = GuestInstance::new(limits, crypto)?;
        let default_credentials = instance.keep_key(default_credentials);
        let contexts: Vec<_> = contexts
            .iter()
            .map(|(pattern, credentials)| SniCredentials {
                pattern: pattern.clone(),
                credentials: instance.keep_key(credentials),
            })
            .collect();
        let pair = instance.guard(|b, s| {
            b.tlsbox_tls_tls().secure_pair().call_accept_with(
                s,
                &default_credentials,
                &contexts,
                options,
            )
        })?;
        Ok(Self::alone(instance, pair.map_err(TlsError::from)?, false))
    }

    /// A server-side pair accepted from the `server` that `instance` holds
    /// (see [`shared::InstancePool`]).
    pub(crate) fn server_in(instance: SharedInstance) -> Result<Self> {
        let pair = {
            let mut guest = lock(&instance);
            let server = guest
                .server
                .ok_or_else(|| Error::Sandbox("the shared instance holds no server".into()))?;
            guest.guard(|b, s| b.tlsbox_tls_tls().server().call_accept(s, server))?
        };
        Ok(Self {
            instance,
            pair: Some(pair),
            sealed_in_output: 0,
            client: false,
        })
    }

    /// A client-side pair whose ClientHello is ready to send, made in a
    /// fresh instance in one guest call.
    pub(crate) fn client(
        limits: &SandboxLimits,
        crypto: Crypto,
        credentials: &GuestCredentials,
        options: &GuestClientOptions,
    ) -> Result<Self> {
        let mut instance = GuestInstance::new(limits, crypto)?;
        let credentials = instance.keep_key(credentials);
        let pair = instance.guard(|b, s| {
            b.tlsbox_tls_tls()
                .secure_pair()
                .call_connect_with(s, &credentials, options)
        })?;
        Ok(Self::alone(instance, pair.map_err(TlsError::from)?, true))
    }

    /// A client-side pair made in `instance`, where earlier client pairs
    /// ran: with `options.resume` it offers the sessions they kept.
    pub(crate) fn client_in(
        instance: SharedInstance,
        credentials: &GuestCredentials,
        options: &GuestClientOptions,
    ) -> Result<Self> {
        let pair = {
            let mut guest = lock(&instance);
            let credentials = guest.keep_key(credentials);
            guest.guard(|b, s| {
                b.tlsbox_tls_tls()
                    .secure_pair()
                    .call_connect_with(s, &credentials, options)
            })?
        };
        Ok(Self {
            instance,
            pair: Some(pair.map_err(TlsError::from)?),
            sealed_in_output: 0,
            client: true,
        })
    }

    /// The pair is a client's.
    pub(crate) fn is_client(&self) -> bool {
        self.client
    }

    /// This side's own certificate, described by the guest (Node's
    /// `getCertificate()`).
    pub(crate) fn local_certificate(&mut self) -> Result<Option<GuestPeerCertificate>> {
        let pair = self.pair()?;
        let mut guest = lock(&self.instance);
        guest.guard(|b, s| {
            b.tlsbox_tls_tls()
                .secure_pair()
                .call_local_certificate(s, pair)
        })
    }

    /// For a client pair: its instance, which keeps the sessions it is
    /// given, for the next connection to run in.
    pub(crate) fn client_instance(&self) -> Option<SharedInstance> {
        self.client.then(|| self.instance.clone())
    }

    /// Parses credentials in a throwaway instance: how `create_server` and
    /// `connect` report bad PEM before any connection exists.
    pub(crate) fn check_credentials(
        limits: &SandboxLimits,
        credentials: &GuestCredentials,
    ) -> Result<()> {
        // Credentials parse the same in both components; the host-crypto
        // one is in every build.
        let mut instance = GuestInstance::new(limits, Crypto::Host)?;
        let context = instance.create_context(credentials)?;
        instance.drop_resource(context)
    }

    fn pair(&self) -> Result<ResourceAny> {
        self.pair
            .ok_or_else(|| Error::Sandbox("the sandbox holds no secure pair".into()))
    }

    /// Lends this sandbox's guest the server's ticket keys and session
    /// store (through `crypto.seal-ticket`, `crypto.session-put`, ...;
    /// with host crypto only).
    pub(crate) fn lend_resumption(
        &mut self,
        ticketer: Option<Arc<Ticketer>>,
        sessions: Option<Arc<SessionStore>>,
    ) {
        lock(&self.instance).lend_resumption(ticketer, sessions);
    }

    /// Answers a server pair's `awaiting-context`: `credentials` are parsed
    /// here, in the sandbox; `None` lets the pair use its `add-context`
    /// table, then its default.
    pub(crate) fn supply_context(&mut self, credentials: Option<&GuestCredentials>) -> Result<()> {
        let pair = self.pair()?;
        let mut guest = lock(&self.instance);
        let context = match credentials {
            Some(credentials) => Some(guest.create_context(credentials)?),
            None => None,
        };
        let supplied = guest.guard(|b, s| {
            b.tlsbox_tls_tls()
                .secure_pair()
                .call_supply_context(s, pair, context)
        })?;
        Ok(supplied.map_err(TlsError::from)?)
    }

    /// Answers a server pair's `awaiting.alpn`: one of the client's
    /// protocols, or `None` to refuse it (the alert waits to be sent).
    pub(crate) fn supply_alpn(&mut self, protocol: Option<&str>) -> Result<()> {
        let pair = self.pair()?;
        let mut guest = lock(&self.instance);
        let supplied = guest.guard(|b, s| {
            b.tlsbox_tls_tls()
                .secure_pair()
                .call_supply_alpn(s, pair, protocol)
        })?;
        Ok(supplied.map_err(TlsError::from)?)
    }

    /// Answers a server pair's `awaiting.ocsp`: the response to staple, or
    /// `None` for its context's own.
    pub(crate) fn supply_ocsp(&mut self, response: Option<&[u8]>) -> Result<()> {
        let pair = self.pair()?;
        let mut guest = lock(&self.instance);
        let supplied = guest.guard(|b, s| {
            b.tlsbox_tls_tls()
                .secure_pair()
                .call_supply_ocsp(s, pair, response)
        })?;
        Ok(supplied.map_err(TlsError::from)?)
    }

    /// Queues close_notify and takes up to `max_out` encrypted bytes to
    /// send, with the status after: one guest call.
    pub(crate) fn end(&mut self, max_out: usize) -> Result<Step> {
        let pair = self.pair()?;
        let mut guest = lock(&self.instance);
        let max_out = max_out.min(guest.max_bytes_per_call) as u32;
        let step =
            guest.guard(|b, s| b.tlsbox_tls_tls().secure_pair().call_end(s, pair, max_out))?;
        guest.check_step(step, max_out as usize)
    }

    /// Feeds encrypted bytes and takes up to `max_out` encrypted bytes to
    /// send, with the status after: one guest call.
    pub(crate) fn push_encrypted(&mut self, data: &[u8], max_out: usize) -> Result<Step> {
        let pair = self.pair()?;
        let mut guest = lock(&self.instance);
        let data = &data[..data.len().min(guest.max_bytes_per_call)];
        let max_out = max_out.min(guest.max_bytes_per_call) as u32;
        let step = guest.guard(|b, s| {
            b.tlsbox_tls_tls()
                .secure_pair()
                .call_push_encrypted(s, pair, data, max_out)
        })?;
        let step = step.map_err(TlsError::from)?;
        guest.check_step(step, max_out as usize)
    }

    /// Queues cleartext and takes up to `max_out` encrypted bytes to send,
    /// with the status after: one guest call.
    pub(crate) fn push_cleartext(&mut self, data: &[u8], max_out: usize) -> Result<Step> {
        let pair = self.pair()?;
        let mut guest = lock(&self.instance);
        let data = &data[..data.len().min(guest.max_bytes_per_call)];
        let max_out = max_out.min(guest.max_bytes_per_call) as u32;
        guest
            .store
            .data_mut()
            .host_crypto_ctx()
            .output
            .open(max_out as usize);
        let called = guest.guard_planning(|b, s| {
            b.tlsbox_tls_tls()
                .secure_pair()
                .call_push_cleartext(s, pair, data, max_out)
        });
        let sent = guest.store.data_mut().host_crypto_ctx().output.close();
        let (mut step, plan) = called?;
        // The call's output: what it sent, then what its step returns.
        if let Ok(step) = &mut step
            && !sent.is_empty()
        {
            let returned = std::mem::replace(&mut step.encrypted, sent);
            step.encrypted.extend_from_slice(&returned);
        }
        let step = match step {
            Ok(step) => step,
            // Records planned before the failure are in the guest's output,
            // unsealed: nothing more may leave this sandbox.
            Err(error) if !plan.is_empty() => {
                return Err(guest.poison(Poison::contract(format!(
                    "the TLS engine failed with seals planned: {}",
                    error.message
                ))));
            }
            Err(error) => return Err(TlsError::from(error).into()),
        };
        let mut step = guest.check_step(step, max_out as usize)?;
        if plan.is_empty() {
            return Ok(step);
        }
        self.sealed_in_output += plan.len();
        if let Err(message) = plan.apply(&mut step.encrypted) {
            return Err(guest.poison(Poison::contract(format!(
                "the TLS engine's planned seals do not fit its output: {message}"
            ))));
        }
        Ok(step)
    }

    /// How many records the host has sealed in the guest's output (the
    /// bulk path of the engine built with host crypto).
    pub(crate) fn sealed_in_output(&self) -> usize {
        self.sealed_in_output
    }

    /// Takes encrypted bytes to send, with the status after.
    pub(crate) fn pull_encrypted(&mut self, max: usize) -> Result<Step> {
        let pair = self.pair()?;
        let mut guest = lock(&self.instance);
        let max = max.min(guest.max_bytes_per_call) as u32;
        let step = guest.guard(|b, s| {
            b.tlsbox_tls_tls()
                .secure_pair()
                .call_pull_encrypted(s, pair, max)
        })?;
        guest.check_step(step, max as usize)
    }

    /// Takes up to `max` bytes of decrypted cleartext and hands them to
    /// `deliver`, with the status after. The host-crypto engine delivers
    /// them through `output.deliver` from where rustls holds them; the
    /// self-contained one returns them. The buffer is not kept for the next
    /// read: a connection that read once and went idle would hold it.
    pub(crate) fn pull_cleartext(
        &mut self,
        max: usize,
        deliver: impl FnOnce(&[u8]),
    ) -> Result<PairStatus> {
        let pair = self.pair()?;
        let mut guest = lock(&self.instance);
        let max = max.min(guest.max_bytes_per_call) as u32;
        guest
            .store
            .data_mut()
            .host_crypto_ctx()
            .cleartext
            .open(max as usize);
        let called = guest.guard(|b, s| {
            b.tlsbox_tls_tls()
                .secure_pair()
                .call_pull_cleartext(s, pair, max)
        });
        let mut delivered = guest.store.data_mut().host_crypto_ctx().cleartext.close();
        let (returned, status) = called?;
        // The self-contained engine returns its bytes; the other delivers.
        if !returned.is_empty() {
            if delivered.is_empty() {
                delivered = returned;
            } else {
                delivered.extend_from_slice(&returned);
            }
        }
        let delivered = guest.check_returned(delivered, max as usize)?;
        drop(guest);
        deliver(&delivered);
        Ok(status)
    }

    /// Where the pair stands.
    pub(crate) fn status(&mut self) -> Result<PairStatus> {
        let pair = self.pair()?;
        let mut guest = lock(&self.instance);
        guest.guard(|b, s| b.tlsbox_tls_tls().secure_pair().call_status(s, pair))
    }

    /// Key log lines the pair recorded since the last call (none unless
    /// the pair was made with `keylog`).
    pub(crate) fn take_keylog(&mut self) -> Result<Vec<String>> {
        let pair = self.pair()?;
        let mut guest = lock(&self.instance);
        guest.guard(|b, s| b.tlsbox_tls_tls().secure_pair().call_take_keylog(s, pair))
    }

    /// The peer's certificate chain, described (Node's `getPeerCertificate`
    /// record for each): parsed in the guest, on demand, since describing
    /// a chain costs about a fifth of a client's handshake.
    pub(crate) fn peer_certificate_chain(&mut self) -> Result<Vec<GuestPeerCertificate>> {
        let pair = self.pair()?;
        let mut guest = lock(&self.instance);
        guest.guard(|b, s| {
            b.tlsbox_tls_tls()
                .secure_pair()
                .call_peer_certificate_chain(s, pair)
        })
    }

    /// Keying material exported from the pair's secrets (Node's
    /// `exportKeyingMaterial`), at most a call's worth of bytes.
    pub(crate) fn export_keying_material(
        &mut self,
        length: usize,
        label: &str,
        context: Option<&[u8]>,
    ) -> Result<Vec<u8>> {
        let pair = self.pair()?;
        let mut guest = lock(&self.instance);
        if length > guest.max_bytes_per_call {
            return Err(TlsError {
                kind: crate::error::TlsErrorCode::ErrInvalidArgValue,
                message: format!(
                    "The argument 'length' is too large: at most {} bytes (the bytes-per-call limit)",
                    guest.max_bytes_per_call
                ),
            }
            .into());
        }
        let exported = guest.guard(|b, s| {
            b.tlsbox_tls_tls()
                .secure_pair()
                .call_export_keying_material(s, pair, length as u32, label, context)
        })?;
        let exported = exported.map_err(TlsError::from)?;
        guest.check_returned(exported, length)
    }

    /// Everything Node's `CleartextStream` reports once the handshake is
    /// done, but the peer's certificate ([`Self::peer_certificate_chain`]):
    /// one guest call.
    pub(crate) fn connection_info(&mut self) -> Result<ConnectionInfo> {
        let pair = self.pair()?;
        let mut guest = lock(&self.instance);
        let facts = guest.guard(|b, s| b.tlsbox_tls_tls().secure_pair().call_facts(s, pair))?;
        Ok(ConnectionInfo::from(facts))
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(pair) = self.pair.take() {
            // An instance of its own goes away with us anyway; a shared one
            // must forget the pair now.
            let _ = lock(&self.instance).drop_resource(pair);
        }
    }
}

#[cfg(test)]
mod tests;
