//! A TLS client written only against the `wasi:tls` draft, `wasi:sockets`,
//! `wasi:io` and `wasi:cli`: it knows nothing of tlsbox, and gets its TLS
//! from whatever component or host exports `wasi:tls` (here tlsbox's
//! provider, composed in, which also hands it its sockets).
//!
//! It opens its own TCP connection to `$TLSBOX_CONNECT` (`HOST:PORT`; HOST
//! an IP address, `[IPv6]`, or a name to look up, each address tried in
//! turn) and handshakes over the socket's streams with the server name
//! `$TLSBOX_SERVER_NAME`. `client MESSAGE EXPECTED` then sends MESSAGE and
//! a newline, reads one line back, and exits successfully only when that
//! line is EXPECTED.
#![cfg_attr(target_arch = "wasm32", no_std)]
#![deny(unsafe_code)]

extern crate alloc;

mod bindings;
mod connect;

use alloc::string::String;
use alloc::vec::Vec;

use bindings::exports::wasi::cli::run;
use bindings::wasi::cli::environment;
use bindings::wasi::io::streams::{InputStream, OutputStream};
use bindings::wasi::tls::types::{ClientConnection, ClientHandshake};

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

/// The variable naming where to connect: `HOST:PORT`.
const CONNECT_VARIABLE: &str = "TLSBOX_CONNECT";
/// The variable naming the server to verify (and to ask for, by SNI).
const SERVER_NAME_VARIABLE: &str = "TLSBOX_SERVER_NAME";

/// The component: its `wasi:cli/run` export.
pub struct Client;

impl run::Guest for Client {
    fn run() -> Result<(), ()> {
        let args = environment::get_arguments();
        let [_, message, expected] = &args[..] else {
            return Err(());
        };
        let environment = environment::get_environment();
        let variable = |name: &str| {
            environment
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.as_str())
                .ok_or(())
        };
        // Declared first so that it is dropped last: a socket's streams
        // are its children, and the TLS streams hold them.
        let (_socket, input, output) = connect::connect(variable(CONNECT_VARIABLE)?)?;
        let (connection, input, output) =
            handshake(variable(SERVER_NAME_VARIABLE)?, input, output)?;
        let mut line = message.clone().into_bytes();
        line.push(b'\n');
        output.blocking_write_and_flush(&line).map_err(|_| ())?;
        let reply = read_line(&input)?;
        if reply != *expected {
            return Err(());
        }
        connection.close_output();
        Ok(())
    }
}

/// The draft's handshake over the transport's streams, waited for with its
/// pollable.
fn handshake(
    server_name: &str,
    input: InputStream,
    output: OutputStream,
) -> Result<(ClientConnection, InputStream, OutputStream), ()> {
    let handshake = ClientHandshake::new(server_name, input, output);
    let future = ClientHandshake::finish(handshake);
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
