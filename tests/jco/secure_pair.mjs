// Node's `createSecurePair`, again: the tlsbox engine component, transpiled
// by jco, driven from JavaScript. The component does no I/O; this module
// moves its encrypted bytes to and from a peer (another pair in memory, or
// a `net.Socket`), as the Rust host's driver does with a TcpStream.

import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Bytes asked from the engine per call: the host's chunk size. */
const CHUNK = 32 * 1024;

/** The component's `tlsbox:tls/tls` export, from jco's output directory. */
export async function loadEngine(outDir) {
  const module = await import(pathToFileURL(join(outDir, 'tlsbox.js')).href);
  return module.tls;
}

/** `fixtures/<name>` as text. */
export function fixture(fixtures, name) {
  return readFileSync(join(fixtures, name), 'utf8');
}

/** The WIT `credentials` record: every field present, as jco expects. */
export function credentials({ key, passphrase, cert, ca = [], crl = [] } = {}) {
  return { key, passphrase, cert, certChain: [], ca, caCertificates: [], caAnchors: [], heldRoots: { extra: false, system: false }, crl, ocspResponse: undefined };
}

/** A jco error value (a `result` error is thrown with it as `payload`) as text. */
export function describeError(error) {
  const payload = error?.payload ?? error;
  return payload?.code !== undefined ? `${payload.code}: ${payload.message}` : String(error);
}

/**
 * One engine pair and the byte pumping around it. Emits `secure` once the
 * handshake is over, `data` with each cleartext chunk, `end` when the peer
 * sent close_notify, `error` when the pair fails, and `encrypted` with each
 * chunk of bytes to send to the peer.
 */
export class DrivenPair extends EventEmitter {
  constructor(pair) {
    super();
    this.pair = pair;
    this.secureEmitted = false;
    this.endEmitted = false;
    this.failed = null;
  }

  /** Feeds bytes from the peer, then delivers whatever they produced. */
  receive(bytes) {
    let offset = 0;
    try {
      while (offset < bytes.length) {
        const taken = this.pair.writeEncrypted(bytes.subarray(offset));
        offset += taken;
        // Fewer taken than given means: read the cleartext out first.
        const drained = this.drainCleartext();
        if (taken === 0 && !drained) break;
      }
    } catch (error) {
      this.fail(error);
    }
    this.update();
  }

  /** Queues cleartext for the peer. */
  write(data) {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    let offset = 0;
    while (offset < bytes.length) {
      const taken = this.pair.writeCleartext(bytes.subarray(offset));
      offset += taken;
      this.flush();
      if (taken === 0) throw new Error('the pair takes no more cleartext');
    }
    this.update();
  }

  /** Sends close_notify. */
  end() {
    const step = this.pair.end(CHUNK);
    if (step.encrypted.length > 0) this.emit('encrypted', Buffer.from(step.encrypted));
    this.update();
  }

  /** Emits every encrypted byte the pair holds. */
  flush() {
    for (;;) {
      const out = this.pair.readEncrypted(CHUNK);
      if (out.length === 0) return;
      this.emit('encrypted', Buffer.from(out));
    }
  }

  drainCleartext() {
    let any = false;
    while (this.pair.status().cleartextPending > 0) {
      const chunk = this.pair.readCleartext(CHUNK);
      if (chunk.length === 0) break;
      any = true;
      this.emit('data', Buffer.from(chunk));
    }
    return any;
  }

  fail(error) {
    if (this.failed) return;
    this.failed = error;
    this.flush(); // the alert, if any
    this.emit('error', new Error(describeError(error)));
  }

  /** Sends what is pending and reports what changed. */
  update() {
    this.flush();
    this.drainCleartext();
    const status = this.pair.status();
    if (status.failed && !this.failed) {
      this.fail(status.failed);
      return;
    }
    if (!status.handshaking && !this.secureEmitted && !this.failed) {
      this.secureEmitted = true;
      this.emit('secure');
    }
    if (status.peerClosed && !this.endEmitted) {
      this.endEmitted = true;
      this.emit('end');
    }
  }

  /** What Node's `TLSSocket` reports, from the engine. */
  state() {
    const chain = this.pair.peerCertificateChain();
    const facts = this.pair.facts();
    return {
      authorized: facts.authorized,
      authorizationError: facts.authorizationError,
      protocol: facts.protocol,
      cipher: facts.cipher,
      servername: facts.servername,
      alpnProtocol: facts.alpnProtocol,
      peerCertificate: chain[0],
      peerChain: chain,
    };
  }
}

/** Links two driven pairs buffer to buffer, as a socket between them would. */
export function link(a, b) {
  a.on('encrypted', (bytes) => queueMicrotask(() => b.receive(bytes)));
  b.on('encrypted', (bytes) => queueMicrotask(() => a.receive(bytes)));
}

/** Attaches a driven pair to a connected `net.Socket` (the `encrypted` side). */
export function attach(driven, socket) {
  driven.on('encrypted', (bytes) => socket.write(bytes));
  socket.on('data', (bytes) => driven.receive(bytes));
  socket.on('end', () => driven.emit('transportEnd'));
  driven.update(); // a client's ClientHello is already waiting
  return driven;
}

/** Resolves on `event`, rejects on `error`. */
export function once(emitter, event) {
  return new Promise((resolve, reject) => {
    const onError = (error) => {
      emitter.off(event, onEvent);
      reject(error);
    };
    const onEvent = (...args) => {
      emitter.off('error', onError);
      resolve(args);
    };
    emitter.once(event, onEvent);
    emitter.once('error', onError);
  });
}

/** Collects `data` until `text` has arrived; resolves with all of it. */
export function readUntil(emitter, text) {
  return new Promise((resolve, reject) => {
    let received = '';
    const onData = (chunk) => {
      received += chunk.toString();
      if (received.includes(text)) {
        emitter.off('data', onData);
        emitter.off('error', reject);
        resolve(received);
      }
    };
    emitter.on('data', onData);
    emitter.once('error', reject);
  });
}

/** The value of `key` in a WIT name list (`[{key, value}]`). */
export function nameValue(attributes, key) {
  return attributes.find((a) => a.key === key)?.value;
}
