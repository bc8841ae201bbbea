//! The load client's measures: handshakes per second, bulk throughput,
//! idle connections. Every server is measured with the same native client.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rustls::ClientConfig;

use super::native::{self, Client, Tls};

/// How many handshakes a load run completed, and in how long.
#[derive(Clone, Copy, Debug)]
pub struct Handshakes {
    /// Handshakes completed.
    pub count: u64,
    /// Of those, the ones that resumed a session (the client's
    /// `handshake_kind()` said `Resumed`); 0 where the client does not
    /// resume.
    pub resumed: u64,
    /// Seconds the run took.
    pub seconds: f64,
}

impl Handshakes {
    /// Handshakes per second.
    pub fn per_second(&self) -> f64 {
        self.count as f64 / self.seconds
    }
}

/// Full handshakes: `concurrency` clients connect, finish the handshake,
/// send close_notify and drop the connection, for `duration`.
pub async fn handshake_rate(
    port: u16,
    config: &Arc<ClientConfig>,
    duration: Duration,
    concurrency: usize,
) -> io::Result<Handshakes> {
    rate(duration, concurrency, config, move |config| async move {
        let mut tls = native::connect(port, &config).await?;
        // No TIME_WAIT: thousands of connections a second would
        // otherwise run the loopback out of ephemeral ports.
        tls.reset_on_close();
        let _ = tls.shutdown().await;
        Ok(false)
    })
    .await
}

/// How long a connection of [`handshake_rate_awaiting_ticket`] waits for
/// its new session ticket before it gives up on it.
const TICKET_WAIT: Duration = Duration::from_secs(5);

/// Handshakes as a client that resumes makes them: as [`handshake_rate`],
/// but after the handshake and close_notify each connection waits for the
/// server's first new session ticket (or its close, from a server that
/// issues none), so that the session store holds one for the next
/// connection: rustls uses a TLS 1.3 ticket once. Counts the connections
/// that resumed.
///
/// With a [`native::resuming_client_config`] whose store already holds
/// tickets from this server (see [`fill_session_store`]): resumed
/// handshakes. With a [`native::client_config`]: full handshakes in the
/// same steps, what a resumed one is compared with.
pub async fn handshake_rate_awaiting_ticket(
    port: u16,
    config: &Arc<ClientConfig>,
    duration: Duration,
    concurrency: usize,
) -> io::Result<Handshakes> {
    rate(duration, concurrency, config, move |config| async move {
        let mut tls = native::connect(port, &config).await?;
        let resumed = tls.resumed();
        tls.reset_on_close();
        let _ = tls.shutdown().await;
        let _ = tokio::time::timeout(TICKET_WAIT, tls.await_ticket()).await;
        Ok(resumed)
    })
    .await
}

/// The warm-up of resumed [`handshake_rate_awaiting_ticket`]: `concurrency` full
/// handshakes at once with `config`'s empty session store, each waiting
/// for its tickets, so that every client of the measure finds one.
/// Returns the tickets received (0: the server issues none).
pub async fn fill_session_store(
    port: u16,
    config: &Arc<ClientConfig>,
    concurrency: usize,
) -> io::Result<u32> {
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let config = config.clone();
        tasks.push(tokio::spawn(async move {
            let mut tls = native::connect(port, &config).await?;
            let _ = tls.shutdown().await;
            tokio::time::timeout(TICKET_WAIT, tls.await_ticket())
                .await
                .unwrap_or(Ok(0))
        }));
    }
    let mut tickets = 0;
    for task in tasks {
        tickets += task.await.map_err(io::Error::other)??;
    }
    Ok(tickets)
}

/// Full handshakes with `tlsbox::connect` as the client, as
/// [`handshake_rate`] measures the native client.
pub async fn tlsbox_handshake_rate(
    port: u16,
    options: tlsbox::ConnectOptions,
    duration: Duration,
    concurrency: usize,
) -> io::Result<Handshakes> {
    use tokio::io::AsyncWriteExt;
    rate(duration, concurrency, &options, move |options| async move {
        let mut tls = tlsbox::connect("localhost", port, options)
            .await
            .map_err(io::Error::other)?;
        let _ = tls.shutdown().await;
        Ok(false)
    })
    .await
}

/// Runs `concurrency` loops of `handshake` (each given a clone of
/// `setting`, and returning whether it resumed) until `duration` has
/// passed.
async fn rate<S, F, Fut>(
    duration: Duration,
    concurrency: usize,
    setting: &S,
    handshake: F,
) -> io::Result<Handshakes>
where
    S: Clone + Send + 'static,
    F: Fn(S) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = io::Result<bool>> + Send,
{
    let done = Arc::new(AtomicU64::new(0));
    let resumed = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (setting, handshake) = (setting.clone(), handshake.clone());
        let (done, resumed) = (done.clone(), resumed.clone());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                if handshake(setting.clone()).await? {
                    resumed.fetch_add(1, Ordering::Relaxed);
                }
                done.fetch_add(1, Ordering::Relaxed);
            }
            Ok::<_, io::Error>(())
        }));
    }
    for task in tasks {
        task.await.map_err(io::Error::other)??;
    }
    Ok(Handshakes {
        count: done.load(Ordering::Relaxed),
        resumed: resumed.load(Ordering::Relaxed),
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// MB/s (10^6 bytes) of one server-to-client transfer of `bytes`, timed
/// from the request to the server's close.
pub async fn bulk_rate(port: u16, config: &Arc<ClientConfig>, bytes: usize) -> io::Result<f64> {
    let mut tls = native::connect(port, config).await?;
    let start = Instant::now();
    tls.write_all(format!("GET /bulk-{bytes} HTTP/1.0\r\n\r\n").as_bytes())
        .await?;
    let mut buf = vec![0u8; 256 * 1024];
    let mut received = 0;
    loop {
        let n = tls.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        received += n;
    }
    let elapsed = start.elapsed().as_secs_f64();
    if received < bytes {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("received {received} of {bytes} bytes"),
        ));
    }
    Ok(received as f64 / elapsed / 1e6)
}

/// MB/s (10^6 bytes) of one client-to-server transfer of `bytes` (`PUT
/// /bulk-<bytes>`), timed from the request to the server's answer, which
/// it sends once it has read every byte: the server's receive path.
pub async fn upload_rate(port: u16, config: &Arc<ClientConfig>, bytes: usize) -> io::Result<f64> {
    let mut tls = native::connect(port, config).await?;
    let start = Instant::now();
    tls.write_all(format!("PUT /bulk-{bytes} HTTP/1.0\r\n\r\n").as_bytes())
        .await?;
    let chunk = vec![0x5a_u8; 64 * 1024];
    let mut left = bytes;
    while left > 0 {
        let n = left.min(chunk.len());
        tls.write_all(&chunk[..n]).await?;
        left -= n;
    }
    let mut answer = Vec::new();
    let mut buf = [0u8; 64];
    loop {
        let n = tls.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&buf[..n]);
    }
    let elapsed = start.elapsed().as_secs_f64();
    let counted = String::from_utf8_lossy(&answer);
    if counted.trim() != bytes.to_string() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("the server counted {counted:?} of {bytes} bytes"),
        ));
    }
    Ok(bytes as f64 / elapsed / 1e6)
}

/// Opens `count` connections and keeps them established and idle.
pub async fn open_idle(
    port: u16,
    config: &Arc<ClientConfig>,
    count: usize,
) -> io::Result<Vec<Tls<Client>>> {
    const PARALLEL: usize = 8;
    let mut tasks = Vec::new();
    for i in 0..PARALLEL {
        let share = count / PARALLEL + usize::from(i < count % PARALLEL);
        let config = config.clone();
        tasks.push(tokio::spawn(async move {
            let mut open = Vec::with_capacity(share);
            for _ in 0..share {
                open.push(native::connect(port, &config).await?);
            }
            Ok::<_, io::Error>(open)
        }));
    }
    let mut all = Vec::with_capacity(count);
    for task in tasks {
        all.extend(task.await.map_err(io::Error::other)??);
    }
    Ok(all)
}

/// Resident memory of process `pid`, in KiB (Linux `/proc`).
pub fn rss_kib(pid: u32) -> Option<u64> {
    proc_kib(pid, "status", "VmRSS:")
}

/// Proportional set size of process `pid`, in KiB (Linux
/// `/proc/<pid>/smaps_rollup`): resident memory with each shared page
/// counted once. RSS counts a file page once per mapping, so each tlsbox
/// instance's copy-on-write view of the compiled component's memory image
/// adds the image's pages again to RSS although they are one page in RAM.
pub fn pss_kib(pid: u32) -> Option<u64> {
    proc_kib(pid, "smaps_rollup", "Pss:")
}

/// How many memory mappings process `pid` has (`/proc/<pid>/maps` lines):
/// what the kernel's `vm.max_map_count` caps.
pub fn mappings(pid: u32) -> Option<u64> {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).ok()?;
    Some(maps.lines().count() as u64)
}

/// The kernel's cap on one process's memory mappings (`vm.max_map_count`).
pub fn max_map_count() -> Option<u64> {
    std::fs::read_to_string("/proc/sys/vm/max_map_count")
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// The KiB on the `field` line of `/proc/<pid>/<file>`.
fn proc_kib(pid: u32, file: &str, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/{file}")).ok()?;
    text.lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
}

/// Runs `load` and measures the CPU time process `pid` spent meanwhile,
/// in seconds: `None` when /proc cannot say (no pid, not Linux).
pub async fn with_cpu_seconds<T>(
    pid: Option<u32>,
    load: impl std::future::Future<Output = io::Result<T>>,
) -> io::Result<(T, Option<f64>)> {
    let before = pid.and_then(cpu_ns);
    let result = load.await?;
    let after = pid.and_then(cpu_ns);
    let seconds = before
        .zip(after)
        .and_then(|(before, after)| Some(after.checked_sub(before)? as f64 / 1e9))
        .filter(|&seconds| seconds > 0.0);
    Ok((result, seconds))
}

/// CPU time all threads of process `pid` have run, in nanoseconds (Linux
/// `/proc/<pid>/task/*/schedstat`: exact, where `/proc/<pid>/stat` counts
/// in 10 ms ticks).
pub fn cpu_ns(pid: u32) -> Option<u64> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    let mut total = 0;
    for task in tasks.flatten() {
        let schedstat = std::fs::read_to_string(task.path().join("schedstat")).ok()?;
        total += schedstat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(total)
}
