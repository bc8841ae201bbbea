// A transpiled secure pair against Node's own `tls`, over real loopback
// sockets: a transpiled client pair wrapped around a `net.Socket` talking to
// `tls.createServer`, and a transpiled server pair behind `net.createServer`
// answering `tls.connect`.
// Usage: node node_tls.mjs <jco output dir> <fixtures dir>

import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import nodeTls from 'node:tls';

import {
  DrivenPair, attach, credentials, fixture, loadEngine, nameValue, once, readUntil,
} from './secure_pair.mjs';

const [outDir, fixtures] = process.argv.slice(2);
const tls = await loadEngine(outDir);
const pem = (name) => fixture(fixtures, name);
const report = {};

// 1. Node serves, the transpiled pair connects.
{
  const server = nodeTls.createServer({
    key: pem('agent1-key.pem'), cert: pem('agent1-cert.pem'), ca: [pem('ca1-cert.pem')],
    requestCert: true, rejectUnauthorized: true,
  });
  const seenByNode = new Promise((resolve) => {
    server.on('secureConnection', (socket) => {
      const state = {
        authorized: socket.authorized,
        subject: socket.getPeerCertificate().subject?.CN,
        servername: socket.servername,
      };
      socket.write('hello from node\n');
      socket.on('data', (data) => socket.write(data.toString().toUpperCase()));
      socket.on('end', () => socket.end());
      resolve(state);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const socket = net.connect(server.address().port, '127.0.0.1');
  await once(socket, 'connect');
  const context = tls.SecureContext.create(credentials({
    key: pem('agent5-key.pem'), passphrase: pem('agent5-passphrase.txt').trim(),
    cert: pem('agent5-cert.pem'), ca: [pem('ca1-cert.pem')],
  }));
  const client = attach(new DrivenPair(tls.SecurePair.connect(context, {
    servername: 'localhost', checkHost: 'localhost', rejectUnauthorized: true,
    alpnProtocols: [], keylog: false, ciphers: undefined, minVersion: undefined, maxVersion: undefined, ecdhCurve: undefined, sigalgs: undefined, defaultRoots: false, resume: false, requestOcsp: false,
  })), socket);
  const greeting = readUntil(client, 'hello from node\n');
  await once(client, 'secure');
  const state = client.state();
  assert.equal(state.authorized, true, 'the transpiled client verified Node');
  assert.equal(nameValue(state.peerCertificate.subject, 'CN'), 'agent1');
  assert.equal(state.peerCertificate.fingerprint256,
    new X509Certificate(pem('agent1-cert.pem')).fingerprint256);
  assert.equal(await greeting, 'hello from node\n');
  const node = await seenByNode;
  assert.deepEqual(node, { authorized: true, subject: 'agent5', servername: 'localhost' });
  const echoed = readUntil(client, 'SHOUT');
  client.write('shout');
  assert.equal(await echoed, 'SHOUT');
  const ended = once(client, 'end');
  client.end();
  await ended;
  socket.destroy();
  server.close();
  report.nodeServer = { ...node, protocol: state.protocol, cipher: state.cipher.name };
}

// 2. The transpiled pair serves, Node connects.
{
  const context = tls.SecureContext.create(credentials({
    key: pem('agent1-key.pem'), cert: pem('agent1-cert.pem'),
  }));
  const engineServer = new tls.Server(context, {
    requestCert: false, rejectUnauthorized: false, alpnProtocols: ['http/1.1'],
    sniCallback: false, alpnCallback: false, ocspCallback: false, keylog: false, ciphers: undefined, minVersion: undefined, maxVersion: undefined, ecdhCurve: undefined, sigalgs: undefined, tickets: { tag: 'none' },
  });
  let secureConnection;
  const served = new Promise((resolve) => { secureConnection = resolve; });
  const listener = net.createServer((socket) => {
    const pair = attach(new DrivenPair(engineServer.accept()), socket);
    pair.on('error', (error) => secureConnection({ error: error.message }));
    pair.on('secure', () => {
      secureConnection(pair.state());
      pair.write('welcome!\n');
    });
    pair.on('data', (data) => pair.write(data)); // Node's echo example
    pair.on('end', () => pair.end());
  });
  await new Promise((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const client = nodeTls.connect({
    port: listener.address().port, host: '127.0.0.1', servername: 'localhost',
    ca: [pem('ca1-cert.pem')], ALPNProtocols: ['http/1.1'],
  });
  const greeting = readUntil(client, 'welcome!\n');
  await once(client, 'secureConnect');
  assert.equal(client.authorized, true, 'Node verified the transpiled server');
  assert.equal(client.getPeerCertificate().subject.CN, 'agent1');
  assert.equal(client.alpnProtocol, 'http/1.1');
  assert.equal(await greeting, 'welcome!\n');
  const state = await served;
  assert.equal(state.error, undefined);
  assert.equal(state.servername, 'localhost');
  assert.equal(state.authorized, false, 'no client certificate was asked for');
  assert.equal(state.protocol, client.getProtocol());
  assert.equal(state.cipher.name, client.getCipher().name);
  const echoed = readUntil(client, 'echo me');
  client.write('echo me');
  assert.equal(await echoed, 'echo me');
  const closed = once(client, 'end');
  client.end();
  await closed;
  listener.close();
  report.nodeClient = { authorized: client.authorized, protocol: state.protocol, cipher: state.cipher.name };
}

console.log(JSON.stringify({ ok: true, ...report }));
