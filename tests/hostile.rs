//! Hostile peers against the real server and client on loopback: junk,
//! silence, resets, truncation, oversized records, absurd ClientHellos and
//! records after close_notify. Each ends the one connection with a clear
//! error, and the server goes on serving.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::raw::{self, Rng};
use common::{identity, pem};
use tlsbox::{ConnectOptions, Error, Server, ServerEvent, ServerOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

/// Guards every wait in this file: a hang fails the test instead of stalling it.
const HANG: Duration = Duration::from_secs(20);

/// A server on loopback whose events the test reads itself.
async fn server_with(handshake_timeout: Duration) -> (Arc<Server>, u16) {
    let mut options = ServerOptions::new(identity("agent1"));
    options.handshake_timeout = handshake_timeout;
    let server = Arc::new(tlsbox::create_server(options).expect("server"));
    let port = server.listen("127.0.0.1:0").await.expect("listen").port();
    (server, port)
}

async fn server() -> (Arc<Server>, u16) {
    server_with(Duration::from_secs(10)).await
}

/// The next event must be a `clientError`; returns its error.
async fn client_error(server: &Server) -> Error {
    match timeout(HANG, server.next_event()).await.expect("an event") {
        Some(ServerEvent::ClientError { error, remote_addr }) => {
            assert!(remote_addr.is_some());
            println!("clientError: {error}");
            error
        }
        Some(ServerEvent::SecureConnection(_)) => panic!("a hostile peer got a secure connection"),
        None => panic!("server closed"),
    }
}

/// Reads until the server closes the connection (EOF or reset); returns
/// what it sent before.
async fn until_closed(tcp: &mut TcpStream) -> Vec<u8> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match timeout(HANG, tcp.read(&mut buf))
            .await
            .expect("server closes")
        {
            Ok(0) | Err(_) => return seen,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
}

/// A well-behaved client still completes a handshake and an echo.
async fn still_serving(server: &Server, port: u16) {
    let client = tokio::spawn(async move {
        let mut client = tlsbox::connect(
            "localhost",
            port,
            ConnectOptions::with_ca(pem("ca1-cert.pem")),
        )
        .await
        .expect("a good client still connects");
        client.write_all(b"still there?").await.unwrap();
        let mut reply = [0u8; 12];
        client.read_exact(&mut reply).await.unwrap();
        reply
    });
    let event = timeout(HANG, server.next_event()).await.expect("an event");
    let Some(ServerEvent::SecureConnection(mut stream)) = event else {
        panic!("expected a secure connection, got {event:?}");
    };
    let mut buf = [0u8; 12];
    stream.read_exact(&mut buf).await.unwrap();
    stream.write_all(&buf).await.unwrap();
    assert_eq!(
        &timeout(HANG, client).await.unwrap().unwrap(),
        b"still there?"
    );
}

/// Sends `junk` instead of a ClientHello; returns the clientError.
async fn send_junk(port: u16, server: &Server, junk: &[u8]) -> Error {
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    // The server may close before it has read everything: a failed write is fine.
    let _ = tcp.write_all(junk).await;
    let error = client_error(server).await;
    let answer = until_closed(&mut tcp).await;
    assert!(
        answer.is_empty() || answer[0] == raw::ALERT,
        "only an alert may come back: {answer:?}"
    );
    error
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_line_of_text_is_a_wrong_version_number() {
    let (server, port) = server().await;
    let error = send_junk(port, &server, b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n").await;
    assert_eq!(error.code(), "ERR_SSL_WRONG_VERSION_NUMBER", "{error}");
    assert!(
        error.to_string().contains("wrong version number"),
        "{error}"
    );
    still_serving(&server, port).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kibibyte_of_asterisks_is_a_wrong_version_number() {
    let (server, port) = server().await;
    let error = send_junk(port, &server, &[0x2A; 1024]).await;
    assert_eq!(error.code(), "ERR_SSL_WRONG_VERSION_NUMBER", "{error}");
    assert!(
        error.to_string().contains("wrong version number"),
        "{error}"
    );
    still_serving(&server, port).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mebibyte_of_random_bytes_is_refused() {
    let (server, port) = server().await;
    for seed in 1..=3 {
        let junk = Rng::new(seed).bytes(1 << 20);
        let error = send_junk(port, &server, &junk).await;
        assert!(error.code().starts_with("ERR_SSL_"), "{error}");
        assert!(!error.to_string().is_empty());
    }
    // Random bytes that start like a handshake record still get no further.
    let mut junk = raw::record_claiming(raw::HANDSHAKE, 0x0200, &[]);
    junk.extend(Rng::new(9).bytes(1 << 20));
    let error = send_junk(port, &server, &junk).await;
    assert!(error.code().starts_with("ERR_SSL_"), "{error}");
    still_serving(&server, port).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_client_hello_then_eof_is_a_hang_up() {
    let (server, port) = server().await;
    let hello = raw::handshake_records(&raw::client_hello(0));
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    tcp.write_all(&hello[..hello.len() / 2]).await.unwrap();
    tcp.shutdown().await.unwrap();
    let error = client_error(&server).await;
    assert!(matches!(error, Error::HangUp), "{error}");
    assert_eq!(error.code(), "ECONNRESET");
    assert!(error.to_string().contains("socket hang up"), "{error}");
    assert!(until_closed(&mut tcp).await.is_empty());
    still_serving(&server, port).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_peer_hits_the_handshake_timeout() {
    // Long enough for a good client's handshake on a loaded machine.
    let (server, port) = server_with(Duration::from_millis(1500)).await;
    let mut silent = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let error = client_error(&server).await;
    assert!(matches!(error, Error::HandshakeTimeout), "{error}");
    assert_eq!(error.code(), "ERR_TLS_HANDSHAKE_TIMEOUT");
    assert!(
        until_closed(&mut silent).await.is_empty(),
        "the timed-out connection is closed"
    );
    // A truncated hello that then goes quiet times out the same way.
    let hello = raw::handshake_records(&raw::client_hello(0));
    let mut stalled = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    stalled.write_all(&hello[..20]).await.unwrap();
    let error = client_error(&server).await;
    assert_eq!(error.code(), "ERR_TLS_HANDSHAKE_TIMEOUT", "{error}");
    assert!(until_closed(&mut stalled).await.is_empty());
    assert_eq!(server.connections(), 0);
    still_serving(&server, port).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_mid_handshake_is_econnreset() {
    let (server, port) = server().await;
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let mut tcp = tcp;
    tcp.write_all(&raw::handshake_records(&raw::client_hello(0)))
        .await
        .unwrap();
    // Wait for the server's first flight so the reset lands mid-handshake.
    let mut first = [0u8; 6];
    timeout(HANG, tcp.read_exact(&mut first))
        .await
        .unwrap()
        .unwrap();
    assert!(raw::is_server_hello(&first), "{first:?}");
    tcp.set_zero_linger().unwrap();
    drop(tcp);
    let error = client_error(&server).await;
    assert_eq!(error.code(), "ECONNRESET", "{error}");
    still_serving(&server, port).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_record_is_a_record_overflow() {
    let (server, port) = server().await;
    // A handshake record claiming 0x4801 bytes: more than any record may carry.
    let mut record = raw::record_claiming(raw::HANDSHAKE, 0x4801, &[]);
    record.extend(vec![0x01; 0x4801]);
    let error = send_junk(port, &server, &record).await;
    assert_eq!(error.code(), "ERR_SSL_RECORD_OVERFLOW", "{error}");
    // The largest length a header can claim, the body never sent.
    let error = send_junk(
        port,
        &server,
        &raw::record_claiming(raw::HANDSHAKE, 0xFFFF, &[]),
    )
    .await;
    assert_eq!(error.code(), "ERR_SSL_RECORD_OVERFLOW", "{error}");
    still_serving(&server, port).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_hello_with_thousands_of_extensions() {
    let (server, port) = server().await;
    // 5000 unknown extensions (20 KB, two records): still a valid hello,
    // which the server must answer.
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    tcp.write_all(&raw::handshake_records(&raw::client_hello(5000)))
        .await
        .unwrap();
    let mut first = [0u8; 6];
    timeout(HANG, tcp.read_exact(&mut first))
        .await
        .unwrap()
        .unwrap();
    assert!(raw::is_server_hello(&first), "{first:?}");
    drop(tcp);
    let error = client_error(&server).await;
    assert_eq!(error.code(), "ECONNRESET", "{error}");

    // 20000 extensions (80 KB): past the largest handshake message allowed.
    let hello = raw::handshake_records(&raw::client_hello(20_000));
    let error = send_junk(port, &server, &hello).await;
    assert!(error.code().starts_with("ERR_SSL_"), "{error}");
    still_serving(&server, port).await;
}

/// A client that finished its handshake, for tests that misbehave after it.
/// Returns the client and the server's side of the connection.
async fn established(
    server: &Server,
    port: u16,
) -> (tlsbox::CleartextStream, tlsbox::CleartextStream) {
    let client = tokio::spawn(tlsbox::connect(
        "localhost",
        port,
        ConnectOptions::with_ca(pem("ca1-cert.pem")),
    ));
    let event = timeout(HANG, server.next_event()).await.unwrap();
    let Some(ServerEvent::SecureConnection(stream)) = event else {
        panic!("expected a secure connection, got {event:?}");
    };
    let client = timeout(HANG, client).await.unwrap().unwrap().unwrap();
    (client, *stream)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_record_after_the_handshake_fails_that_connection() {
    let (server, port) = server().await;
    let (mut client, mut accepted) = established(&server, port).await;
    client.write_all(b"before").await.unwrap();
    client.flush().await.unwrap();
    let mut before = [0u8; 6];
    accepted.read_exact(&mut before).await.unwrap();
    assert_eq!(&before, b"before");
    // Raw bytes under the client's TLS: an application-data record far
    // larger than any ciphertext may be.
    let mut record = raw::record_claiming(raw::APPLICATION_DATA, 0x5000, &[]);
    record.extend(vec![0x17; 0x5000]);
    client.get_ref().writable().await.unwrap();
    let written = client.get_ref().try_write(&record).unwrap();
    assert!(written > 0);
    let mut buf = [0u8; 64];
    let error = timeout(HANG, accepted.read(&mut buf))
        .await
        .unwrap()
        .expect_err("the server's read fails");
    assert!(
        error.to_string().contains("ERR_SSL_RECORD_OVERFLOW"),
        "{error}"
    );
    // The client hears about it (an alert or a closed connection), no hang.
    let result = timeout(HANG, client.read(&mut buf)).await.unwrap();
    assert!(matches!(result, Err(_) | Ok(0)), "{result:?}");
    drop(accepted);
    still_serving(&server, port).await;
}

/// A transport whose shutdown sends no FIN, so that a client can keep
/// writing raw bytes after its close_notify.
struct NoFin(TcpStream);

impl tokio::io::AsyncRead for NoFin {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for NoFin {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        data: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.0).poll_write(cx, data)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_after_close_notify_are_ignored() {
    let (server, port) = server().await;
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let pair = tlsbox::create_secure_pair(common::trusting("ca1"), false, false, true)
        .unwrap()
        .servername("localhost");
    let client = tokio::spawn(pair.secure(NoFin(tcp)));
    let event = timeout(HANG, server.next_event()).await.unwrap();
    let Some(ServerEvent::SecureConnection(mut accepted)) = event else {
        panic!("expected a secure connection, got {event:?}");
    };
    let mut client = timeout(HANG, client).await.unwrap().unwrap().unwrap();
    client.write_all(b"last words").await.unwrap();
    client.shutdown().await.unwrap();
    // After close_notify, on the same connection: another record, junk, and
    // a header claiming an oversized record.
    let mut after = raw::record(raw::APPLICATION_DATA, &[0x42; 100]);
    after.extend_from_slice(b"GET / HTTP/1.1\r\n\r\n");
    after.extend(raw::record_claiming(raw::APPLICATION_DATA, 0xFFFF, &[]));
    client.get_ref().0.writable().await.unwrap();
    assert_eq!(client.get_ref().0.try_write(&after).unwrap(), after.len());
    let mut received = Vec::new();
    timeout(HANG, accepted.read_to_end(&mut received))
        .await
        .unwrap()
        .expect("the stream ends cleanly at close_notify");
    assert_eq!(received, b"last words");
    accepted.shutdown().await.unwrap();
    let mut rest = Vec::new();
    timeout(HANG, client.read_to_end(&mut rest))
        .await
        .unwrap()
        .expect("the server's close_notify ends the client's stream");
    assert!(rest.is_empty());
    drop(accepted);
    still_serving(&server, port).await;
}

/// A raw listener playing a hostile server: `behave` gets each accepted socket.
async fn hostile_server<F, Fut>(behave: F) -> u16
where
    F: FnOnce(TcpStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        behave(tcp).await;
    });
    port
}

/// Reads the client's ClientHello (at least its first record header).
async fn read_hello(tcp: &mut TcpStream) {
    let mut header = [0u8; 5];
    tcp.read_exact(&mut header).await.unwrap();
    assert_eq!(header[0], raw::HANDSHAKE);
}

/// Connects with a handshake timeout long enough that only a silent server
/// reaches it, even on a loaded machine.
async fn connect_to(port: u16) -> Error {
    connect_with_timeout(port, Duration::from_secs(5)).await
}

async fn connect_with_timeout(port: u16, handshake_timeout: Duration) -> Error {
    let mut options = ConnectOptions::with_ca(pem("ca1-cert.pem"));
    options.handshake_timeout = handshake_timeout;
    timeout(HANG, tlsbox::connect("localhost", port, options))
        .await
        .expect("the client does not hang")
        .expect_err("a hostile server gives no secure connection")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_facing_junk_gets_wrong_version_number() {
    let port = hostile_server(|mut tcp| async move {
        read_hello(&mut tcp).await;
        let _ = tcp.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
        let _ = tcp.read(&mut [0u8; 64]).await;
    })
    .await;
    let error = connect_to(port).await;
    println!("client error: {error}");
    assert_eq!(error.code(), "ERR_SSL_WRONG_VERSION_NUMBER", "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_facing_random_bytes_fails_cleanly() {
    let port = hostile_server(|mut tcp| async move {
        read_hello(&mut tcp).await;
        let _ = tcp.write_all(&Rng::new(7).bytes(1 << 20)).await;
    })
    .await;
    let error = connect_to(port).await;
    println!("client error: {error}");
    assert!(error.code().starts_with("ERR_SSL_"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_facing_silence_times_out() {
    let port = hostile_server(|mut tcp| async move {
        read_hello(&mut tcp).await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    })
    .await;
    let error = connect_with_timeout(port, Duration::from_millis(300)).await;
    println!("client error: {error}");
    assert!(matches!(error, Error::HandshakeTimeout), "{error}");
    assert_eq!(error.code(), "ERR_TLS_HANDSHAKE_TIMEOUT");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_facing_a_reset_gets_econnreset() {
    let port = hostile_server(|mut tcp| async move {
        read_hello(&mut tcp).await;
        tcp.set_zero_linger().unwrap();
        drop(tcp);
    })
    .await;
    let error = connect_to(port).await;
    println!("client error: {error}");
    assert_eq!(error.code(), "ECONNRESET", "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_facing_a_close_mid_handshake_gets_a_hang_up() {
    let port = hostile_server(|mut tcp| async move {
        read_hello(&mut tcp).await;
        // The start of a ServerHello record, then FIN.
        let partial = raw::record_claiming(raw::HANDSHAKE, 90, &[2, 0, 0, 86, 3, 3]);
        tcp.write_all(&partial).await.unwrap();
        tcp.shutdown().await.unwrap();
        let _ = tcp.read(&mut [0u8; 64]).await;
    })
    .await;
    let error = connect_to(port).await;
    println!("client error: {error}");
    assert!(matches!(error, Error::HangUp), "{error}");
    assert_eq!(error.code(), "ECONNRESET");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_facing_an_oversized_record_gets_record_overflow() {
    let port = hostile_server(|mut tcp| async move {
        read_hello(&mut tcp).await;
        let mut record = raw::record_claiming(raw::HANDSHAKE, 0x4801, &[]);
        record.extend(vec![2; 0x4801]);
        let _ = tcp.write_all(&record).await;
        let _ = tcp.read(&mut [0u8; 64]).await;
    })
    .await;
    let error = connect_to(port).await;
    println!("client error: {error}");
    assert_eq!(error.code(), "ERR_SSL_RECORD_OVERFLOW", "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_hello_in_one_byte_records_is_reassembled() {
    let (server, port) = server().await;
    let hello = raw::client_hello(0);
    let records: Vec<u8> = hello
        .iter()
        .flat_map(|byte| raw::record(raw::HANDSHAKE, &[*byte]))
        .collect();
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    tcp.write_all(&records).await.unwrap();
    let mut first = [0u8; 6];
    timeout(HANG, tcp.read_exact(&mut first))
        .await
        .unwrap()
        .unwrap();
    assert!(raw::is_server_hello(&first), "{first:?}");
    drop(tcp);
    client_error(&server).await;
    still_serving(&server, port).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_warning_alerts_or_empty_records_is_cut_short() {
    let (server, port) = server().await;
    // 10000 warning alerts (level 1, user_canceled) before any hello.
    let alerts: Vec<u8> = (0..10_000)
        .flat_map(|_| raw::record(raw::ALERT, &[1, 90]))
        .collect();
    let error = send_junk(port, &server, &alerts).await;
    assert!(error.code().starts_with("ERR_SSL_"), "{error}");
    // 10000 empty handshake records.
    let empty: Vec<u8> = (0..10_000)
        .flat_map(|_| raw::record(raw::HANDSHAKE, &[]))
        .collect();
    let error = send_junk(port, &server, &empty).await;
    assert!(error.code().starts_with("ERR_SSL_"), "{error}");
    still_serving(&server, port).await;
}
