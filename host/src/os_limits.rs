//! The operating system's limits a server with many connections runs into,
//! named in its errors with how to raise them: open files (each
//! connection's socket) and memory mappings (a few per sandbox).

use std::io;

/// `EMFILE`: the process has as many files open as `RLIMIT_NOFILE` allows.
const EMFILE: i32 = 24;
/// `ENFILE`: the system-wide file table is full.
const ENFILE: i32 = 23;

/// Whether `error` is the process or the system out of files.
pub(crate) fn is_os_limit(error: &io::Error) -> bool {
    matches!(error.raw_os_error(), Some(EMFILE | ENFILE))
}

/// An `accept` failure, with the limit it ran into when it was one;
/// `open_files` is the process's open-files limit, read beforehand (out
/// of files, the process cannot open `/proc` to read it).
pub(crate) fn describe_accept_error(error: &io::Error, open_files: Option<&str>) -> String {
    match error.raw_os_error() {
        Some(EMFILE) => format!(
            "accept failed: {error}: the process may have {} files open (its open-files \
             limit, RLIMIT_NOFILE), one per connection; raise it with `ulimit -n` or \
             systemd's LimitNOFILE=",
            open_files.unwrap_or("so many")
        ),
        Some(ENFILE) => format!(
            "accept failed: {error}: the system's file table is full; raise fs.file-max \
             (`sysctl -w fs.file-max=N`)"
        ),
        _ => format!("accept failed: {error}"),
    }
}

/// For a guest instance the kernel would not map memory for: which limit
/// that usually is, and how to raise it. `None` when `error` is not that.
pub(crate) fn mapping_refused_hint(error: &str) -> Option<String> {
    // wasmtime reports the failed mmap as text (its own error type wraps
    // the errno), so the errno's text is what there is to match.
    if !error.contains("os error 12") {
        return None;
    }
    let max_map_count = std::fs::read_to_string("/proc/sys/vm/max_map_count")
        .map(|text| text.trim().to_string())
        .unwrap_or_else(|_| "unknown".into());
    Some(format!(
        "the kernel refused to map the sandbox's memory (ENOMEM): a process may hold at \
         most vm.max_map_count = {max_map_count} mappings, about 4 per live connection \
         with an instance each; raise it (`sysctl -w vm.max_map_count=262144`), let \
         connections share instances (Isolation::PerContext, `--isolation context:N`), \
         or check the address-space limit (`ulimit -v`)"
    ))
}

/// The soft `RLIMIT_NOFILE` of this process, from `/proc/self/limits`.
pub(crate) fn open_files_limit() -> Option<String> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))?;
    line.split_whitespace().nth(3).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_many_open_files_names_the_limit_and_how_to_raise_it() {
        let limit = open_files_limit().expect("Linux reports its limits");
        let text = describe_accept_error(&io::Error::from_raw_os_error(EMFILE), Some(&limit));
        assert!(text.contains("RLIMIT_NOFILE"), "{text}");
        assert!(text.contains("ulimit -n"), "{text}");
        assert!(text.contains(&format!("may have {limit} files")), "{text}");
        let other = describe_accept_error(&io::Error::from_raw_os_error(104), Some(&limit));
        assert!(!other.contains("ulimit"), "{other}");
    }

    #[test]
    fn a_refused_mapping_names_max_map_count() {
        let hint = mapping_refused_hint("failed to mmap: Cannot allocate memory (os error 12)")
            .expect("ENOMEM is a refused mapping");
        assert!(hint.contains("vm.max_map_count = "), "{hint}");
        assert!(hint.contains("sysctl -w vm.max_map_count"), "{hint}");
        assert_eq!(mapping_refused_hint("unreachable executed"), None);
    }
}
