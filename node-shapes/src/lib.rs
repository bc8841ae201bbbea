//! The Node-facing shapes tlsbox speaks in, defined once: the flags of
//! `tlsbox server`/`client` (Node's `tls` options, [`args`]), and Node's JSON
//! shapes of a TLS socket and a peer certificate ([`json`]), with address
//! parsing. The native CLI (`host/src/bin/tlsbox`), the library's
//! `CleartextStream::to_json` and the command component (`components/cli/`,
//! for the stock `wasmtime` CLI) all use them, so they take the same flags
//! and print the same lines.
//!
//! It builds natively and for wasm32-wasip2; it does no I/O.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod args;
pub mod json;

/// `host:port` or `[v6]:port` into the host (without brackets) and the port.
pub fn split_host_port(address: &str) -> Result<(String, u16), String> {
    let invalid = || format!("--connect {address:?}: expected HOST:PORT");
    let (host, port) = address.rsplit_once(':').ok_or_else(invalid)?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port = port.parse().map_err(|_| invalid())?;
    Ok((host.to_string(), port))
}

/// `--context PATTERN=CERT,KEY` into its three parts.
pub fn split_context_spec(spec: &str) -> Result<(&str, &str, &str), String> {
    let invalid = || format!("--context {spec:?}: expected PATTERN=CERT,KEY");
    let (pattern, files) = spec.split_once('=').ok_or_else(invalid)?;
    let (cert, key) = files.split_once(',').ok_or_else(invalid)?;
    Ok((pattern, cert, key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_forms() {
        assert_eq!(
            split_host_port("localhost:4433").unwrap(),
            ("localhost".into(), 4433)
        );
        assert_eq!(split_host_port("[::1]:443").unwrap(), ("::1".into(), 443));
        assert!(split_host_port("localhost").is_err());
        assert!(split_host_port("localhost:http").is_err());
    }

    #[test]
    fn context_spec_forms() {
        assert_eq!(
            split_context_spec("*.a.test=c.pem,k.pem").unwrap(),
            ("*.a.test", "c.pem", "k.pem")
        );
        assert!(split_context_spec("a.test=c.pem").is_err());
    }
}
