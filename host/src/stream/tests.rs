//! Tests of [`CleartextStream`] over sandboxes of each engine build.

use crate::limits::SandboxLimits;
use crate::options::Crypto;
use crate::sandbox::Sandbox;
use crate::test_support::{agent1, ca1_trust, client_options, handshaken, server_options};
use crate::wit::GuestClientOptions;

/// A connection starts with a small read-ahead buffer (an idle one
/// should not hold 32 KiB) and grows it once its peer sends in bulk.
#[tokio::test]
async fn a_connection_reads_ahead_little_until_its_peer_sends_in_bulk() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let limits = SandboxLimits::default();
    let trust = ca1_trust();
    let server = Sandbox::server(&limits, Crypto::Host, &agent1(), &[], &server_options())
        .expect("server pair");
    let client = Sandbox::client(&limits, Crypto::Host, &trust, &client_options()).expect("client");
    let (mut server, mut client) = handshaken(server, client, 256 * 1024).await;
    let small = server.read_ahead_capacity();
    assert!(small <= 4096, "after the handshake: {small} bytes");

    let payload: Vec<u8> = (0..100_000u32).map(|i| (i % 249) as u8).collect();
    let sending = async {
        client.write_all(&payload).await.expect("write");
        client.shutdown().await.expect("close_notify");
    };
    let mut received = Vec::new();
    let ((), read) = tokio::join!(sending, server.read_to_end(&mut received));
    read.expect("read to close_notify");
    assert!(received == payload, "{} bytes arrived", received.len());
    assert_eq!(server.read_ahead_capacity(), 32 * 1024, "grown for bulk");
}

/// With host crypto, bulk writes take the path where the host seals
/// the records in the output it takes from the guest, and reads the one
/// where the guest delivers cleartext from where rustls holds it; a
/// peer of the other build (ring inside its guest) gets every byte
/// across, each way, with each AEAD of TLS 1.3 and TLS 1.2 (GCM's
/// explicit nonce included).
#[tokio::test]
async fn with_host_crypto_bulk_records_cross_the_boundary_once_each_way() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let limits = SandboxLimits::default();
    let credentials = agent1();
    let trust = ca1_trust();
    let payload: Vec<u8> = (0..300_000u32).map(|i| (i % 253) as u8).collect();
    let suites = [
        "TLS_AES_128_GCM_SHA256",
        "TLS_CHACHA20_POLY1305_SHA256",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    ];
    // Host build sending (records sealed in the output) to the
    // self-contained build, and the other way round (cleartext
    // delivered from where rustls holds it): ring inside the guest
    // checks the host's AEADs each way.
    let pairings = [(Crypto::Host, Crypto::Guest), (Crypto::Guest, Crypto::Host)];
    for ((server_crypto, client_crypto), suite) in pairings
        .into_iter()
        .flat_map(|pairing| suites.map(|suite| (pairing, suite)))
    {
        let server = Sandbox::server(&limits, server_crypto, &credentials, &[], &server_options())
            .expect("server pair");
        let options = GuestClientOptions {
            ciphers: Some(suite.into()),
            ..client_options()
        };
        let client =
            Sandbox::client(&limits, client_crypto, &trust, &options).expect("client pair");
        let (mut server, mut client) = handshaken(server, client, 256 * 1024).await;
        assert_eq!(client.cipher().expect("cipher").standard_name, suite);

        let sent = payload.clone();
        let sending = async {
            server.write_all(&sent).await.expect("write");
            server.shutdown().await.expect("close_notify");
        };
        let mut received = Vec::new();
        let receiving = client.read_to_end(&mut received);
        let ((), read) = tokio::join!(sending, receiving);
        read.expect("read to close_notify");
        assert!(
            received == payload,
            "{suite} from {server_crypto:?} to {client_crypto:?}: {} bytes arrived",
            received.len()
        );
        let sealed = server.records_sealed_by_host();
        if server_crypto == Crypto::Host {
            assert!(
                sealed >= payload.len() / (16 * 1024),
                "{suite}: only {sealed} records sealed in the output"
            );
        } else {
            assert_eq!(sealed, 0, "the self-contained build seals its own");
        }
    }
}
