//! This process's resident memory, from `/proc/self/status`.

/// VmRSS in bytes (Linux).
pub fn rss_bytes() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .expect("a VmRSS line");
    let kib: usize = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("VmRSS in kB");
    kib * 1024
}

/// Hands the allocator's free memory back to the system, so that RSS shows
/// what is still allocated rather than what malloc keeps for reuse (glibc
/// keeps freed small blocks; without this a leak hides in its caches).
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn malloc_trim(pad: usize) -> i32;
        }
        // SAFETY: glibc's malloc_trim takes a byte count, touches only the
        // allocator's own free lists and is safe to call from any thread.
        unsafe {
            malloc_trim(0);
        }
    }
}
