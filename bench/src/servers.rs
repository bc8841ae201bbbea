//! The servers under test, each a child process: `tlsbox-bench peer` for
//! `tlsbox` and `rustls-native`, `node bench/node_peer.js`, `openssl s_server`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStdout, Command};

use super::peer::parse_port_line;
use crate::settings::{Build, System};

/// How long a server may take to start listening (a cold tlsbox compiles
/// its component first).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running server; killed when dropped.
pub struct Server {
    child: Child,
    /// The loopback port it listens on.
    pub port: u16,
}

impl Server {
    /// The server's process id, for its memory.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }
}

/// The files a server serves with.
pub struct Identity {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Starts `system`'s server with `identity`; `workdir` holds node's script
/// and openssl's bulk files.
pub async fn start(
    system: System,
    build: Option<Build>,
    identity: &Identity,
    workdir: &Path,
) -> Result<Server, String> {
    let mut command = match system {
        System::Tlsbox | System::RustlsNative | System::TokioRustls => {
            let exe = std::env::current_exe().map_err(|e| format!("own executable: {e}"))?;
            let mut command = Command::new(exe);
            command
                .arg("peer")
                .arg("--system")
                .arg(system.name())
                .arg("--serve")
                .arg("--cert")
                .arg(&identity.cert)
                .arg("--key")
                .arg(&identity.key);
            if let Some(build) = build {
                command.args(build.peer_args());
            }
            command
        }
        System::Node => {
            let mut command = Command::new("node");
            command
                .arg(workdir.join("node_peer.js"))
                .arg("serve")
                .arg(&identity.cert)
                .arg(&identity.key);
            command
        }
        System::Openssl => {
            let port = free_port()?;
            let mut command = Command::new("openssl");
            command
                .args(["s_server", "-accept"])
                .arg(format!("127.0.0.1:{port}"))
                .arg("-cert")
                .arg(&identity.cert)
                .arg("-key")
                .arg(&identity.key)
                // Serves `GET /<file>` from its working directory.
                .arg("-WWW")
                .current_dir(workdir);
            let mut child = spawn(command)?;
            let stdout = child.stdout.take().expect("piped");
            wait_for_line(stdout, |line| line.contains("ACCEPT").then_some(port)).await?;
            return Ok(Server { child, port });
        }
    };
    command.env("TLSBOX_LOG", "off");
    let mut child = spawn(command)?;
    let stdout = child.stdout.take().expect("piped");
    let port = wait_for_line(stdout, parse_port_line).await?;
    Ok(Server { child, port })
}

fn spawn(mut command: Command) -> Result<Child, String> {
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start {:?}: {e}", command.as_std().get_program()))
}

/// Reads lines until `found` accepts one, then keeps draining the rest so
/// that the server never blocks on a full pipe.
async fn wait_for_line<T>(
    stdout: ChildStdout,
    found: impl Fn(&str) -> Option<T>,
) -> Result<T, String> {
    let mut lines = BufReader::new(stdout).lines();
    let result = tokio::time::timeout(START_TIMEOUT, async {
        while let Some(line) = lines.next_line().await.map_err(|e| e.to_string())? {
            if let Some(value) = found(&line) {
                return Ok(value);
            }
        }
        Err("the server exited before listening".to_string())
    })
    .await
    .map_err(|_| "the server did not start listening in time".to_string())??;
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok(result)
}

/// A loopback port free right now (for servers that cannot pick their own).
fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}
