//! Limits on one connection's sandbox.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// What one connection's guest instance may use. Exceeding any limit ends
/// that connection with [`crate::Error::LimitExceeded`]; other connections
/// are not affected.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SandboxLimits {
    /// Linear memory the instance may grow to, in bytes. An instance whose
    /// initial memory is already larger cannot start.
    pub memory_bytes: usize,
    /// CPU time one guest call may take before it is interrupted. Measured
    /// in ticks of [`crate::runtime::EPOCH_TICK`], so it is approximate: a
    /// call is stopped at the first tick at or past the deadline.
    /// `Duration::ZERO` lets no guest call finish (a way to test the trap).
    pub call_deadline: Duration,
    /// The most bytes passed to the guest in one call, and the most the
    /// guest may hand back from one call. The default leaves room for a
    /// 64 KiB write sealed in one call.
    pub max_bytes_per_call: usize,
    /// The most host resources (WASI handles) the instance may hold.
    pub max_resources: usize,
}

impl Default for SandboxLimits {
    fn default() -> Self {
        Self {
            memory_bytes: 32 << 20,
            call_deadline: Duration::from_secs(2),
            max_bytes_per_call: 128 << 10,
            max_resources: 64,
        }
    }
}

/// Which limit a sandbox ran into.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Limit {
    /// [`SandboxLimits::memory_bytes`].
    Memory,
    /// [`SandboxLimits::call_deadline`].
    CallDeadline,
    /// [`SandboxLimits::max_bytes_per_call`].
    BytesPerCall,
    /// [`SandboxLimits::max_resources`].
    Resources,
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Memory => "memory limit",
            Self::CallDeadline => "CPU deadline",
            Self::BytesPerCall => "bytes-per-call limit",
            Self::Resources => "resource limit",
        })
    }
}

/// Picks the limits of one server connection from the peer's address, before
/// its sandbox starts: stricter limits for some networks, or one connection
/// driven over a limit in a test. See [`crate::ServerOptions::limits_for`].
#[derive(Clone)]
pub struct LimitsHook(Arc<dyn Fn(SocketAddr) -> SandboxLimits + Send + Sync>);

impl LimitsHook {
    /// A hook calling `pick` for every accepted connection.
    pub fn new(pick: impl Fn(SocketAddr) -> SandboxLimits + Send + Sync + 'static) -> Self {
        Self(Arc::new(pick))
    }

    /// The limits for a connection from `remote`.
    pub fn limits(&self, remote: SocketAddr) -> SandboxLimits {
        (self.0)(remote)
    }
}

impl fmt::Debug for LimitsHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LimitsHook(..)")
    }
}
