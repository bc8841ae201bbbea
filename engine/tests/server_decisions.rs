//! A server pair's pauses for its caller's decisions beyond SNI: the ALPN
//! protocol (Node's `ALPNCallback`) and the OCSP response to staple (the
//! `OCSPRequest` event), and the client's side of stapling
//! (`requestOCSP`), with client and server pairs linked buffer to buffer.

use tlsbox_engine::ErrorCode;
use tlsbox_engine::context::{Credentials, SecureContext};
use tlsbox_engine::pair::{AlpnOffer, Awaiting, ClientOptions, SecurePair};
use tlsbox_engine::server::{Server, ServerOptions};
use tlsbox_harness::Pair;
use tlsbox_harness::fixtures::{fixture, identity, trusting};

fn staple() -> Vec<u8> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/agent1-ocsp.der");
    std::fs::read(path).expect("fixtures/agent1-ocsp.der")
}

fn client(alpn: &[&str], request_ocsp: bool, max_version: Option<&str>) -> SecurePair {
    let options = ClientOptions {
        servername: Some("agent1.test".into()),
        check_host: "agent1.test".into(),
        reject_unauthorized: true,
        alpn_protocols: alpn.iter().map(|p| p.to_string()).collect(),
        max_version: max_version.map(str::to_string),
        request_ocsp,
        ..ClientOptions::default()
    };
    SecurePair::connect(&trusting("ca1-cert.pem"), &options).expect("client pair")
}

fn server(context: SecureContext, options: ServerOptions) -> Server {
    Server::new(context, options)
}

/// Hands the client's ClientHello to the server pair.
fn hello(client: &mut SecurePair, server: &mut SecurePair) {
    let bytes = client.read_encrypted(usize::MAX);
    assert_eq!(server.write_encrypted(&bytes).unwrap(), bytes.len());
}

fn alpn_server() -> Server {
    server(
        identity("agent1"),
        ServerOptions {
            alpn_callback: true,
            ..ServerOptions::default()
        },
    )
}

#[test]
fn an_alpn_callback_sees_the_offer_and_its_choice_is_agreed() {
    let server = alpn_server();
    let mut client = client(&["h2", "http/1.1"], false, None);
    let mut pair = server.accept();
    hello(&mut client, &mut pair);
    let status = pair.status();
    assert_eq!(
        status.awaiting,
        Some(Awaiting::Alpn(AlpnOffer {
            servername: Some("agent1.test".into()),
            protocols: vec!["h2".into(), "http/1.1".into()],
        }))
    );
    assert!(status.handshaking && !status.wants_encrypted);
    assert!(
        pair.read_encrypted(usize::MAX).is_empty(),
        "no ServerHello yet"
    );

    pair.supply_alpn(Some("http/1.1")).unwrap();
    assert_eq!(pair.status().awaiting, None);
    Pair::new(&mut client, &mut pair).drive();
    assert!(!client.status().handshaking, "{:?}", client.status());
    assert_eq!(client.alpn_protocol().as_deref(), Some("http/1.1"));
    assert_eq!(pair.alpn_protocol().as_deref(), Some("http/1.1"));
}

#[test]
fn no_protocol_from_the_alpn_callback_refuses_the_client_with_no_application_protocol() {
    let server = alpn_server();
    let mut client = client(&["h2"], false, None);
    let mut pair = server.accept();
    hello(&mut client, &mut pair);
    let error = pair.supply_alpn(None).unwrap_err();
    assert_eq!(error.code, ErrorCode::ErrSslNoApplicationProtocol);
    assert_eq!(pair.status().failed.map(|e| e.code), Some(error.code));

    let alert = pair.read_encrypted(usize::MAX);
    let error = client.write_encrypted(&alert).unwrap_err();
    assert_eq!(error.code, ErrorCode::ErrSslTlsv1AlertNoApplicationProtocol);
}

#[test]
fn a_protocol_the_client_did_not_offer_is_the_callbacks_error_and_refuses_the_client() {
    let server = alpn_server();
    let mut client = client(&["h2"], false, None);
    let mut pair = server.accept();
    hello(&mut client, &mut pair);
    let error = pair.supply_alpn(Some("spdy/3")).unwrap_err();
    assert_eq!(error.code, ErrorCode::ErrTlsAlpnCallbackInvalidResult);
    assert!(error.message.contains("spdy/3"), "{}", error.message);
    let alert = pair.read_encrypted(usize::MAX);
    let error = client.write_encrypted(&alert).unwrap_err();
    assert_eq!(error.code, ErrorCode::ErrSslTlsv1AlertNoApplicationProtocol);
}

#[test]
fn a_client_that_offers_no_alpn_skips_the_callback() {
    let server = alpn_server();
    let mut client = client(&[], false, None);
    let mut pair = server.accept();
    hello(&mut client, &mut pair);
    assert_eq!(pair.status().awaiting, None);
    let error = pair.supply_alpn(Some("h2")).unwrap_err();
    assert_eq!(error.code, ErrorCode::ErrTlsInvalidState);
    Pair::new(&mut client, &mut pair).drive();
    assert!(!client.status().handshaking);
    assert_eq!(client.alpn_protocol(), None);
}

fn stapling_context() -> SecureContext {
    SecureContext::new(&Credentials {
        key: Some(fixture("agent1-key.pem")),
        cert: Some(fixture("agent1-cert.pem")),
        ocsp_response: Some(staple()),
        ..Credentials::default()
    })
    .expect("agent1 with its OCSP response")
}

#[test]
fn a_contexts_ocsp_response_reaches_a_client_that_asks_in_both_versions() {
    let server = server(stapling_context(), ServerOptions::default());
    for version in ["TLSv1.3", "TLSv1.2"] {
        let mut client = client(&[], true, Some(version));
        let mut pair = server.accept();
        Pair::new(&mut client, &mut pair).drive();
        assert!(!client.status().handshaking, "{version}");
        assert_eq!(client.protocol().as_deref(), Some(version));
        assert_eq!(client.ocsp_response(), Some(&staple()[..]), "{version}");

        // Without requestOCSP the pair keeps nothing.
        let mut client = self::client(&[], false, Some(version));
        let mut pair = server.accept();
        Pair::new(&mut client, &mut pair).drive();
        assert_eq!(client.ocsp_response(), None, "{version}");
    }
}

#[test]
fn an_ocsp_callback_sees_the_chosen_chain_and_its_response_is_stapled() {
    let server = server(
        identity("agent1"),
        ServerOptions {
            ocsp_callback: true,
            ..ServerOptions::default()
        },
    );
    let mut client = client(&[], true, None);
    let mut pair = server.accept();
    hello(&mut client, &mut pair);
    let Some(Awaiting::Ocsp(chain)) = pair.status().awaiting else {
        panic!("awaiting {:?}", pair.status().awaiting);
    };
    let leaf = identity("agent1").certificate_chain()[0].to_vec();
    assert_eq!(chain, vec![leaf]);
    pair.supply_ocsp(Some(staple())).unwrap();
    Pair::new(&mut client, &mut pair).drive();
    assert!(!client.status().handshaking);
    assert_eq!(client.ocsp_response(), Some(&staple()[..]));

    // None staples the context's own: here, nothing.
    let mut client = self::client(&[], true, None);
    let mut pair = server.accept();
    hello(&mut client, &mut pair);
    pair.supply_ocsp(None).unwrap();
    Pair::new(&mut client, &mut pair).drive();
    assert!(!client.status().handshaking);
    assert_eq!(client.ocsp_response(), None);
}

#[test]
fn a_response_that_is_not_der_is_refused_with_the_credentials() {
    let error = SecureContext::new(&Credentials {
        key: Some(fixture("agent1-key.pem")),
        cert: Some(fixture("agent1-cert.pem")),
        ocsp_response: Some(b"-----BEGIN OCSP-----".to_vec()),
        ..Credentials::default()
    })
    .err()
    .expect("PEM text is not a DER response");
    assert_eq!(error.code, ErrorCode::ErrTlsInvalidCredentials);
    assert!(error.message.contains("OCSP"), "{}", error.message);
}
