//! The sandbox's own tests: its limits and poisoning, and the keys lent
//! with host crypto (a handshake of sandboxed pairs linked by the `Pair`
//! harness).

use super::*;
use crate::test_support::{SandboxEndpoint, agent1, client_options, fixture, server_options};
use tlsbox_harness::Pair;

#[test]
fn a_full_resource_table_is_named_as_the_resource_limit() {
    let limits = SandboxLimits {
        max_resources: 2,
        ..SandboxLimits::default()
    };
    let mut sandbox = Sandbox::instantiate(&limits, Crypto::default()).expect("instance");
    // What a guest asking WASI for handles does: each one takes a slot.
    let table = sandbox.store.data_mut().table();
    let mut pushed = 0;
    let full = loop {
        match table.push(pushed) {
            Ok(_) => pushed += 1,
            Err(e) => break e,
        }
        assert!(pushed <= 2, "the cap holds");
    };
    assert_eq!(pushed, 2);
    let error = wasmtime::Error::from(full).context("a WASI call failed");
    let poison = describe_failure(&error, sandbox.store.data(), &limits);
    assert_eq!(poison.limit, Some(Limit::Resources));
    assert!(
        poison.message.contains("resource limit of 2"),
        "{}",
        poison.message
    );
}

#[test]
fn a_guest_reply_larger_than_asked_poisons_the_sandbox() {
    let limits = SandboxLimits::default();
    let credentials = GuestCredentials {
        key: None,
        passphrase: None,
        cert: None,
        ca: Vec::new(),
        crl: Vec::new(),
    };
    let options = GuestClientOptions {
        servername: None,
        check_host: String::new(),
        reject_unauthorized: true,
        alpn_protocols: Vec::new(),
        keylog: false,
        ciphers: None,
    };
    let mut sandbox =
        Sandbox::client(&limits, Crypto::default(), &credentials, &options).expect("client pair");
    assert!(sandbox.status().is_ok());
    let live = live_sandboxes();
    assert!(live >= 1);
    assert_eq!(sandbox.check_returned(vec![0; 5], 5).unwrap().len(), 5);
    let error = sandbox.check_returned(vec![0; 6], 5).unwrap_err();
    assert_eq!(error.limit(), Some(Limit::BytesPerCall), "{error}");
    // Every later call reports the same cause without entering the guest.
    let again = sandbox.status().unwrap_err();
    assert_eq!(again.limit(), Some(Limit::BytesPerCall), "{again}");
}

/// With host crypto the guest is given the certificate chain only and
/// the handshake is still signed: the host held the key and signed.
#[test]
fn with_host_crypto_the_private_key_stays_in_the_host() {
    let limits = SandboxLimits::default();
    let credentials = agent1();
    let mut server = Sandbox::instantiate(&limits, Crypto::Host).expect("instance");
    let given = server.keep_key(&credentials);
    assert_eq!(given.key, None, "the key must not reach the guest");
    assert_eq!(given.cert, credentials.cert);
    let lent = |sandbox: &Sandbox| sandbox.store.data().host_crypto_ref().keys.len();
    assert_eq!(lent(&server), 1, "the key is lent");

    // The same key-less credentials are refused by a guest whose host
    // holds no key: the host's key is what makes them usable.
    let refused = Sandbox::server(&limits, Crypto::Guest, &given, &[], &server_options())
        .err()
        .expect("no key, no identity");
    assert!(refused.to_string().contains("without a key"), "{refused}");

    let server = Sandbox::server(&limits, Crypto::Host, &credentials, &[], &server_options())
        .expect("server pair");
    assert_eq!(lent(&server), 1);
    let trust = GuestCredentials {
        ca: vec![fixture("ca1-cert.pem")],
        cert: None,
        ..given.clone()
    };
    let client =
        Sandbox::client(&limits, Crypto::Guest, &trust, &client_options()).expect("client pair");
    let mut link = Pair::new(SandboxEndpoint::new(client), SandboxEndpoint::new(server));
    link.drive();
    let client = link.client.sandbox.connection_info().expect("client facts");
    assert!(
        client.authorized,
        "the host's signature verified: {client:?}"
    );
    let server = link.server.sandbox.status().expect("server status");
    assert!(!server.handshaking && server.failed.is_none());
}

/// Credentials whose key does not parse go to the guest whole, so the
/// error carries Node's code exactly as without host crypto.
#[test]
fn a_bad_key_goes_to_the_guest_for_its_error() {
    let mut sandbox =
        Sandbox::instantiate(&SandboxLimits::default(), Crypto::Host).expect("instance");
    let credentials = GuestCredentials {
        key: Some(fixture("agent2-key.pem")),
        passphrase: None,
        cert: Some(fixture("agent1-cert.pem")),
        ca: Vec::new(),
        crl: Vec::new(),
    };
    let given = sandbox.keep_key(&credentials);
    assert_eq!(given.key, credentials.key);
    let error = sandbox.create_context(&credentials).unwrap_err();
    assert!(error.to_string().contains("key values mismatch"), "{error}");
}
