//! `SSLKEYLOGFILE`-style key logging, only when asked for.
//!
//! The secrets are the guest's: a pair made with `keylog` set records them
//! as lines, and the host takes them after the handshake and appends them
//! to the file named by the `keylog` option. Nothing else in tlsbox ever
//! writes or logs a secret.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};

/// An open key log file, shared by every connection that logs to it.
#[derive(Clone)]
pub(crate) struct KeyLogFile(Arc<Mutex<File>>);

impl KeyLogFile {
    /// Opens `path` for appending, creating it owner-only where that means something.
    pub(crate) fn open(path: &Path) -> Result<Self> {
        let mut options = OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(path).map_err(|e| {
            Error::InvalidArgument(format!("cannot open key log {}: {e}", path.display()))
        })?;
        Ok(Self(Arc::new(Mutex::new(file))))
    }

    /// Appends `lines`, one per line, in one write so connections do not interleave.
    pub(crate) fn append(&self, lines: &[String]) {
        if lines.is_empty() {
            return;
        }
        let mut text = String::with_capacity(lines.len() * 180);
        for line in lines {
            text.push_str(line);
            text.push('\n');
        }
        let mut file = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Err(e) = file.write_all(text.as_bytes()) {
            // Says where, never what: the lines are secrets.
            tracing::warn!("cannot write to the key log: {e}");
        }
    }
}

impl std::fmt::Debug for KeyLogFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyLogFile(..)")
    }
}
