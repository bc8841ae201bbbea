//! Interop with Node as the peer: every matrix runs the same server configs
//! as tlsbox servers and as Node servers (`tests/node/server.js`), and the
//! same client cases through `tlsbox::connect` and through Node
//! (`tests/node/client.js`), and asserts that tlsbox reports what Node
//! reports: codes, messages, `authorized`, the negotiated protocol, the
//! peer certificate. Node is the oracle; each matrix also pins the expected
//! answer, so that a change in both cannot pass unnoticed.

mod common;

/// The tests, by topic, in `tests/interop_node/`.
mod interop_node {
    mod cli_json;
    mod client_auth;
    mod connections;
    mod identity;
    mod keying;
    mod roots;
    mod server_hooks;
    mod sni_alpn;
    mod support;
    mod verification;
    mod versions;
}
