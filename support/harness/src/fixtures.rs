//! The files under `fixtures/` as the engine's credentials.

use std::path::Path;

use tlsbox_engine::context::{Credentials, SecureContext};

/// The text of `fixtures/<name>`.
pub fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A context presenting `<agent>-cert.pem` with `<agent>-key.pem`.
pub fn identity(agent: &str) -> SecureContext {
    SecureContext::new(&Credentials {
        key: Some(fixture(&format!("{agent}-key.pem"))),
        cert: Some(fixture(&format!("{agent}-cert.pem"))),
        ..Credentials::default()
    })
    .expect("fixture identity")
}

/// A context trusting the CA certificate in `fixtures/<ca>`, with no
/// identity of its own.
pub fn trusting(ca: &str) -> SecureContext {
    SecureContext::new(&Credentials {
        ca: vec![fixture(ca)],
        ..Credentials::default()
    })
    .expect("fixture CA")
}
