//! tls-echo: a TLS echo server as a WASI command component, with no TLS code
//! of its own.
//!
//! Every connection's bytes go through a `secure-pair` of the
//! `tlsbox:tls/tls` interface this component imports; `wac plug` composes it
//! with tlsbox's engine component into one component that runs wherever
//! WASI 0.2 with sockets does. The sockets are Rust's `std::net`, which is
//! `wasi:sockets` on wasm32-wasip2.
//!
//! ```text
//! tls-echo --listen 127.0.0.1:4433 --cert agent1-cert.pem --key agent1-key.pem [--connections N]
//! ```
//!
//! Each connection is greeted with `welcome!` once the handshake is done,
//! then gets back every byte it sends, until it closes. Connections are
//! served one after the other (a command component has one thread); with
//! `--connections N` the command exits after N of them.
#![deny(unsafe_code)]

mod bindings;
mod echo;

use std::net::TcpListener;
use std::process::ExitCode;

use bindings::tlsbox::tls::tls::{SecureContext, Server, ServerOptions, Tickets};
use bindings::tlsbox::tls::types::{Credentials, Error, HeldRoots};

/// What the command line asks for.
struct Options {
    listen: String,
    cert: String,
    key: String,
    connections: Option<u64>,
}

const USAGE: &str =
    "usage: tls-echo --listen ADDRESS:PORT --cert CERT.pem --key KEY.pem [--connections N]";

fn parse(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let (mut listen, mut cert, mut key, mut connections) = (None, None, None, None);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--listen" => listen = Some(value()?),
            "--cert" => cert = Some(value()?),
            "--key" => key = Some(value()?),
            "--connections" => {
                let n = value()?;
                connections = Some(n.parse().map_err(|_| format!("bad --connections {n}"))?);
            }
            _ => return Err(format!("unknown argument {flag}\n{USAGE}")),
        }
    }
    let missing = |name: &str| format!("{name} is required\n{USAGE}");
    Ok(Options {
        listen: listen.ok_or_else(|| missing("--listen"))?,
        cert: cert.ok_or_else(|| missing("--cert"))?,
        key: key.ok_or_else(|| missing("--key"))?,
        connections,
    })
}

/// One line for an engine error: Node's code and the message.
pub(crate) fn describe(error: Error) -> String {
    format!("{}: {}", error.code, error.message)
}

fn read(path: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("read {path}: {e}"))
}

fn run(options: Options) -> Result<(), String> {
    let credentials = Credentials {
        key: Some(read(&options.key)?),
        passphrase: None,
        cert: Some(read(&options.cert)?),
        cert_chain: Vec::new(),
        ca: Vec::new(),
        ca_certificates: Vec::new(),
        ca_anchors: Vec::new(),
        held_roots: HeldRoots::empty(),
        crl: Vec::new(),
        ocsp_response: None,
    };
    let context = SecureContext::create(&credentials).map_err(describe)?;
    let server = Server::new(
        context,
        &ServerOptions {
            request_cert: false,
            reject_unauthorized: false,
            alpn_protocols: Vec::new(),
            sni_callback: false,
            alpn_callback: false,
            ocsp_callback: false,
            keylog: false,
            ciphers: None,
            min_version: None,
            max_version: None,
            ecdh_curve: None,
            sigalgs: None,
            // Every handshake a full one: this example keeps no ticket keys.
            tickets: Tickets::None,
        },
    );
    let listener = TcpListener::bind(&options.listen)
        .map_err(|e| format!("listen on {}: {e}", options.listen))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    println!("listening on {address}");
    let mut served = 0;
    for tcp in listener.incoming() {
        let tcp = tcp.map_err(|e| format!("accept: {e}"))?;
        let peer = tcp
            .peer_addr()
            .map_or_else(|_| "?".to_string(), |a| a.to_string());
        // A failed connection is that connection's business: report it and
        // serve the next one.
        match echo::serve(server.accept(), tcp) {
            Ok(bytes) => println!("{peer}: echoed {bytes} bytes"),
            Err(e) => println!("{peer}: {e}"),
        }
        served += 1;
        if options.connections == Some(served) {
            break;
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let result = parse(std::env::args().skip(1)).and_then(run);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tls-echo: {e}");
            ExitCode::FAILURE
        }
    }
}
