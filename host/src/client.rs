//! `tls.connect`: a client connection in its own sandbox.

use tokio::net::TcpStream;

use crate::error::{Error, Result, TlsError, TlsErrorCode};
use crate::keylog::KeyLogFile;
use crate::options::{CheckServerIdentity, ConnectOptions, Credentials};
use crate::roots::ClientRoots;
use crate::sandbox::Sandbox;
use crate::stream::CleartextStream;
use crate::wit::{GuestClientOptions, GuestCredentials};

/// Node's `tls.connect(port, host, options)`: resolves once the handshake is
/// done (`secureConnect`). With `reject_unauthorized` (the default) a server
/// whose certificate does not verify, or does not match `servername || host`,
/// is an error carrying Node's code.
///
/// ```no_run
/// # async fn run() -> tlsbox::Result<()> {
/// use tokio::io::{AsyncReadExt, AsyncWriteExt};
/// let ca = tlsbox::read_pem("fixtures/ca1-cert.pem")?;
/// let mut stream = tlsbox::connect("localhost", 8000, tlsbox::ConnectOptions::with_ca(ca)).await?;
/// println!("client connected {}", if stream.authorized() { "authorized" } else { "unauthorized" });
/// stream.write_all(b"hello\n").await?;
/// let mut reply = vec![0; 1024];
/// let n = stream.read(&mut reply).await?;
/// # Ok(()) }
/// ```
pub async fn connect(host: &str, port: u16, options: ConnectOptions) -> Result<CleartextStream> {
    let (credentials, guest_options) = guest_client(host, &options)?;
    // Node's `hostname` for `checkServerIdentity`: the servername, else the host.
    let hostname = options
        .servername
        .clone()
        .unwrap_or_else(|| host.to_string());
    let keylog = options
        .keylog
        .as_deref()
        .map(KeyLogFile::open)
        .transpose()?;
    // The sandbox first: bad options fail before any connection is made.
    let sandbox = match &options.session {
        Some(session) => {
            Sandbox::client_in(session.instance.clone(), &credentials, &guest_options)?
        }
        None => Sandbox::client(
            &options.limits,
            options.crypto,
            &credentials,
            &guest_options,
        )?,
    };
    let tcp = TcpStream::connect((host, port)).await?;
    let _ = tcp.set_nodelay(true);
    let (local, remote) = (tcp.local_addr().ok(), tcp.peer_addr().ok());
    let mut stream = CleartextStream::new(tcp, sandbox)?;
    stream.set_addresses(local, remote);
    stream.set_keylog(keylog);
    match tokio::time::timeout(options.handshake_timeout, stream.handshake()).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => return Err(error),
        Err(_) => return Err(Error::HandshakeTimeout),
    }
    if let Some(check) = &options.check_server_identity {
        check_identity(&mut stream, check, &hostname, options.reject_unauthorized)?;
    }
    Ok(stream)
}

/// Node's `checkServerIdentity` override, once the handshake is done: the
/// guest verified the chain only, and the override decides on the name.
fn check_identity(
    stream: &mut CleartextStream,
    check: &CheckServerIdentity,
    hostname: &str,
    reject_unauthorized: bool,
) -> Result<()> {
    if !stream.authorized() {
        return Ok(());
    }
    let Some(cert) = stream.peer_certificate() else {
        return Ok(());
    };
    let Err(message) = check.call(hostname, cert) else {
        return Ok(());
    };
    let error = TlsError {
        kind: TlsErrorCode::ErrTlsCertAltnameInvalid,
        message,
    };
    if reject_unauthorized {
        return Err(error.into());
    }
    stream.set_authorization_error(error);
    Ok(())
}

/// What the guest is given for a client connection to `host`: the
/// credentials with the roots it trusts (Node's rule, see
/// [`ClientRoots::for_client`]) and its options.
pub(crate) fn guest_client(
    host: &str,
    options: &ConnectOptions,
) -> Result<(GuestCredentials, GuestClientOptions)> {
    let roots =
        ClientRoots::for_client(&options.credentials.ca, options.system_ca, options.crypto)?;
    Ok(guest_client_with_roots(host, options, roots))
}

/// [`guest_client`] with the roots already chosen.
pub(crate) fn guest_client_with_roots(
    host: &str,
    options: &ConnectOptions,
    roots: ClientRoots,
) -> (GuestCredentials, GuestClientOptions) {
    let names = tlsbox_engine::pair::ConnectNames::new(host, options.servername.as_deref());
    let mut credentials = Credentials {
        ca: roots.ca,
        ..options.credentials.clone()
    }
    .to_guest();
    credentials.ca_certificates = roots.decoded.certificates;
    credentials.ca_anchors = roots.decoded.anchors;
    credentials.held_roots = roots.held;
    // With Node's `checkServerIdentity` override the guest verifies the
    // chain only (an empty `check-host`), and the override decides.
    let check_host = match options.check_server_identity {
        Some(_) => String::new(),
        None => names.check_host,
    };
    let guest_options = GuestClientOptions {
        check_host,
        servername: names.servername,
        reject_unauthorized: options.reject_unauthorized,
        alpn_protocols: options.alpn_protocols.clone(),
        keylog: options.keylog.is_some(),
        ciphers: options.ciphers.clone(),
        min_version: options.min_version.clone(),
        max_version: options.max_version.clone(),
        ecdh_curve: options.ecdh_curve.clone(),
        sigalgs: options.sigalgs.clone(),
        default_roots: roots.default_roots,
        resume: true,
        request_ocsp: options.request_ocsp,
    };
    (credentials, guest_options)
}
