//! A TLS client written only against the `wasi:tls` draft, `wasi:io` and
//! `wasi:cli`: it knows nothing of tlsbox, and gets its TLS from whatever
//! component or host exports `wasi:tls` (here tlsbox's provider, composed in).
//!
//! Its transport is its standard streams (the host connects them to the
//! server): `client SERVER-NAME MESSAGE EXPECTED` handshakes with
//! SERVER-NAME, sends MESSAGE and a newline, reads one line back, and exits
//! successfully only when that line is EXPECTED. It has no other output:
//! its stdout carries TLS.
#![cfg_attr(target_arch = "wasm32", no_std)]
#![deny(unsafe_code)]

extern crate alloc;

mod bindings;

use alloc::string::String;
use alloc::vec::Vec;

use bindings::exports::wasi::cli::run;
use bindings::wasi::cli::{environment, stdin, stdout};
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

/// The component: its `wasi:cli/run` export.
pub struct Client;

impl run::Guest for Client {
    fn run() -> Result<(), ()> {
        let args = environment::get_arguments();
        let [_, server_name, message, expected] = &args[..] else {
            return Err(());
        };
        let (connection, input, output) = handshake(server_name)?;
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

/// The draft's handshake over stdin/stdout, waited for with its pollable.
fn handshake(server_name: &str) -> Result<(ClientConnection, InputStream, OutputStream), ()> {
    let handshake = ClientHandshake::new(server_name, stdin::get_stdin(), stdout::get_stdout());
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
