//! One connection: the TCP bytes through a secure pair, the cleartext back.

use std::io::{Read, Write};
use std::net::TcpStream;

use crate::bindings::tlsbox::tls::tls::{PairStatus, SecurePair};
use crate::describe;

/// The most bytes moved across the engine boundary in one call.
const CHUNK: u32 = 16 * 1024;

/// Serves one connection until the peer closes it; returns how many
/// cleartext bytes were echoed.
pub(crate) fn serve(pair: SecurePair, mut tcp: TcpStream) -> Result<usize, String> {
    let mut greeted = false;
    let mut echoed = 0;
    let mut buf = vec![0u8; CHUNK as usize];
    loop {
        let n = tcp.read(&mut buf).map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return Ok(echoed);
        }
        let mut input = &buf[..n];
        while !input.is_empty() {
            let step = pair.push_encrypted(input, CHUNK).map_err(describe)?;
            send(&mut tcp, &step.encrypted)?;
            input = &input[step.taken as usize..];
            let mut status = flush(&pair, &mut tcp, step.status)?;
            if let Some(error) = status.failed {
                return Err(describe(error));
            }
            if !status.handshaking && !greeted {
                greeted = true;
                status = write_cleartext(&pair, &mut tcp, b"welcome!\n")?;
            }
            // The pair takes no more input while its cleartext waits: echo
            // it all before feeding the rest.
            if step.taken == 0 && status.cleartext_pending == 0 {
                return Err("the engine took no input and gave no output".into());
            }
            while status.cleartext_pending > 0 {
                let (data, _) = pair.pull_cleartext(CHUNK);
                echoed += data.len();
                status = write_cleartext(&pair, &mut tcp, &data)?;
            }
            if status.peer_closed {
                let step = pair.end(CHUNK);
                send(&mut tcp, &step.encrypted)?;
                flush(&pair, &mut tcp, step.status)?;
                return Ok(echoed);
            }
        }
    }
}

/// Encrypts all of `data` and sends it.
fn write_cleartext(
    pair: &SecurePair,
    tcp: &mut TcpStream,
    mut data: &[u8],
) -> Result<PairStatus, String> {
    let mut status = pair.status();
    while !data.is_empty() {
        let step = pair.push_cleartext(data, CHUNK).map_err(describe)?;
        send(tcp, &step.encrypted)?;
        data = &data[step.taken as usize..];
        status = flush(pair, tcp, step.status)?;
    }
    Ok(status)
}

/// Sends whatever encrypted output the pair still holds.
fn flush(
    pair: &SecurePair,
    tcp: &mut TcpStream,
    mut status: PairStatus,
) -> Result<PairStatus, String> {
    while status.encrypted_pending > 0 {
        let step = pair.pull_encrypted(CHUNK);
        send(tcp, &step.encrypted)?;
        status = step.status;
    }
    Ok(status)
}

fn send(tcp: &mut TcpStream, bytes: &[u8]) -> Result<(), String> {
    if bytes.is_empty() {
        return Ok(());
    }
    tcp.write_all(bytes).map_err(|e| format!("write: {e}"))
}
