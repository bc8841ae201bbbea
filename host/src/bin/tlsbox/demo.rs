//! `tlsbox demo`: Node's `tls` echo example end to end, through the sandbox.
//!
//! The server presents agent1 and asks for a client certificate signed by
//! ca1; the client trusts ca1 and presents agent5, whose key is encrypted.
//! Both sides should say `authorized`.

use tlsbox::{ConnectOptions, Credentials, Error, ServerOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::report::{distinguished_name, text_line};

const CA1: &str = include_str!("../../../../fixtures/ca1-cert.pem");
const SERVER_KEY: &str = include_str!("../../../../fixtures/agent1-key.pem");
const SERVER_CERT: &str = include_str!("../../../../fixtures/agent1-cert.pem");
const CLIENT_KEY: &str = include_str!("../../../../fixtures/agent5-key.pem");
const CLIENT_CERT: &str = include_str!("../../../../fixtures/agent5-cert.pem");
const CLIENT_PASSPHRASE: &str = include_str!("../../../../fixtures/agent5-passphrase.txt");
const LINE: &[u8] = b"hello through the sandbox\n";

pub async fn run() -> Result<(), Error> {
    let mut server_options = ServerOptions::new(Credentials {
        key: Some(SERVER_KEY.into()),
        cert: Some(SERVER_CERT.into()),
        ca: vec![CA1.into()],
        ..Credentials::default()
    });
    server_options.request_cert = true;
    server_options.reject_unauthorized = true;
    let server = tlsbox::create_server(server_options)?;
    let address = server.listen("127.0.0.1:0").await?;
    text_line(&format!("server bound {address}"));

    let serve = async {
        let mut stream = server.accept().await.ok_or(Error::NotListening)?;
        text_line(&format!(
            "server connected {}",
            crate::report::authorized_word(&stream)
        ));
        if let Some(cert) = stream.peer_certificate() {
            text_line(&format!(
                "server sees client subject: {}",
                distinguished_name(&cert.subject)
            ));
        }
        stream.write_all(b"welcome!\n").await?;
        let mut buf = vec![0u8; 1024];
        loop {
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            stream.write_all(&buf[..n]).await?;
        }
        stream.shutdown().await?;
        Ok::<_, Error>(())
    };

    let client = async {
        let options = ConnectOptions {
            credentials: Credentials {
                key: Some(CLIENT_KEY.into()),
                passphrase: Some(CLIENT_PASSPHRASE.trim().into()),
                cert: Some(CLIENT_CERT.into()),
                ca: vec![CA1.into()],
                ..Credentials::default()
            },
            ..ConnectOptions::default()
        };
        let mut stream = tlsbox::connect("localhost", address.port(), options).await?;
        text_line(&format!(
            "client connected {}",
            crate::report::authorized_word(&stream)
        ));
        if let Some(cert) = stream.peer_certificate() {
            text_line(&format!("subject: {}", distinguished_name(&cert.subject)));
            text_line(&format!("issuer: {}", distinguished_name(&cert.issuer)));
        }
        if let (Some(protocol), Some(cipher)) = (stream.protocol(), stream.cipher()) {
            text_line(&format!("protocol: {protocol}, cipher: {}", cipher.name));
        }
        stream.write_all(LINE).await?;
        stream.shutdown().await?;
        let mut received = Vec::new();
        stream.read_to_end(&mut received).await?;
        print!("{}", String::from_utf8_lossy(&received));
        let expected = [b"welcome!\n".as_slice(), LINE].concat();
        if received != expected {
            return Err(Error::InvalidArgument(
                "the echo did not come back intact".into(),
            ));
        }
        Ok::<_, Error>(())
    };

    let (served, connected) = tokio::join!(serve, client);
    served?;
    connected?;
    server.close().await;
    text_line("demo ok");
    Ok(())
}
