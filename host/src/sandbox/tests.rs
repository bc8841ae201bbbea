//! The sandbox's own tests: its limits and poisoning, and the keys lent
//! with host crypto (a handshake of sandboxed pairs linked by the `Pair`
//! harness).

use super::*;
use crate::limits::Limit;
use crate::test_support::{
    SandboxEndpoint, agent1, ca1_trust, client_options, fixture, server_options,
};
use tlsbox_harness::Pair;

#[test]
fn a_full_resource_table_is_named_as_the_resource_limit() {
    let limits = SandboxLimits {
        max_resources: 2,
        ..SandboxLimits::default()
    };
    let mut instance = GuestInstance::new(&limits, Crypto::default()).expect("instance");
    // What a guest asking WASI for handles does: each one takes a slot.
    let table = instance.store.data_mut().table();
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
    let poison = instance::describe_failure(&error, instance.store.data(), &limits);
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
        cert_chain: Vec::new(),
        ca: Vec::new(),
        ca_certificates: Vec::new(),
        ca_anchors: Vec::new(),
        held_roots: crate::wit::GuestHeldRoots::empty(),
        crl: Vec::new(),
        ocsp_response: None,
    };
    let options = GuestClientOptions {
        servername: None,
        check_host: String::new(),
        reject_unauthorized: true,
        alpn_protocols: Vec::new(),
        keylog: false,
        ciphers: None,
        min_version: None,
        max_version: None,
        ecdh_curve: None,
        sigalgs: None,
        default_roots: false,
        resume: false,
        request_ocsp: false,
    };
    let mut sandbox =
        Sandbox::client(&limits, Crypto::default(), &credentials, &options).expect("client pair");
    assert!(sandbox.status().is_ok());
    let live = live_sandboxes();
    assert!(live >= 1);
    let returned = |data, asked| lock(&sandbox.instance).check_returned(data, asked);
    assert_eq!(returned(vec![0; 5], 5).unwrap().len(), 5);
    let error = returned(vec![0; 6], 5).unwrap_err();
    assert_eq!(error.limit(), Some(Limit::BytesPerCall), "{error}");
    // Every later call reports the same cause without entering the guest.
    let again = sandbox.status().unwrap_err();
    assert_eq!(again.limit(), Some(Limit::BytesPerCall), "{again}");
}

/// With host crypto the guest is given the certificate chain only, as the
/// DER the host decoded, and the handshake is still signed: the host held
/// the key and signed.
#[test]
fn with_host_crypto_the_private_key_stays_in_the_host() {
    let limits = SandboxLimits::default();
    let credentials = agent1();
    let mut instance = GuestInstance::new(&limits, Crypto::Host).expect("instance");
    let given = instance.keep_key(&credentials);
    assert_eq!(given.key, None, "the key must not reach the guest");
    assert_eq!(given.cert, None, "the chain goes as DER");
    let pem = credentials.cert.as_deref().expect("agent1's chain");
    use rustls_pki_types::pem::PemObject;
    let der: Vec<Vec<u8>> = rustls_pki_types::CertificateDer::pem_slice_iter(pem.as_bytes())
        .map(|certificate| certificate.expect("agent1's PEM").to_vec())
        .collect();
    assert_eq!(given.cert_chain, der);
    let lent = |instance: &GuestInstance| instance.store.data().host_crypto_ref().keys.len();
    assert_eq!(lent(&instance), 1, "the key is lent");

    // The same key-less credentials are refused by a guest whose host
    // holds no key: the host's key is what makes them usable.
    let refused = Sandbox::server(&limits, Crypto::Guest, &given, &[], &server_options())
        .err()
        .expect("no key, no identity");
    assert!(refused.to_string().contains("without a key"), "{refused}");

    let server = Sandbox::server(&limits, Crypto::Host, &credentials, &[], &server_options())
        .expect("server pair");
    assert_eq!(lent(&lock(&server.instance)), 1);
    let trust = GuestCredentials {
        ca: vec![fixture("ca1-cert.pem")],
        cert: None,
        cert_chain: Vec::new(),
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
    let mut instance =
        GuestInstance::new(&SandboxLimits::default(), Crypto::Host).expect("instance");
    let credentials = GuestCredentials {
        key: Some(fixture("agent2-key.pem")),
        passphrase: None,
        cert: Some(fixture("agent1-cert.pem")),
        cert_chain: Vec::new(),
        ca: Vec::new(),
        ca_certificates: Vec::new(),
        ca_anchors: Vec::new(),
        held_roots: crate::wit::GuestHeldRoots::empty(),
        crl: Vec::new(),
        ocsp_response: None,
    };
    let given = instance.keep_key(&credentials);
    assert_eq!(given.key, credentials.key);
    let error = instance.create_context(&credentials).unwrap_err();
    assert!(error.to_string().contains("key values mismatch"), "{error}");
}

/// Connections that share an instance (`Isolation::PerContext`) share its
/// fate, and only they: a guest that breaks the contract in one of them
/// ends the others of its instance with the same cause, a connection in
/// another instance carries on, and new connections are not given the
/// broken instance.
#[test]
fn a_broken_shared_instance_ends_its_connections_and_no_others() {
    let pool = shared::InstancePool::new(3);
    let limits = SandboxLimits::default();
    let credentials = agent1();
    let options = server_options();
    let key = shared::InstanceKey {
        limits: limits.clone(),
        contexts_generation: 0,
        guest_ticket_keys: None,
    };
    let accept = || {
        let recipe = shared::ServerRecipe {
            crypto: Crypto::Host,
            default_credentials: &credentials,
            contexts: &[],
            options: &options,
            ticketer: None,
            sessions: None,
        };
        Sandbox::server_in(pool.instance_for(key.clone(), recipe).expect("an instance"))
            .expect("a server pair")
    };
    let mut links: Vec<_> = (0..4)
        .map(|_| {
            let client = Sandbox::client(&limits, Crypto::Host, &ca1_trust(), &client_options())
                .expect("client pair");
            let mut link = Pair::new(SandboxEndpoint::new(client), SandboxEndpoint::new(accept()));
            link.drive();
            let status = link.server.sandbox.status().expect("server status");
            assert!(!status.handshaking && status.failed.is_none(), "{status:?}");
            link
        })
        .collect();
    let instances: Vec<_> = links
        .iter()
        .map(|link| link.server.sandbox.instance.clone())
        .collect();
    assert!(Arc::ptr_eq(&instances[0], &instances[2]), "three share one");
    assert!(
        !Arc::ptr_eq(&instances[2], &instances[3]),
        "the fourth has another"
    );

    let broken = lock(&instances[0])
        .check_returned(vec![0; 6], 5)
        .unwrap_err();
    assert_eq!(broken.limit(), Some(Limit::BytesPerCall), "{broken}");
    for link in &mut links[1..3] {
        let error = link.server.sandbox.status().unwrap_err();
        assert_eq!(error.limit(), Some(Limit::BytesPerCall), "{error}");
    }

    // The fourth still carries data.
    let link = &mut links[3];
    let step = link
        .server
        .sandbox
        .push_cleartext(b"still here", 1 << 16)
        .expect("the other instance runs");
    assert_eq!(step.taken, 10);
    let client = &mut link.client.sandbox;
    client
        .push_encrypted(&step.encrypted, 1 << 16)
        .expect("the client takes it");
    let mut received = Vec::new();
    client
        .pull_cleartext(64, |data| received.extend_from_slice(data))
        .expect("the client reads");
    assert_eq!(received, b"still here");

    // A new connection joins the healthy instance, not the broken one.
    let next = accept();
    assert!(Arc::ptr_eq(&next.instance, &instances[3]));
    assert!(!Arc::ptr_eq(&next.instance, &instances[0]));
}
