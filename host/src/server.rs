//! `tls.createServer`: a listener whose every connection gets its own sandbox.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::error::{Error, Result, TlsError, TlsErrorCode};
use crate::keylog::KeyLogFile;
use crate::options::{Credentials, Isolation, ServerHooks, ServerOptions};
use crate::sandbox::Sandbox;
use crate::sandbox::shared::{InstanceKey, InstancePool, ServerRecipe};
use crate::sessions::SessionStore;
use crate::stream::CleartextStream;
use crate::tickets::{TICKET_KEYS_LEN, Ticketer};
use crate::wit::GuestTickets;

/// How many events may wait for the application before handshakes wait too.
const EVENT_BACKLOG: usize = 256;

/// What a server reports, as Node's server events.
#[derive(Debug)]
pub enum ServerEvent {
    /// A handshake finished (`secureConnection`). Check
    /// [`CleartextStream::authorized`]: it fires for unauthorized clients too
    /// unless `reject_unauthorized` is set.
    SecureConnection(Box<CleartextStream>),
    /// A connection failed before its handshake finished (`tlsClientError`,
    /// v0.6's `clientError`). The server keeps serving.
    ClientError {
        /// What went wrong, with Node's code.
        error: Error,
        /// Who it was.
        remote_addr: Option<SocketAddr>,
    },
}

struct Shared {
    options: ServerOptions,
    keylog: Option<KeyLogFile>,
    /// The callbacks each handshake may pause for.
    hooks: ServerHooks,
    /// The session-ticket keys, unless the server issues no tickets.
    ticketer: Option<Arc<Ticketer>>,
    /// TLS 1.2 sessions by ID (host crypto's; with tickets on).
    sessions: Option<Arc<SessionStore>>,
    contexts: RwLock<Vec<(String, Credentials)>>,
    /// Bumped whenever `contexts` changes, so that shared instances made
    /// before take no new connections.
    contexts_generation: AtomicU64,
    /// The instances connections share, with [`Isolation::PerContext`].
    pool: Option<InstancePool>,
    max_connections: AtomicUsize,
    live: watch::Sender<usize>,
}

/// Counts a connection as live until dropped.
struct LiveConnection(Arc<Shared>);

impl LiveConnection {
    fn new(shared: Arc<Shared>) -> Self {
        shared.live.send_modify(|n| *n += 1);
        Self(shared)
    }
}

impl Drop for LiveConnection {
    fn drop(&mut self) {
        self.0.live.send_modify(|n| *n -= 1);
    }
}

/// A TLS server (Node's `tls.Server`). Made by [`create_server`], started by
/// [`Server::listen`]; connections arrive through [`Server::accept`] or
/// [`Server::next_event`].
pub struct Server {
    shared: Arc<Shared>,
    events_tx: mpsc::Sender<ServerEvent>,
    events: tokio::sync::Mutex<mpsc::Receiver<ServerEvent>>,
    address: Mutex<Option<SocketAddr>>,
    acceptor: Mutex<Option<JoinHandle<()>>>,
    /// True once `close` was called.
    closed: watch::Sender<bool>,
}

/// A listener on `addr`'s first address with `SO_REUSEPORT` set, so that
/// several processes (or servers) listening alike share the port and the
/// kernel spreads connections across them.
async fn bind_reusing_port(addr: impl ToSocketAddrs) -> Result<TcpListener> {
    let address = tokio::net::lookup_host(addr).await?.next().ok_or_else(|| {
        Error::InvalidArgument("the address to listen on resolves to nothing".into())
    })?;
    let socket = match address {
        SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
        SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
    };
    socket.set_reuseaddr(true)?;
    socket.set_reuseport(true)?;
    socket.bind(address)?;
    // The backlog tokio's own `TcpListener::bind` asks for.
    Ok(socket.listen(1024)?)
}

/// Node's `tls.createServer(options)`. The credentials (and every SNI
/// context's) are parsed now, in a sandbox, so bad PEM fails here.
///
/// ```no_run
/// # async fn run() -> tlsbox::Result<()> {
/// use tokio::io::{AsyncReadExt, AsyncWriteExt};
/// let credentials = tlsbox::Credentials::from_files("fixtures/agent1-key.pem", "fixtures/agent1-cert.pem")?;
/// let server = tlsbox::create_server(tlsbox::ServerOptions::new(credentials))?;
/// server.listen("127.0.0.1:8000").await?;
/// while let Some(mut stream) = server.accept().await {
///     println!("server connected {}", if stream.authorized() { "authorized" } else { "unauthorized" });
///     stream.write_all(b"welcome!\n").await?;
///     let mut line = [0u8; 1024];
///     let n = stream.read(&mut line).await?;
///     stream.write_all(&line[..n]).await?;
/// }
/// # Ok(()) }
/// ```
pub fn create_server(options: ServerOptions) -> Result<Server> {
    // Checked natively with the engine's rules: a bad option is an error
    // now, not at each handshake.
    tlsbox_engine::check_negotiation(
        options.ciphers.as_deref(),
        options.ecdh_curve.as_deref(),
        options.min_version.as_deref(),
        options.max_version.as_deref(),
        options.sigalgs.as_deref(),
    )
    .map_err(TlsError::from)?;
    if options.alpn_callback.is_some() && !options.alpn_protocols.is_empty() {
        return Err(Error::Tls(TlsError {
            kind: TlsErrorCode::ErrTlsAlpnCallbackWithProtocols,
            message: "The ALPNCallback and ALPNProtocols TLS options are mutually exclusive".into(),
        }));
    }
    Sandbox::check_credentials(&options.limits, &options.credentials.to_guest())?;
    for (_, credentials) in &options.contexts {
        Sandbox::check_credentials(&options.limits, &credentials.to_guest())?;
    }
    let keylog = options
        .keylog
        .as_deref()
        .map(KeyLogFile::open)
        .transpose()?;
    let ticketer = match options.tickets {
        true => Some(Arc::new(
            Ticketer::new(options.ticket_keys.as_ref())
                .ok_or_else(|| Error::Sandbox("cannot make session-ticket keys".into()))?,
        )),
        false => None,
    };
    let (live, _) = watch::channel(0);
    let (events_tx, events) = mpsc::channel(EVENT_BACKLOG);
    let sessions = ticketer.as_ref().map(|_| Arc::new(SessionStore::default()));
    let shared = Arc::new(Shared {
        ticketer,
        sessions,
        contexts: RwLock::new(options.contexts.clone()),
        contexts_generation: AtomicU64::new(0),
        pool: match options.isolation {
            Isolation::PerConnection => None,
            Isolation::PerContext {
                max_connections_per_instance,
            } => Some(InstancePool::new(max_connections_per_instance)),
        },
        max_connections: AtomicUsize::new(options.max_connections.unwrap_or(usize::MAX)),
        keylog,
        hooks: options.hooks(),
        options,
        live,
    });
    Ok(Server {
        shared,
        events_tx,
        events: tokio::sync::Mutex::new(events),
        address: Mutex::new(None),
        acceptor: Mutex::new(None),
        closed: watch::channel(false).0,
    })
}

impl Server {
    /// Starts accepting on `addr` (port 0 picks a free port) and returns
    /// the bound address (Node's `listen` + `address()`).
    pub async fn listen(&self, addr: impl ToSocketAddrs) -> Result<SocketAddr> {
        let listener = match self.shared.options.reuse_port {
            false => TcpListener::bind(addr).await?,
            true => bind_reusing_port(addr).await?,
        };
        let address = listener.local_addr()?;
        *self.address.lock().expect("address lock") = Some(address);
        let task = tokio::spawn(accept_loop(
            listener,
            self.shared.clone(),
            self.events_tx.clone(),
        ));
        if let Some(previous) = self.acceptor.lock().expect("acceptor lock").replace(task) {
            previous.abort();
        }
        Ok(address)
    }

    /// The keys session tickets are sealed with now (Node's
    /// `server.getTicketKeys()`); `None` for a server made with
    /// [`ServerOptions::no_tickets`].
    pub fn ticket_keys(&self) -> Option<[u8; TICKET_KEYS_LEN]> {
        self.shared.ticketer.as_ref().map(|t| t.keys())
    }

    /// Seals new session tickets with `keys` (Node's
    /// `server.setTicketKeys()`); tickets sealed with the keys before still
    /// resume until the keys change again. Fails on a server made with
    /// [`ServerOptions::no_tickets`].
    pub fn set_ticket_keys(&self, keys: &[u8; TICKET_KEYS_LEN]) -> Result<()> {
        match &self.shared.ticketer {
            Some(ticketer) => {
                ticketer.set_keys(keys);
                Ok(())
            }
            None => Err(Error::InvalidArgument(
                "this server issues no session tickets (made with no_tickets)".into(),
            )),
        }
    }

    /// The address the server listens on (Node's `server.address()`).
    pub fn address(&self) -> Option<SocketAddr> {
        *self.address.lock().expect("address lock")
    }

    /// The next event: a secure connection or a client error. `None` once
    /// the server is closed and every event has been taken.
    pub async fn next_event(&self) -> Option<ServerEvent> {
        let mut events = self.events.lock().await;
        let mut closed = self.closed.subscribe();
        tokio::select! {
            biased;
            event = events.recv() => event,
            _ = closed.wait_for(|closed| *closed) => events.try_recv().ok(),
        }
    }

    /// The next secure connection (Node's `secureConnection`); client errors
    /// on the way are logged and skipped. `None` once the server is closed.
    pub async fn accept(&self) -> Option<CleartextStream> {
        loop {
            match self.next_event().await? {
                ServerEvent::SecureConnection(stream) => return Some(*stream),
                ServerEvent::ClientError { error, remote_addr } => {
                    tracing::info!(?remote_addr, "client error: {error}");
                }
            }
        }
    }

    /// Node's `addContext(hostname, credentials)`: clients whose SNI name
    /// matches `pattern` (`name` or `*.name`, `*` being one label) get these
    /// credentials; the latest added match wins. Applies to new connections.
    pub fn add_context(&self, pattern: &str, credentials: Credentials) -> Result<()> {
        // The rule the guest's table applies, checked now.
        tlsbox_engine::server::check_pattern(pattern)
            .map_err(|error| Error::InvalidArgument(error.message))?;
        Sandbox::check_credentials(&self.shared.options.limits, &credentials.to_guest())?;
        self.shared
            .contexts
            .write()
            .expect("contexts lock")
            .push((pattern.to_string(), credentials));
        self.shared
            .contexts_generation
            .fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Live connections, handshaking or established (Node's `connections`).
    pub fn connections(&self) -> usize {
        *self.shared.live.borrow()
    }

    /// Node's `maxConnections`: connections beyond it are closed on accept.
    pub fn set_max_connections(&self, max: Option<usize>) {
        self.shared
            .max_connections
            .store(max.unwrap_or(usize::MAX), Ordering::Relaxed);
    }

    /// Stops accepting, then resolves once every connection has ended
    /// (Node's `close()` and its `close` event).
    pub async fn close(&self) {
        let acceptor = self.acceptor.lock().expect("acceptor lock").take();
        if let Some(task) = acceptor {
            task.abort();
            let _ = task.await;
        }
        self.address.lock().expect("address lock").take();
        self.closed.send_replace(true);
        let mut live = self.shared.live.subscribe();
        let _ = live.wait_for(|n| *n == 0).await;
    }
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("address", &self.address())
            .field("connections", &self.connections())
            .finish_non_exhaustive()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(task) = self.acceptor.lock().ok().and_then(|mut a| a.take()) {
            task.abort();
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    events: mpsc::Sender<ServerEvent>,
) {
    // An operating-system limit is reported once until an accept succeeds
    // again: the loop retries every 10 ms meanwhile.
    let mut limit_reported = false;
    let open_files = crate::os_limits::open_files_limit();
    loop {
        let (tcp, remote) = match listener.accept().await {
            Ok(accepted) => {
                limit_reported = false;
                accepted
            }
            Err(e) => {
                let description =
                    crate::os_limits::describe_accept_error(&e, open_files.as_deref());
                if !crate::os_limits::is_os_limit(&e) {
                    tracing::warn!("{description}");
                } else if !limit_reported {
                    tracing::error!("{description}");
                    limit_reported = true;
                }
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            }
        };
        if *shared.live.borrow() >= shared.max_connections.load(Ordering::Relaxed) {
            tracing::debug!(%remote, "over maxConnections: closing");
            drop(tcp);
            continue;
        }
        let live = LiveConnection::new(shared.clone());
        tokio::spawn(serve_connection(tcp, remote, live, events.clone()));
    }
}

/// A new connection's sandbox: a fresh instance, or a place in a shared one.
fn server_sandbox(shared: &Shared, remote: SocketAddr) -> Result<Sandbox> {
    let options = &shared.options;
    let limits = match &options.limits_for {
        Some(hook) => hook.limits(remote),
        None => options.limits.clone(),
    };
    // Read before the contexts: a change in between makes the next
    // connection's instance anew rather than keep a stale one.
    let contexts_generation = shared.contexts_generation.load(Ordering::Relaxed);
    let guest_options = options.guest_options(shared.keylog.is_some(), shared.ticketer.as_deref());
    let key = shared.pool.as_ref().map(|_| InstanceKey {
        limits: limits.clone(),
        contexts_generation,
        guest_ticket_keys: match &guest_options.tickets {
            GuestTickets::Keys((keys, _)) => Some(keys.clone()),
            _ => None,
        },
    });
    let contexts: Vec<_> = shared
        .contexts
        .read()
        .expect("contexts lock")
        .iter()
        .map(|(pattern, credentials)| (pattern.clone(), credentials.to_guest()))
        .collect();
    let default_credentials = options.credentials.to_guest();
    if let (Some(pool), Some(key)) = (&shared.pool, key) {
        let instance = pool.instance_for(
            key,
            ServerRecipe {
                crypto: options.crypto,
                default_credentials: &default_credentials,
                contexts: &contexts,
                options: &guest_options,
                ticketer: shared.ticketer.clone(),
                sessions: shared.sessions.clone(),
            },
        )?;
        return Sandbox::server_in(instance);
    }
    let mut sandbox = Sandbox::server(
        &limits,
        options.crypto,
        &default_credentials,
        &contexts,
        &guest_options,
    )?;
    sandbox.lend_resumption(shared.ticketer.clone(), shared.sessions.clone());
    Ok(sandbox)
}

/// One connection: its sandbox, its handshake under the timeout, then the
/// `secureConnection` or `clientError` event.
async fn serve_connection(
    tcp: TcpStream,
    remote: SocketAddr,
    live: LiveConnection,
    events: mpsc::Sender<ServerEvent>,
) {
    let shared = live.0.clone();
    let _ = tcp.set_nodelay(true);
    let local = tcp.local_addr().ok();
    let handshake = async {
        let sandbox = server_sandbox(&shared, remote)?;
        let mut stream = CleartextStream::new(tcp, sandbox)?;
        stream.set_addresses(local, Some(remote));
        stream.set_keylog(shared.keylog.clone());
        stream.handshake_with(&shared.hooks).await?;
        Ok::<_, Error>(stream)
    };
    let event = match tokio::time::timeout(shared.options.handshake_timeout, handshake).await {
        Ok(Ok(mut stream)) => {
            stream.set_guard(Box::new(live));
            ServerEvent::SecureConnection(Box::new(stream))
        }
        Ok(Err(error)) => ServerEvent::ClientError {
            error,
            remote_addr: Some(remote),
        },
        Err(_) => ServerEvent::ClientError {
            error: Error::HandshakeTimeout,
            remote_addr: Some(remote),
        },
    };
    match event {
        ServerEvent::ClientError { .. } => {
            if events.try_send(event).is_err() {
                tracing::warn!(%remote, "client error dropped: nobody is taking server events");
            }
        }
        secure => {
            let _ = events.send(secure).await;
        }
    }
}
