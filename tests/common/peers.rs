//! Real peers as child processes (`openssl`, `node`, our own binary), read
//! line by line, and killed when the test is done with them.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A child process killed on drop, with its output as a stream of lines.
pub struct Peer {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
    /// Every line seen so far (stdout and stderr interleaved).
    pub seen: Vec<String>,
}

impl Peer {
    /// Starts `program` with `args`, stdin piped, stdout and stderr read as lines.
    pub fn spawn(program: &str, args: &[&str]) -> Self {
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("start {program}: {e}"));
        let (tx, lines) = mpsc::channel();
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        for reader in [
            Box::new(stdout) as Box<dyn std::io::Read + Send>,
            Box::new(stderr),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(reader).lines() {
                    let Ok(line) = line else { break };
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        let stdin = child.stdin.take();
        Self {
            child,
            stdin,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits (up to 20 s) for a line satisfying `matches`; panics with all
    /// output seen when none comes.
    pub fn wait_for(&mut self, what: &str, matches: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        if let Some(line) = self.seen.iter().find(|l| matches(l)) {
            return line.clone();
        }
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if matches(&line) {
                        return line;
                    }
                }
                Err(_) => panic!("no line with {what} in:\n{}", self.seen.join("\n")),
            }
        }
    }

    /// Waits for a line containing `needle`.
    pub fn wait_for_text(&mut self, needle: &str) -> String {
        self.wait_for(needle, |line| line.contains(needle))
    }

    /// Writes to the peer's stdin.
    pub fn send(&mut self, data: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin still open");
        stdin.write_all(data).expect("write to peer");
        stdin.flush().expect("flush peer stdin");
    }

    /// Closes the peer's stdin.
    pub fn close_stdin(&mut self) {
        self.stdin.take();
    }

    /// Waits (up to 20 s) for the process to exit; returns its exit code.
    pub fn wait_exit(&mut self) -> Option<i32> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().expect("poll child") {
                while let Ok(line) = self.lines.recv_timeout(Duration::from_millis(200)) {
                    self.seen.push(line);
                }
                return status.code();
            }
            if Instant::now() > deadline {
                panic!("peer did not exit; output:\n{}", self.seen.join("\n"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `openssl s_server` on a free loopback port, with `args` added; returns it and its port.
pub fn openssl_server(args: &[&str]) -> (Peer, u16) {
    let mut all = vec!["s_server", "-accept", "127.0.0.1:0"];
    all.extend_from_slice(args);
    let mut peer = Peer::spawn("openssl", &all);
    let line = peer.wait_for_text("ACCEPT");
    let port = line
        .rsplit(':')
        .next()
        .and_then(|p| p.trim().parse().ok())
        .expect("ACCEPT line has a port");
    (peer, port)
}

/// `openssl s_client` to `connect` (`host:port`), verifying the server as
/// `localhost` against the root file `ca`, with `extra` arguments added.
pub fn openssl_client(connect: &str, ca: &str, extra: &[&str]) -> Peer {
    let mut all = vec![
        "s_client",
        "-connect",
        connect,
        "-CAfile",
        ca,
        "-servername",
        "localhost",
        "-verify_hostname",
        "localhost",
        "-verify_return_error",
    ];
    all.extend_from_slice(extra);
    Peer::spawn("openssl", &all)
}
