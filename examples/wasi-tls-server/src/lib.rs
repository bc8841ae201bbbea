//! A TLS server written against `tlsbox:tls/wasi-tls-server` (the server
//! side the `wasi:tls` draft lacks), `wasi:io` and `wasi:cli`, composed with
//! tlsbox's provider.
//!
//! Its transport is its standard streams (the host connects them to an
//! accepted TCP connection). `server SERVER-NAME EXPECTED REPLY` serves the
//! identity in `$TLS_CERT` / `$TLS_KEY` (PEM text) with the ALPN protocols
//! in `$TLS_ALPN` (comma-separated), reads one line, and answers REPLY and a
//! newline. It exits successfully only when the client asked for
//! SERVER-NAME (SNI) and its line was EXPECTED.
#![cfg_attr(target_arch = "wasm32", no_std)]
#![deny(unsafe_code)]

extern crate alloc;

mod bindings;

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use bindings::exports::wasi::cli::run;
use bindings::tlsbox::tls::wasi_tls_server::{
    ClientAuth, Identity, ServerConfig, ServerConnection, ServerHandshake,
};
use bindings::wasi::cli::{environment, stdin, stdout};
use bindings::wasi::io::streams::{InputStream, OutputStream};

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;

/// Without std there is nowhere to print a panic: trap, which the host
/// reports.
#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

/// The component: its `wasi:cli/run` export.
pub struct Server;

fn variable(name: &str) -> Option<String> {
    environment::get_environment()
        .into_iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value)
}

impl run::Guest for Server {
    fn run() -> Result<(), ()> {
        let args = environment::get_arguments();
        let [_, server_name, expected, reply] = &args[..] else {
            return Err(());
        };
        let config = ServerConfig {
            identity: Identity {
                cert_chain: variable("TLS_CERT").ok_or(())?,
                private_key: variable("TLS_KEY").ok_or(())?,
            },
            sni: Vec::new(),
            alpn_protocols: variable("TLS_ALPN")
                .map(|list| list.split(',').map(ToString::to_string).collect())
                .unwrap_or_default(),
            client_auth: ClientAuth::None,
        };
        let (connection, input, output) = handshake(&config)?;
        let line = read_line(&input)?;
        let mut answer = reply.clone().into_bytes();
        answer.push(b'\n');
        output.blocking_write_and_flush(&answer).map_err(|_| ())?;
        connection.close_output();
        let asked_for = connection.server_name();
        (asked_for.as_deref() == Some(server_name.as_str()) && line == *expected)
            .then_some(())
            .ok_or(())
    }
}

/// The server's handshake over stdin/stdout, waited for with its pollable.
fn handshake(config: &ServerConfig) -> Result<(ServerConnection, InputStream, OutputStream), ()> {
    let handshake = ServerHandshake::new(config, stdin::get_stdin(), stdout::get_stdout());
    let future = ServerHandshake::finish(handshake);
    loop {
        match future.get() {
            None => future.subscribe().block(),
            Some(Ok(Ok(streams))) => return Ok(streams),
            Some(Ok(Err(_))) | Some(Err(())) => return Err(()),
        }
    }
}

/// Reads up to a newline (not included), or to the end of the stream.
fn read_line(input: &InputStream) -> Result<String, ()> {
    let mut line = Vec::new();
    while let Ok(bytes) = input.blocking_read(4096) {
        line.extend_from_slice(&bytes);
        if let Some(end) = line.iter().position(|&b| b == b'\n') {
            line.truncate(end);
            break;
        }
    }
    String::from_utf8(line).map_err(|_| ())
}
