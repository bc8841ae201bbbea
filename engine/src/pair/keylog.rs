//! The key log: the secrets rustls reports, recorded as `SSLKEYLOGFILE`
//! lines only when the caller asked for them (`keylog` in
//! [`super::ClientOptions`] or the server's options), until
//! [`SecurePair::take_keylog`] takes them.

use super::SecurePair;

impl SecurePair {
    /// The key log lines recorded since the last call (`SSLKEYLOGFILE`
    /// format, no newline). Always empty unless `keylog` was asked for.
    pub fn take_keylog(&mut self) -> Vec<String> {
        match &self.keylog {
            Some(keylog) => {
                std::mem::take(&mut *keylog.lines.lock().unwrap_or_else(|e| e.into_inner()))
            }
            None => Vec::new(),
        }
    }
}

/// Secrets rustls reports, kept as `SSLKEYLOGFILE` lines until the caller
/// takes them. Only ever made when the caller asked for a key log.
#[derive(Default)]
pub(super) struct KeyLogLines {
    lines: std::sync::Mutex<Vec<String>>,
}

impl rustls::KeyLog for KeyLogLines {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        let line = format!("{label} {} {}", hex(client_random), hex(secret));
        self.lines
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(line);
    }

    fn will_log(&self, _label: &str) -> bool {
        true
    }
}

/// Never prints the secrets it holds.
impl std::fmt::Debug for KeyLogLines {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyLogLines(..)")
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
