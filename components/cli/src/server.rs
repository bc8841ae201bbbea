//! `server`: Node's echo server example, every connection served from one
//! poll loop, so that a client that stalls (mid-handshake or mid-echo)
//! holds up no one else.

use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::time::{Duration, Instant};

use tlsbox_engine::context::{Credentials, SecureContext};
use tlsbox_engine::server::{Server, ServerOptions};
use tlsbox_node_shapes::args::ServerFlags;
use tlsbox_node_shapes::json;

use crate::conn::{self, TlsConn};
use crate::poll::{self, Interest};
use crate::{Failure, read_pem, report};

/// Cleartext echoed per step, so one busy connection cannot starve the loop.
const ECHO_CHUNK: usize = 16 * 1024;

/// One client of the echo server.
struct Client {
    tls: TlsConn,
    /// The client's address.
    remote: Option<SocketAddr>,
    started: Instant,
    /// `secureConnection` was reported; the echo runs.
    secure: bool,
    /// Cleartext to send back, not yet taken by the pair.
    backlog: Vec<u8>,
    /// Set once the connection is over: drop it when its output is out.
    done: bool,
    /// The socket failed: drop it now, whatever is left to send.
    broken: bool,
}

pub fn run(flags: &ServerFlags) -> Result<(), Failure> {
    let server = make_server(flags)?;
    let address = flags
        .accept
        .to_socket_addrs()
        .map_err(|e| Failure::plain(format!("--accept {:?}: {e}", flags.accept)))?
        .next()
        .ok_or_else(|| Failure::plain(format!("--accept {:?}: no address", flags.accept)))?;
    let listener = TcpListener::bind(address)?;
    listener.set_nonblocking(true)?;
    let bound = listener.local_addr()?;
    if flags.json {
        report::json_line(&json::listening(bound));
    } else {
        report::line(&format!("server bound {bound}"));
    }
    let handshake_timeout = Duration::from_millis(flags.handshake_timeout);
    let mut clients: Vec<Client> = Vec::new();
    loop {
        let mut waits: Vec<(&dyn std::os::fd::AsRawFd, Interest)> = vec![(
            &listener,
            Interest {
                read: true,
                write: false,
            },
        )];
        waits.extend(clients.iter().map(|c| {
            (
                c.tls.transport() as &dyn std::os::fd::AsRawFd,
                conn::interest(&c.tls),
            )
        }));
        // Wake for the nearest handshake deadline too.
        let timeout = clients
            .iter()
            .filter(|c| !c.secure)
            .map(|c| handshake_timeout.saturating_sub(c.started.elapsed()))
            .min();
        let ready = poll::wait(&waits, timeout)?;
        drop(waits);
        if ready[0].read {
            accept_all(&listener, &server, flags, &mut clients);
        }
        for (client, ready) in clients.iter_mut().zip(&ready[1..]) {
            if ready.read || ready.write {
                step(client, flags);
            }
            if !client.secure && !client.done && client.started.elapsed() >= handshake_timeout {
                client_error(
                    client,
                    flags,
                    "ERR_TLS_HANDSHAKE_TIMEOUT",
                    "TLS handshake timeout",
                );
            }
        }
        // A finished connection stays until its last bytes (close_notify, an alert) are out.
        clients.retain(|c| !c.done || (!c.broken && c.tls.wants_write()));
    }
}

fn make_server(flags: &ServerFlags) -> Result<Server, Failure> {
    let mut credentials = Credentials {
        key: Some(read_pem(&flags.key)?),
        cert: Some(read_pem(&flags.cert)?),
        passphrase: flags.pass.clone(),
        ..Credentials::default()
    };
    for ca in &flags.ca {
        credentials.ca.push(read_pem(ca)?);
    }
    for crl in &flags.crl {
        credentials.crl.push(read_pem(crl)?);
    }
    if let Some(path) = &flags.ocsp_response {
        credentials.ocsp_response = Some(crate::read_file(path)?);
    }
    let options = ServerOptions {
        request_cert: flags.request_cert,
        reject_unauthorized: flags.reject_unauthorized,
        alpn_protocols: flags.alpn.clone(),
        ciphers: flags.ciphers.clone(),
        min_version: flags.min_version.clone(),
        max_version: flags.max_version.clone(),
        ecdh_curve: flags.ecdh_curve.clone(),
        sigalgs: flags.sigalgs.clone(),
        ..ServerOptions::default()
    };
    let mut server = Server::new(SecureContext::new(&credentials)?, options);
    for spec in &flags.context {
        let (pattern, cert, key) =
            tlsbox_node_shapes::split_context_spec(spec).map_err(Failure::plain)?;
        let context = SecureContext::new(&Credentials {
            key: Some(read_pem(key.as_ref())?),
            cert: Some(read_pem(cert.as_ref())?),
            ..Credentials::default()
        })?;
        server.add_context(pattern, context)?;
    }
    Ok(server)
}

/// Takes every waiting connection; beyond `--max-connections`, closes them at once.
fn accept_all(
    listener: &TcpListener,
    server: &Server,
    flags: &ServerFlags,
    clients: &mut Vec<Client>,
) {
    loop {
        let socket = match listener.accept() {
            Ok((socket, _)) => socket,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return,
            Err(e) => {
                eprintln!("tlsbox: accept: {e}");
                return;
            }
        };
        if flags
            .max_connections
            .is_some_and(|max| clients.len() >= max)
        {
            continue; // dropped: closed, as Node does beyond maxConnections
        }
        match conn::new(socket, server.accept()) {
            Ok((tls, remote)) => clients.push(Client {
                tls,
                remote,
                started: Instant::now(),
                secure: false,
                backlog: Vec::new(),
                done: false,
                broken: false,
            }),
            Err(e) => eprintln!("tlsbox: {e}"),
        }
    }
}

/// Moves everything that can move on one connection, without blocking.
fn step(client: &mut Client, flags: &ServerFlags) {
    if client.done {
        client.broken |= client.tls.write_pending().is_err();
        return;
    }
    if let Err(failure) = pump(client, flags) {
        client.broken |= client.tls.write_pending().is_err(); // the alert, if any
        let failed = client.tls.status().failed;
        match (client.secure, failed) {
            (false, Some(error)) => {
                client_error(client, flags, error.code.as_node_str(), &error.message)
            }
            (false, None) => client_error(
                client,
                flags,
                failure.code.as_deref().unwrap_or("ECONNRESET"),
                &failure.message,
            ),
            (true, _) => client.done = true,
        }
    }
}

fn pump(client: &mut Client, flags: &ServerFlags) -> Result<(), Failure> {
    // Sends, takes what was read, reads what waits (the socket is
    // non-blocking); fails with the pair's error once its alert is out, and
    // with `ECONNRESET` when the client hangs up mid-handshake.
    client.tls.complete_io()?;
    loop {
        let status = client.tls.status();
        if let Some(error) = status.failed {
            return Err(error.into());
        }
        if !client.secure && !status.handshaking {
            client.secure = true;
            secure_connection(client, flags);
            client.backlog.extend_from_slice(b"welcome!\n");
        }
        let mut progress = false;
        if client.secure {
            if client.backlog.is_empty() && status.cleartext_pending > 0 {
                client.backlog = client.tls.pair_mut().read_cleartext(ECHO_CHUNK);
                progress = true;
            }
            if !client.backlog.is_empty() {
                let taken = client.tls.write_cleartext(&client.backlog)?;
                client.backlog.drain(..taken);
                progress |= taken > 0;
            }
        }
        // Reading cleartext makes room for more input.
        progress |= client.tls.feed() > 0;
        if !progress {
            break;
        }
    }
    client.tls.write_pending()?;
    let status = client.tls.status();
    let input_over =
        status.peer_closed || (client.tls.transport_eof() && client.tls.input_drained());
    if input_over && client.backlog.is_empty() && status.cleartext_pending == 0 {
        if !client.secure {
            return Err(Failure {
                code: Some("ECONNRESET".into()),
                message: "socket hang up".into(),
            });
        }
        // The client is done: close_notify back, then close.
        client.tls.end()?;
        client.done = true;
    }
    Ok(())
}

fn secure_connection(client: &Client, flags: &ServerFlags) {
    let pair = client.tls.pair();
    if flags.json {
        report::json_line(&report::connection("secureConnection", pair, client.remote));
    } else {
        report::line(&format!(
            "server connected {}",
            report::authorized_word(pair)
        ));
    }
}

/// Reports a failed handshake (Node's `clientError`) and ends the connection.
fn client_error(client: &mut Client, flags: &ServerFlags, code: &str, message: &str) {
    client.done = true;
    if flags.json {
        report::json_line(&json::client_error(code, message, client.remote));
    } else {
        eprintln!("client error: {code}: {message}");
    }
}
