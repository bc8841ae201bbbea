//! `tlsbox client`: Node's client example, in `openssl s_client`'s spirit.

use std::time::Duration;

use tlsbox::{ConnectOptions, Credentials, Error, read_pem};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::args::ClientArgs;
use crate::report;

/// How long a connection closed for `--reconnect` waits for the server's
/// end (its tickets come before).
const CLOSE_WAIT: Duration = Duration::from_secs(5);

pub async fn run(args: ClientArgs) -> Result<(), Error> {
    let (host, port) =
        tlsbox_node_shapes::split_host_port(&args.flags.connect).map_err(Error::InvalidArgument)?;
    let mut options = options(&args)?;
    for _ in 0..args.reconnect {
        let mut stream = tlsbox::connect(&host, port, options.clone()).await?;
        report_handshake(&args, &mut stream);
        // close_notify, then the server's data and end: the session
        // tickets come first, so the next connection can resume.
        stream.shutdown().await?;
        let mut sink = tokio::io::sink();
        let _ = tokio::time::timeout(CLOSE_WAIT, tokio::io::copy(&mut stream, &mut sink)).await;
        options.session = stream.session();
    }
    let mut stream = tlsbox::connect(&host, port, options).await?;
    report_handshake(&args, &mut stream);
    let (mut from_server, mut to_server) = tokio::io::split(stream);
    let upload = async {
        let mut stdin = tokio::io::stdin();
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = stdin.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            to_server.write_all(&buf[..n]).await?;
            to_server.flush().await?;
        }
        // stdin ended: send close_notify, as Node's `end()` does.
        to_server.shutdown().await
    };
    let download = copy_to_stdout(&mut from_server);
    // The server's end of the stream decides when we are done; stdin may
    // never end (a terminal), so the upload is dropped then.
    tokio::pin!(upload);
    tokio::select! {
        result = download => result?,
        result = &mut upload => {
            result?;
            copy_to_stdout(&mut from_server).await?;
        }
    }
    Ok(())
}

/// The handshake's outcome: the `secureConnect` JSON line, or Node's
/// example's line (and with `--reconnect`, whether the session was new or
/// reused, as `openssl s_client` says it).
fn report_handshake(args: &ClientArgs, stream: &mut tlsbox::CleartextStream) {
    if args.flags.json {
        report::json_line(&report::connection("secureConnect", stream));
        return;
    }
    report::text_line(&format!(
        "client connected {}",
        report::authorized_word(stream)
    ));
    if args.flags.request_ocsp {
        report::text_line(&tlsbox_node_shapes::json::ocsp_line(stream.ocsp_response()));
    }
    if args.reconnect > 0 {
        let session = if stream.is_session_reused() {
            "Reused"
        } else {
            "New"
        };
        report::text_line(&format!(
            "{session}, {}",
            stream.protocol().unwrap_or("unknown")
        ));
    }
}

/// Prints what the server sends until it closes. Through a 64 KiB buffer
/// flushed whenever the server has nothing more ready: a line shows at
/// once, while a download is not handed to tokio's blocking pool one
/// record at a time (that hand-off, not TLS, was most of a download's
/// CPU). A closed stdout (`| head`) is a normal way to stop.
async fn copy_to_stdout<R: tokio::io::AsyncRead + Unpin>(
    from_server: &mut R,
) -> std::io::Result<()> {
    let mut stdout = tokio::io::BufWriter::with_capacity(64 * 1024, tokio::io::stdout());
    match tokio::io::copy(from_server, &mut stdout).await {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(e),
    }
}

fn options(args: &ClientArgs) -> Result<ConnectOptions, Error> {
    let (flags, sandbox) = (&args.flags, &args.sandbox);
    let mut credentials = match (&flags.key, &flags.cert) {
        (Some(key), Some(cert)) => Credentials::from_files(key, cert)?,
        _ => Credentials::default(),
    };
    credentials.passphrase = flags.pass.clone();
    for ca in &flags.ca {
        credentials.ca.push(read_pem(ca)?);
    }
    for crl in &flags.crl {
        credentials.crl.push(read_pem(crl)?);
    }
    let mut options = ConnectOptions {
        credentials,
        servername: flags.servername.clone(),
        alpn_protocols: flags.alpn.clone(),
        handshake_timeout: Duration::from_millis(flags.handshake_timeout),
        limits: sandbox.limits(),
        keylog: sandbox.keylog.clone(),
        crypto: args.crypto,
        ciphers: flags.ciphers.clone(),
        min_version: flags.min_version.clone(),
        max_version: flags.max_version.clone(),
        ecdh_curve: flags.ecdh_curve.clone(),
        sigalgs: flags.sigalgs.clone(),
        request_ocsp: flags.request_ocsp,
        ..ConnectOptions::default()
    };
    if args.use_system_ca {
        options = options.system_ca();
    }
    if flags.insecure {
        options = options.dangerous_accept_unauthorized();
    }
    Ok(options)
}
