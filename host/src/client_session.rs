//! A client connection's sessions, for the next connection to resume
//! (Node's `tlsSocket.getSession()` and `tls.connect`'s `session` option).

use crate::sandbox::shared::SharedInstance;

/// The sessions a client connection was given, for a later connection to
/// the same server name to resume: pass it as
/// [`crate::ConnectOptions::session`].
///
/// The sessions stay where rustls keeps them, in the sandbox instance the
/// connection ran in: a `ClientSession` holds that instance, and the
/// connection made with it runs in the same instance and offers them.
/// They cannot leave it as bytes, because rustls 0.23 gives a client's
/// session values no encoding, so a `ClientSession` is good for this
/// process only (there is no `--sess-out` file to write). The connections
/// that share it share one instance, one after the other or at once: a
/// trap in any of them ends the others, and the instance keeps the limits
/// of the first. With TLS 1.3 a session is a ticket, which rustls offers
/// once; each resumed handshake brings new ones from servers that send
/// them (tlsbox, OpenSSL: two; Node: none after a resumed handshake).
#[derive(Clone)]
pub struct ClientSession {
    pub(crate) instance: SharedInstance,
}

impl std::fmt::Debug for ClientSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientSession").finish_non_exhaustive()
    }
}
