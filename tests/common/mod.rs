//! Shared by the integration tests: fixture paths and small helpers.
#![allow(dead_code)]

use std::path::PathBuf;

use tlsbox::{Credentials, read_pem};

/// `fixtures/<name>`.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("fixtures").join(name)
}

/// The text of `fixtures/<name>`.
pub fn pem(name: &str) -> String {
    read_pem(fixture(name)).expect("fixture readable")
}

/// `<agent>-key.pem` and `<agent>-cert.pem` as server/client credentials.
pub fn identity(agent: &str) -> Credentials {
    Credentials::from_files(fixture(&format!("{agent}-key.pem")), fixture(&format!("{agent}-cert.pem")))
        .expect("fixture identity")
}

/// `identity(agent)` that also trusts `ca` (a fixture name like `ca1`).
pub fn identity_trusting(agent: &str, ca: &str) -> Credentials {
    identity(agent).with_ca(pem(&format!("{ca}-cert.pem")))
}

/// Credentials that only trust `ca`.
pub fn trusting(ca: &str) -> Credentials {
    Credentials::default().with_ca(pem(&format!("{ca}-cert.pem")))
}
