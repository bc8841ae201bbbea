//! In-memory pairs: two sandboxes handshaking through a tokio duplex, no sockets.

mod common;

use common::{identity, trusting};
use tokio::io::{AsyncReadExt, AsyncWriteExt, duplex};

#[tokio::test]
async fn client_and_server_pairs_handshake_and_exchange_data_both_ways() {
    let (client_io, server_io) = duplex(64 * 1024);
    let server = tlsbox::create_secure_pair(identity("agent1"), true, false, false).unwrap();
    let client = tlsbox::create_secure_pair(trusting("ca1"), false, false, true)
        .unwrap()
        .servername("localhost");
    let (server, client) = tokio::join!(server.secure(server_io), client.secure(client_io));
    let (mut server, mut client) = (server.unwrap(), client.unwrap());

    assert!(client.authorized(), "{:?}", client.authorization_error());
    assert_eq!(client.servername(), Some("localhost"));
    assert_eq!(server.servername(), Some("localhost"));
    assert_eq!(client.protocol(), Some("TLSv1.3"));
    let cert = client.peer_certificate().expect("server certificate");
    assert_eq!(cert.common_name(), Some("agent1"));
    assert_eq!(
        cert.issuer_certificate
            .as_ref()
            .and_then(|c| c.common_name()),
        Some("ca1")
    );
    // The server did not ask for a certificate: not authorized, no error (Node's behaviour).
    assert!(!server.authorized());
    assert!(server.authorization_error().is_none());

    client.write_all(b"hello from the client").await.unwrap();
    let mut buf = [0u8; 21];
    server.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"hello from the client");

    let big: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let writer = async {
        server.write_all(&big).await.unwrap();
        server.shutdown().await.unwrap();
    };
    let reader = async {
        let mut got = Vec::new();
        client.read_to_end(&mut got).await.unwrap();
        got
    };
    let ((), got) = tokio::join!(writer, reader);
    assert_eq!(got.len(), big.len());
    assert!(got == big, "bulk data arrived intact");
    // The certificate is described on demand: still there after the data
    // and the peer's close_notify, and the same each time it is asked for.
    let again = client.peer_certificate().expect("server certificate");
    assert_eq!(again.common_name(), Some("agent1"));
    assert!(server.peer_certificate().is_none(), "the client sent none");
}

#[tokio::test]
async fn a_client_pair_that_does_not_trust_the_server_fails_with_nodes_code() {
    let (client_io, server_io) = duplex(64 * 1024);
    let server = tlsbox::create_secure_pair(identity("agent1"), true, false, false).unwrap();
    let client = tlsbox::create_secure_pair(trusting("ca2"), false, false, true).unwrap();
    let (server, client) = tokio::join!(server.secure(server_io), client.secure(client_io));
    let error = client.unwrap_err();
    // agent1 is sent alone and its issuer (ca1) is unknown: OpenSSL's wording.
    assert_eq!(error.code(), "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "{error}");
    assert!(server.is_err(), "the server sees the client's alert");
}
