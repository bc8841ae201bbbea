//! Limits on one connection's sandbox.

use std::time::Duration;

/// What one connection's guest instance may use. Exceeding any limit ends
/// that connection with an error; other connections are not affected.
#[derive(Clone, Debug)]
pub struct SandboxLimits {
    /// Linear memory the instance may grow to, in bytes.
    pub memory_bytes: usize,
    /// CPU time one guest call may take before it is interrupted. Measured
    /// in ticks of [`crate::runtime::EPOCH_TICK`], so it is approximate.
    pub call_deadline: Duration,
    /// The most bytes passed to the guest in one call.
    pub max_bytes_per_call: usize,
    /// The most host resources (WASI handles) the instance may hold.
    pub max_resources: usize,
}

impl Default for SandboxLimits {
    fn default() -> Self {
        Self {
            memory_bytes: 32 << 20,
            call_deadline: Duration::from_secs(2),
            max_bytes_per_call: 64 << 10,
            max_resources: 64,
        }
    }
}
