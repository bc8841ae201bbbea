//! Client and server pairs of the engine linked buffer to buffer: the SNI
//! callback pause, the codes each side reports when verification fails, and
//! how much received input a pair takes before its cleartext is read.

use std::sync::Mutex;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, TrustAnchor};
use tlsbox_engine::ErrorCode;
use tlsbox_engine::context::{Credentials, HeldRoots, SecureContext};
use tlsbox_engine::pair::{Awaiting, ClientOptions, SecurePair};
use tlsbox_engine::server::{Server, ServerOptions};
use tlsbox_harness::Pair;
use tlsbox_harness::fixtures::{fixture, identity, trusting};

fn client(servername: Option<&str>, ca: &str) -> SecurePair {
    let options = ClientOptions {
        servername: servername.map(str::to_string),
        reject_unauthorized: true,
        ..ClientOptions::default()
    };
    SecurePair::connect(&trusting(ca), &options).expect("client pair")
}

fn peer_cn(pair: &SecurePair) -> Option<String> {
    pair.peer_certificate_chain().first().and_then(|cert| {
        cert.subject
            .iter()
            .find(|a| a.key == "CN")
            .map(|a| a.value.clone())
    })
}

fn sni_server() -> Server {
    let mut server = Server::new(
        identity("agent1"),
        ServerOptions {
            sni_callback: true,
            ..ServerOptions::default()
        },
    );
    server
        .add_context("*.example.com", identity("wildcard"))
        .unwrap();
    server
}

#[test]
fn a_server_with_an_sni_callback_pauses_until_the_context_is_supplied() {
    let server = sni_server();
    let mut client = client(Some("other.test"), "ca2-cert.pem");
    let mut pair = server.accept();
    let hello = client.read_encrypted(usize::MAX);
    assert_eq!(pair.write_encrypted(&hello).unwrap(), hello.len());
    let status = pair.status();
    assert_eq!(
        status.awaiting,
        Some(Awaiting::Context("other.test".into()))
    );
    assert!(status.handshaking);
    assert!(
        !status.wants_encrypted,
        "no input while the context is awaited"
    );
    assert!(
        pair.read_encrypted(usize::MAX).is_empty(),
        "no ServerHello yet"
    );

    pair.supply_context(Some(identity("other"))).unwrap();
    assert_eq!(pair.status().awaiting, None);
    Pair::new(&mut client, &mut pair).drive();
    assert!(!client.status().handshaking, "{:?}", client.status());
    assert!(client.authorized(), "{:?}", client.authorization_error());
    assert_eq!(peer_cn(&client).as_deref(), Some("other.test"));
    assert_eq!(pair.servername().as_deref(), Some("other.test"));
}

#[test]
fn no_context_from_the_callback_means_the_add_context_table_then_the_default() {
    let server = sni_server();
    for (name, expected) in [
        ("a.example.com", "*.example.com"),
        ("a.b.example.com", "agent1"),
    ] {
        let mut client = client(Some(name), "ca1-cert.pem");
        let mut pair = server.accept();
        pair.write_encrypted(&client.read_encrypted(usize::MAX))
            .unwrap();
        assert_eq!(pair.status().awaiting, Some(Awaiting::Context(name.into())));
        pair.supply_context(None).unwrap();
        Pair::new(&mut client, &mut pair).drive();
        assert_eq!(peer_cn(&client).as_deref(), Some(expected), "{name}");
    }
}

#[test]
fn a_client_without_a_servername_never_waits_for_the_callback() {
    let server = sni_server();
    let mut client = client(None, "ca1-cert.pem");
    let mut pair = server.accept();
    pair.write_encrypted(&client.read_encrypted(usize::MAX))
        .unwrap();
    assert_eq!(pair.status().awaiting, None);
    let error = pair.supply_context(None).unwrap_err();
    assert_eq!(error.code, ErrorCode::ErrTlsInvalidState);
    Pair::new(&mut client, &mut pair).drive();
    assert_eq!(peer_cn(&client).as_deref(), Some("agent1"));
}

#[test]
fn a_refused_certificate_keeps_its_node_code_and_sends_openssls_alert() {
    // agent1 (by ca1) to a client trusting only ca2: the client reports the
    // X509 code; the server hears OpenSSL's alert for it, unknown_ca.
    let server = Server::new(identity("agent1"), ServerOptions::default());
    let mut client = client(Some("localhost"), "ca2-cert.pem");
    let mut pair = server.accept();
    Pair::new(&mut client, &mut pair).drive();
    let client_error = client.status().failed.expect("client failed");
    assert_eq!(client_error.code, ErrorCode::UnableToVerifyLeafSignature);
    let server_error = pair.status().failed.expect("server failed");
    assert_eq!(server_error.code, ErrorCode::ErrSslTlsv1AlertUnknownCa);
    assert_eq!(
        server_error.code.as_node_str(),
        "ERR_SSL_TLSV1_ALERT_UNKNOWN_CA"
    );
}

#[test]
fn an_x509_v1_certificate_serves_and_verifies_as_in_node() {
    // agent3 is v1 (no extensions) by ca2, CN=localhost: OpenSSL serves it,
    // and a client trusting ca2 authorizes it by its CN.
    let server = Server::new(identity("agent3"), ServerOptions::default());
    let options = ClientOptions {
        servername: Some("localhost".into()),
        check_host: "localhost".into(),
        reject_unauthorized: true,
        ..ClientOptions::default()
    };
    let mut client = SecurePair::connect(&trusting("ca2-cert.pem"), &options).unwrap();
    let mut pair = server.accept();
    Pair::new(&mut client, &mut pair).drive();
    assert!(!client.status().handshaking, "{:?}", client.status());
    assert!(client.authorized(), "{:?}", client.authorization_error());
    assert_eq!(peer_cn(&client).as_deref(), Some("localhost"));
}

#[test]
fn a_key_that_is_not_the_certificates_is_refused() {
    let error = SecureContext::new(&Credentials {
        key: Some(fixture("agent1-key.pem")),
        cert: Some(fixture("agent3-cert.pem")),
        ..Credentials::default()
    })
    .err()
    .expect("mismatch refused");
    assert_eq!(error.code, ErrorCode::ErrOsslX509KeyValuesMismatch);
}

/// A chain given as DER (what a host that decoded the PEM once hands each
/// context) is the chain the PEM gives; a key that is not its leaf's is
/// still refused, and a chain given both ways is an error.
#[test]
fn a_chain_given_as_der_is_the_chain_its_pem_gives() {
    let pem = fixture("agent6-fullchain-cert.pem");
    let der: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem.as_bytes())
        .map(|certificate| certificate.unwrap())
        .collect();
    assert_eq!(der.len(), 3, "agent6's leaf, its intermediate and the root");
    let from = |cert: Option<String>, cert_chain: Vec<CertificateDer<'static>>, key: &str| {
        SecureContext::new(&Credentials {
            key: Some(fixture(key)),
            cert,
            cert_chain: cert_chain.into(),
            ..Credentials::default()
        })
    };
    let by_pem = from(Some(pem.clone()), Vec::new(), "agent6-key.pem").expect("PEM chain");
    let by_der = from(None, der.clone(), "agent6-key.pem").expect("DER chain");
    assert_eq!(by_der.certificate_chain(), by_pem.certificate_chain());

    let mismatch = from(None, der.clone(), "agent1-key.pem")
        .err()
        .expect("mismatch");
    assert_eq!(mismatch.code, ErrorCode::ErrOsslX509KeyValuesMismatch);
    let twice = from(Some(pem), der, "agent6-key.pem")
        .err()
        .expect("given twice");
    assert_eq!(twice.code, ErrorCode::ErrTlsInvalidCredentials);
    assert!(twice.message.contains("twice"), "{}", twice.message);
}

/// A root fixture as DER.
fn root_der(name: &str) -> CertificateDer<'static> {
    CertificateDer::from_pem_slice(fixture(name).as_bytes()).unwrap()
}

/// A root's webpki trust anchor.
fn anchor(root: &CertificateDer<'static>) -> TrustAnchor<'static> {
    webpki::anchor_from_trusted_cert(root).unwrap().to_owned()
}

/// A client with `credentials` that has shaken hands with an agent1 server
/// (agent1 is issued by ca1), not rejecting an unauthorized one.
fn client_of_agent1(credentials: Credentials) -> Result<SecurePair, tlsbox_engine::Error> {
    let context = SecureContext::new(&credentials)?;
    let options = ClientOptions {
        servername: Some("localhost".into()),
        check_host: "localhost".into(),
        ..ClientOptions::default()
    };
    let mut client = SecurePair::connect(&context, &options)?;
    let mut pair = Server::new(identity("agent1"), ServerOptions::default()).accept();
    Pair::new(&mut client, &mut pair).drive();
    assert!(!client.status().handshaking, "{:?}", client.status());
    Ok(client)
}

#[test]
fn roots_given_as_der_with_their_anchors_verify_as_their_pem_does() {
    let (ca1, ca2) = (root_der("ca1-cert.pem"), root_der("ca2-cert.pem"));
    let client_with = client_of_agent1;

    // agent1 is issued by ca1: trusted by PEM, by DER alone (parsed in
    // the context) and by DER with the anchors taken from it; each chain
    // ends at the root it was trusted by.
    let by_pem = client_with(Credentials {
        ca: vec![fixture("ca1-cert.pem")],
        ..Credentials::default()
    })
    .unwrap();
    let by_der = client_with(Credentials {
        ca_certificates: vec![ca2.clone(), ca1.clone()].into(),
        ..Credentials::default()
    })
    .unwrap();
    let by_anchors = client_with(Credentials {
        ca_certificates: vec![ca2.clone(), ca1.clone()].into(),
        ca_anchors: vec![anchor(&ca2), anchor(&ca1)],
        ..Credentials::default()
    })
    .unwrap();
    for client in [&by_pem, &by_der, &by_anchors] {
        assert!(client.authorized(), "{:?}", client.authorization_error());
        let chain = client.peer_certificate_chain();
        assert_eq!(chain.len(), 2, "agent1 and its root ca1");
        assert_eq!(
            chain[1].fingerprint256,
            by_pem.peer_certificate_chain()[1].fingerprint256
        );
    }

    // The anchors are what is trusted: ca1's DER beside ca2's anchor
    // verifies nothing by ca1.
    let wrong_anchor = client_with(Credentials {
        ca_certificates: vec![ca1.clone()].into(),
        ca_anchors: vec![anchor(&ca2)],
        ..Credentials::default()
    })
    .unwrap();
    assert!(!wrong_anchor.authorized());
    assert_eq!(
        wrong_anchor.authorization_error().map(|e| e.code),
        Some(ErrorCode::UnableToVerifyLeafSignature)
    );

    // Anchors are one per root, or none.
    let miscounted = SecureContext::new(&Credentials {
        ca_certificates: vec![ca1.clone(), ca2.clone()].into(),
        ca_anchors: vec![anchor(&ca1)],
        ..Credentials::default()
    })
    .err()
    .expect("one anchor for two roots");
    assert_eq!(miscounted.code, ErrorCode::ErrTlsInvalidCredentials);
    assert!(
        miscounted.message.contains("one each"),
        "{}",
        miscounted.message
    );
}

/// The subjects the held-roots source below was asked for.
static ASKED: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());

/// A root source whose `extra` store holds ca1 and ca2, and whose `system`
/// store holds none.
fn held_ca1_and_ca2(held: HeldRoots, subject: &[u8]) -> Vec<CertificateDer<'static>> {
    ASKED.lock().unwrap().push(subject.to_vec());
    if !held.extra {
        return Vec::new();
    }
    ["ca1-cert.pem", "ca2-cert.pem"]
        .into_iter()
        .map(root_der)
        .filter(|root| &*anchor(root).subject == subject)
        .collect()
}

#[test]
fn held_roots_are_asked_for_by_the_issuer_a_chain_names() {
    tlsbox_engine::install_root_source(held_ca1_and_ca2);
    let held = |extra, system| Credentials {
        held_roots: HeldRoots { extra, system },
        ..Credentials::default()
    };
    let by_pem = client_of_agent1(Credentials {
        ca: vec![fixture("ca1-cert.pem")],
        ..Credentials::default()
    })
    .unwrap();
    ASKED.lock().unwrap().clear();
    let client = client_of_agent1(held(true, false)).unwrap();
    assert!(client.authorized(), "{:?}", client.authorization_error());
    let chain = client.peer_certificate_chain();
    assert_eq!(chain.len(), 2, "agent1 and the held root ca1");
    assert_eq!(
        chain[1].fingerprint256,
        by_pem.peer_certificate_chain()[1].fingerprint256
    );
    // Asked once, for agent1's issuer (ca1's subject), not for every root.
    let ca1_subject = anchor(&root_der("ca1-cert.pem")).subject.to_vec();
    assert_eq!(*ASKED.lock().unwrap(), [ca1_subject]);

    // A store that holds no ca1 verifies nothing by it.
    let client = client_of_agent1(held(false, true)).unwrap();
    assert!(!client.authorized());
    assert_eq!(
        client.authorization_error().map(|e| e.code),
        Some(ErrorCode::UnableToVerifyLeafSignature)
    );
}

#[test]
fn an_x509_v1_client_certificate_passes_a_crl_check_as_in_node() {
    // A server trusting ca2 with ca2's CRL: agent3 (v1, by ca2, not revoked)
    // is authorized; the CRL is found for its issuer.
    let context = SecureContext::new(&Credentials {
        key: Some(fixture("agent1-key.pem")),
        cert: Some(fixture("agent1-cert.pem")),
        ca: vec![fixture("ca2-cert.pem")],
        crl: vec![fixture("ca2-crl.pem")],
        ..Credentials::default()
    })
    .unwrap();
    let server = Server::new(
        context,
        ServerOptions {
            request_cert: true,
            ..ServerOptions::default()
        },
    );
    let client_context = SecureContext::new(&Credentials {
        key: Some(fixture("agent3-key.pem")),
        cert: Some(fixture("agent3-cert.pem")),
        ca: vec![fixture("ca1-cert.pem")],
        ..Credentials::default()
    })
    .unwrap();
    let options = ClientOptions {
        servername: Some("localhost".into()),
        check_host: "localhost".into(),
        reject_unauthorized: true,
        ..ClientOptions::default()
    };
    let mut client = SecurePair::connect(&client_context, &options).unwrap();
    let mut pair = server.accept();
    Pair::new(&mut client, &mut pair).drive();
    assert!(!pair.status().handshaking, "{:?}", pair.status());
    assert!(pair.authorized(), "{:?}", pair.authorization_error());
}

#[test]
fn an_x509_v1_client_sending_its_untrusted_root_is_self_signed_in_chain() {
    // agent3 (v1, by ca2) sent with ca2 to a server trusting ca1: OpenSSL's
    // SELF_SIGNED_CERT_IN_CHAIN, not a walk around ca2 signing itself.
    let context = SecureContext::new(&Credentials {
        key: Some(fixture("agent1-key.pem")),
        cert: Some(fixture("agent1-cert.pem")),
        ca: vec![fixture("ca1-cert.pem")],
        ..Credentials::default()
    })
    .unwrap();
    let server = Server::new(
        context,
        ServerOptions {
            request_cert: true,
            ..ServerOptions::default()
        },
    );
    let client_context = SecureContext::new(&Credentials {
        key: Some(fixture("agent3-key.pem")),
        cert: Some(fixture("agent3-cert.pem") + &fixture("ca2-cert.pem")),
        ca: vec![fixture("ca1-cert.pem")],
        ..Credentials::default()
    })
    .unwrap();
    let options = ClientOptions {
        servername: Some("localhost".into()),
        check_host: "localhost".into(),
        reject_unauthorized: true,
        ..ClientOptions::default()
    };
    let mut client = SecurePair::connect(&client_context, &options).unwrap();
    let mut pair = server.accept();
    Pair::new(&mut client, &mut pair).drive();
    assert!(!pair.status().handshaking, "{:?}", pair.status());
    assert_eq!(
        pair.authorization_error().map(|e| e.code),
        Some(ErrorCode::SelfSignedCertInChain)
    );
}

#[test]
fn a_pair_takes_records_until_rustls_holds_more_than_a_records_worth_of_cleartext() {
    const RECORD: usize = 16 * 1024;
    let server = Server::new(identity("agent1"), ServerOptions::default());
    let mut client = client(Some("agent1"), "ca1-cert.pem");
    let mut pair = server.accept();
    Pair::new(&mut client, &mut pair).drive();
    assert!(!pair.status().handshaking);

    let sent: Vec<u8> = (0..3 * RECORD).map(|i| (i % 251) as u8).collect();
    let mut written = 0;
    while written < sent.len() {
        written += client.write_cleartext(&sent[written..]).unwrap();
    }
    let wire = client.read_encrypted(usize::MAX);
    assert!(wire.len() > 3 * RECORD, "three full records on the wire");

    // One full record held is not yet rustls' limit: the second is taken
    // in the same call, and then the pair stops.
    let taken = pair.write_encrypted(&wire).unwrap();
    let status = pair.status();
    assert_eq!(status.cleartext_pending, 2 * RECORD, "taken {taken}");
    assert!(!status.wants_encrypted, "{status:?}");
    assert!(taken < wire.len());
    assert_eq!(pair.write_encrypted(&wire[taken..]).unwrap(), 0);

    let mut received = pair.read_cleartext(usize::MAX);
    assert!(pair.status().wants_encrypted);
    let rest = pair.write_encrypted(&wire[taken..]).unwrap();
    assert_eq!(taken + rest, wire.len());
    received.extend(pair.read_cleartext(usize::MAX));
    assert_eq!(received, sent);
}

#[test]
fn a_client_names_its_server_as_nodes_connect_does() {
    use tlsbox_engine::pair::ConnectNames;
    let names = |host, servername| {
        let names = ConnectNames::new(host, servername);
        (names.servername, names.check_host)
    };
    // SNI is the host, which the certificate must name.
    assert_eq!(
        names("example.com", None),
        (Some("example.com".into()), "example.com".into())
    );
    // No address in SNI (RFC 6066); the certificate must still name it.
    assert_eq!(names("127.0.0.1", None), (None, "127.0.0.1".into()));
    assert_eq!(names("::1", None), (None, "::1".into()));
    // The `servername` option is sent and checked, whatever the host.
    assert_eq!(
        names("127.0.0.1", Some("agent1")),
        (Some("agent1".into()), "agent1".into())
    );
}

/// A ClientHello whose ticket was tampered with gets what a hello without
/// one gets: a full handshake's ServerHello, no alert, no failure. The
/// same hello untouched resumes. (The ticket starts with its keys' name,
/// the harness server's 16 bytes of 0x5a; a byte of its sealed part is
/// flipped, so the lengths stay right and only the seal fails.)
#[test]
fn a_tampered_ticket_gives_a_full_handshake_and_no_alert() {
    let seeded = tlsbox_harness::fuzz::resuming_hello();
    let hello = &seeded[1..]; // after the fuzz seed's chunk selector
    let name = [0x5a_u8; 16];
    let at = hello
        .windows(name.len())
        .position(|window| window == name)
        .expect("the hello offers the harness server's ticket");
    let mut tampered = hello.to_vec();
    tampered[at + name.len() + 20] ^= 0x01;

    for (offered, resumes) in [(hello.to_vec(), true), (tampered, false)] {
        let mut pair = tlsbox_harness::fuzz::ticketing_server().accept();
        assert_eq!(
            pair.write_encrypted(&offered).expect("no error"),
            offered.len()
        );
        let reply = pair.read_encrypted(usize::MAX);
        let status = pair.status();
        assert!(status.failed.is_none(), "{:?}", status.failed);
        // A handshake record whose first message is a ServerHello (2):
        // the peer cannot tell a refused ticket from none.
        assert_eq!(
            reply.first(),
            Some(&0x16),
            "a handshake record, not an alert"
        );
        assert_eq!(reply.get(5), Some(&0x02), "a ServerHello");
        assert_eq!(pair.session_reused(), resumes, "resumes: {resumes}");
    }
}
