//! `client`: connect, report the handshake (`secureConnect`), then copy
//! stdin to the server and the server to stdout until the server closes.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use tlsbox_engine::context::{Credentials, SecureContext};
use tlsbox_engine::pair::{ClientOptions, ConnectNames, SecurePair};
use tlsbox_node_shapes::args::ClientFlags;

use crate::conn::{self, TlsConn};
use crate::poll::{self, Interest};
use crate::{Failure, read_pem, report};

pub fn run(flags: &ClientFlags) -> Result<(), Failure> {
    let (host, port) =
        tlsbox_node_shapes::split_host_port(&flags.connect).map_err(Failure::plain)?;
    // The pair first: bad options fail before any connection is made.
    let pair = make_pair(flags, &host)?;
    let address = (host.as_str(), port)
        .to_socket_addrs()
        .map_err(|e| Failure::plain(format!("cannot resolve {host}: {e}")))?
        .next()
        .ok_or_else(|| Failure::plain(format!("cannot resolve {host}")))?;
    let (mut tls, remote) = conn::new(TcpStream::connect(address)?, pair)?;
    handshake(&mut tls, Duration::from_millis(flags.handshake_timeout))?;
    if flags.json {
        report::json_line(&report::connection("secureConnect", tls.pair(), remote));
    } else {
        report::line(&format!(
            "client connected {}",
            report::authorized_word(tls.pair())
        ));
        if flags.request_ocsp {
            report::line(&tlsbox_node_shapes::json::ocsp_line(
                tls.pair().ocsp_response(),
            ));
        }
    }
    copy_both_ways(&mut tls)
}

/// Node's `tls.connect` options from the flags, as the native CLI makes them.
fn make_pair(flags: &ClientFlags, host: &str) -> Result<SecurePair, Failure> {
    let mut credentials = Credentials {
        passphrase: flags.pass.clone(),
        ..Credentials::default()
    };
    if let (Some(key), Some(cert)) = (&flags.key, &flags.cert) {
        credentials.key = Some(read_pem(key)?);
        credentials.cert = Some(read_pem(cert)?);
    }
    for ca in &flags.ca {
        credentials.ca.push(read_pem(ca)?);
    }
    for crl in &flags.crl {
        credentials.crl.push(read_pem(crl)?);
    }
    let names = ConnectNames::new(host, flags.servername.as_deref());
    let options = ClientOptions {
        check_host: names.check_host,
        servername: names.servername,
        reject_unauthorized: !flags.insecure,
        alpn_protocols: flags.alpn.clone(),
        keylog: false,
        ciphers: flags.ciphers.clone(),
        min_version: flags.min_version.clone(),
        max_version: flags.max_version.clone(),
        ecdh_curve: flags.ecdh_curve.clone(),
        sigalgs: flags.sigalgs.clone(),
        default_roots: flags.ca.is_empty(),
        sessions: None,
        request_ocsp: flags.request_ocsp,
    };
    Ok(SecurePair::connect(
        &SecureContext::new(&credentials)?,
        &options,
    )?)
}

fn handshake(tls: &mut TlsConn, timeout: Duration) -> Result<(), Failure> {
    let started = Instant::now();
    loop {
        // Sends the pair's alert before failing, and calls a peer that
        // hangs up `ECONNRESET`.
        tls.complete_io()?;
        if !tls.status().handshaking {
            return Ok(());
        }
        let left = timeout.saturating_sub(started.elapsed());
        if left.is_zero() {
            return Err(Failure {
                code: Some("ERR_TLS_HANDSHAKE_TIMEOUT".into()),
                message: "TLS handshake timeout".into(),
            });
        }
        poll::wait(&[(tls.transport(), conn::interest(tls))], Some(left))?;
    }
}

/// stdin to the server (then close_notify when stdin ends), the server to
/// stdout, until the server closes.
fn copy_both_ways(tls: &mut TlsConn) -> Result<(), Failure> {
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout();
    let mut stdin_open = true;
    let mut upload: Vec<u8> = Vec::new();
    loop {
        // Sends what the pair has, hands it what was read, reads what waits
        // (without blocking: the socket is non-blocking), and fails with
        // the pair's error once its alert is out.
        tls.complete_io()?;
        // Server to stdout.
        while tls.status().cleartext_pending > 0 {
            let data = tls.pair_mut().read_cleartext(16 * 1024);
            // A closed stdout (`| head`) is a normal way to stop.
            if stdout.write_all(&data).and(stdout.flush()).is_err() {
                return Ok(());
            }
            // Reading cleartext makes room for more input.
            tls.feed();
        }
        if !upload.is_empty() {
            let taken = tls.write_cleartext(&upload)?;
            upload.drain(..taken);
        }
        let status = tls.status();
        if let Some(error) = status.failed {
            return Err(error.into());
        }
        if status.peer_closed || (tls.transport_eof() && tls.input_drained()) {
            let _ = tls.end();
            return Ok(());
        }
        let mut interest = conn::interest(tls);
        interest.write |= !upload.is_empty();
        let stdin_interest = Interest {
            read: stdin_open && upload.is_empty(),
            write: false,
        };
        let ready = poll::wait(
            &[(tls.transport(), interest), (&stdin, stdin_interest)],
            None,
        )?;
        if stdin_interest.read && ready[1].read {
            let mut buf = vec![0u8; 16 * 1024];
            let n = stdin.lock().read(&mut buf)?;
            if n == 0 {
                // stdin ended: send close_notify, as Node's `end()` does.
                stdin_open = false;
                tls.end()?;
            } else {
                upload.extend_from_slice(&buf[..n]);
            }
        }
    }
}
