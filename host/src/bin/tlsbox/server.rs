//! `tlsbox server`: Node's echo server example.

use std::path::Path;
use std::time::Duration;

use tlsbox::{CleartextStream, Credentials, Error, ServerEvent, ServerOptions, read_pem};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use tlsbox_node_shapes::json;

use crate::args::ServerArgs;
use crate::{report, www};

pub async fn run(args: ServerArgs) -> Result<(), Error> {
    let options = options(&args)?;
    let server = tlsbox::create_server(options)?;
    let address = server.listen(args.flags.accept.as_str()).await?;
    if args.flags.json {
        report::json_line(&json::listening(address));
    } else {
        report::text_line(&format!("server bound {address}"));
    }
    loop {
        let event = tokio::select! {
            event = server.next_event() => event,
            _ = tokio::signal::ctrl_c() => None,
        };
        match event {
            Some(ServerEvent::SecureConnection(mut stream)) => {
                if args.flags.json {
                    report::json_line(&report::connection("secureConnection", &mut stream));
                } else {
                    report::text_line(&format!(
                        "server connected {}",
                        report::authorized_word(&stream)
                    ));
                }
                if args.serve.www {
                    tokio::spawn(status_page(*stream));
                } else {
                    tokio::spawn(echo(*stream, !args.serve.no_greeting));
                }
            }
            Some(ServerEvent::ClientError { error, remote_addr }) => {
                if args.flags.json {
                    report::json_line(&json::client_error(
                        &error.code(),
                        &error.to_string(),
                        remote_addr,
                    ));
                } else {
                    eprintln!("client error: {error}");
                }
            }
            None => return Ok(()),
        }
    }
}

/// Greets (unless told not to), then sends back everything until the
/// client ends.
async fn echo(mut stream: CleartextStream, greet: bool) {
    let mut buf = vec![0u8; 16 * 1024];
    let result: std::io::Result<()> = async {
        if greet {
            stream.write_all(b"welcome!\n").await?;
        }
        loop {
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            stream.write_all(&buf[..n]).await?;
        }
        stream.shutdown().await
    }
    .await;
    if let Err(e) = result {
        tracing::debug!("echo connection ended: {e}");
    }
}

/// `--www`: reads one HTTP request; a GET gets `HTTP/1.0 200` with the
/// connection's JSON, anything else a 405 (a request that does not end
/// within [`www::MAX_REQUEST`] bytes, a 400). Then close_notify.
async fn status_page(mut stream: CleartextStream) {
    let result: std::io::Result<()> = async {
        let request = www::read_request(&mut stream).await?;
        let body = report::connection("secureConnection", &mut stream).to_string() + "\n";
        stream.write_all(&www::response(request, &body)).await?;
        stream.shutdown().await
    }
    .await;
    if let Err(e) = result {
        tracing::debug!("status page connection ended: {e}");
    }
}

fn options(args: &ServerArgs) -> Result<ServerOptions, Error> {
    let (flags, sandbox) = (&args.flags, &args.sandbox);
    let mut credentials = Credentials::from_files(&flags.key, &flags.cert)?;
    credentials.passphrase = flags.pass.clone();
    for ca in &flags.ca {
        credentials.ca.push(read_pem(ca)?);
    }
    for crl in &flags.crl {
        credentials.crl.push(read_pem(crl)?);
    }
    if let Some(path) = &flags.ocsp_response {
        credentials = credentials.with_ocsp_response_file(path)?;
    }
    let mut options = ServerOptions::new(credentials);
    options.request_cert = flags.request_cert;
    options.reject_unauthorized = flags.reject_unauthorized;
    options.alpn_protocols = flags.alpn.clone();
    options.max_connections = flags.max_connections;
    options.handshake_timeout = Duration::from_millis(flags.handshake_timeout);
    options.limits = sandbox.limits();
    options.keylog = sandbox.keylog.clone();
    options.crypto = args.crypto;
    options.ciphers = flags.ciphers.clone();
    options.min_version = flags.min_version.clone();
    options.max_version = flags.max_version.clone();
    options.ecdh_curve = flags.ecdh_curve.clone();
    options.sigalgs = flags.sigalgs.clone();
    for context in &flags.context {
        options.contexts.push(parse_context(context)?);
    }
    options.reuse_port = args.reuse_port;
    options.isolation = args.isolation;
    if args.tickets.no_tickets {
        options = options.no_tickets();
    }
    if let Some(path) = &args.tickets.ticket_keys {
        options = options.ticket_keys(&read_ticket_keys(path)?);
    }
    Ok(options)
}

/// `--ticket-keys FILE`: exactly Node's 48 bytes.
fn read_ticket_keys(path: &Path) -> Result<[u8; 48], Error> {
    let bytes = std::fs::read(path)
        .map_err(|e| Error::InvalidArgument(format!("--ticket-keys {}: {e}", path.display())))?;
    bytes.as_slice().try_into().map_err(|_| {
        Error::InvalidArgument(format!(
            "--ticket-keys {}: {} bytes; session-ticket keys are exactly 48 bytes \
             (e.g. head -c 48 /dev/urandom > {})",
            path.display(),
            bytes.len(),
            path.display()
        ))
    })
}

/// `PATTERN=CERT,KEY`.
fn parse_context(spec: &str) -> Result<(String, Credentials), Error> {
    let (pattern, cert, key) =
        tlsbox_node_shapes::split_context_spec(spec).map_err(Error::InvalidArgument)?;
    Ok((pattern.to_string(), Credentials::from_files(key, cert)?))
}
