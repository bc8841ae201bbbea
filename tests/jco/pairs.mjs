// Two transpiled secure pairs, server and client, linked in memory: the
// handshake with client certificates both ways, then data both ways.
// Usage: node pairs.mjs <jco output dir> <fixtures dir>

import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';

import {
  DrivenPair, credentials, fixture, link, loadEngine, nameValue, once, readUntil,
} from './secure_pair.mjs';

const [outDir, fixtures] = process.argv.slice(2);
const tls = await loadEngine(outDir);
const pem = (name) => fixture(fixtures, name);

const serverContext = tls.SecureContext.create(credentials({
  key: pem('agent1-key.pem'), cert: pem('agent1-cert.pem'), ca: [pem('ca1-cert.pem')],
}));
const server = new tls.Server(serverContext, {
  requestCert: true, rejectUnauthorized: true, alpnProtocols: ['h2', 'http/1.1'],
  sniCallback: false, alpnCallback: false, ocspCallback: false, keylog: false, ciphers: undefined, minVersion: undefined, maxVersion: undefined, ecdhCurve: undefined, sigalgs: undefined, tickets: { tag: 'none' },
});
const clientContext = tls.SecureContext.create(credentials({
  key: pem('agent5-key.pem'), passphrase: pem('agent5-passphrase.txt').trim(),
  cert: pem('agent5-cert.pem'), ca: [pem('ca1-cert.pem')],
}));
const serverPair = new DrivenPair(server.accept());
const clientPair = new DrivenPair(tls.SecurePair.connect(clientContext, {
  servername: 'agent1.test', checkHost: 'agent1.test', rejectUnauthorized: true,
  alpnProtocols: ['http/1.1'], keylog: false, ciphers: undefined, minVersion: undefined, maxVersion: undefined, ecdhCurve: undefined, sigalgs: undefined, defaultRoots: false, resume: false, requestOcsp: false,
}));
link(serverPair, clientPair);
const secure = Promise.all([once(serverPair, 'secure'), once(clientPair, 'secure')]);
clientPair.update(); // sends the ClientHello
await secure;

// The client saw agent1, signed by ca1, exactly as Node describes the file.
const client = clientPair.state();
assert.equal(client.authorized, true, 'client authorized');
assert.equal(client.authorizationError, undefined);
assert.equal(client.protocol, 'TLSv1.3');
assert.equal(client.alpnProtocol, 'http/1.1');
const agent1 = new X509Certificate(pem('agent1-cert.pem'));
const seen = client.peerCertificate;
assert.equal(nameValue(seen.subject, 'CN'), 'agent1');
assert.equal(nameValue(seen.issuer, 'CN'), 'ca1');
assert.equal(seen.fingerprint256, agent1.fingerprint256);
assert.equal(seen.validTo, agent1.validTo);
assert.equal(seen.serialNumber, agent1.serialNumber);
assert.equal(seen.subjectaltname, agent1.subjectAltName);
assert.deepEqual(Buffer.from(seen.raw), agent1.raw);

// The server saw agent5 and verified it against ca1; SNI arrived.
const serverState = serverPair.state();
assert.equal(serverState.authorized, true, 'server authorized the client');
assert.equal(serverState.servername, 'agent1.test');
assert.equal(serverState.alpnProtocol, 'http/1.1');
assert.equal(nameValue(serverState.peerCertificate.subject, 'CN'), 'agent5');
assert.equal(serverState.cipher.name, client.cipher.name);

// Data both ways, then close_notify both ways.
const toServer = readUntil(serverPair, 'ping from the client');
clientPair.write('ping from the client\n');
assert.equal(await toServer, 'ping from the client\n');
const big = 'x'.repeat(100_000) + 'END';
const toClient = readUntil(clientPair, 'END');
serverPair.write(big);
assert.equal(await toClient, big);
const ended = Promise.all([once(serverPair, 'end'), once(clientPair, 'end')]);
clientPair.end();
serverPair.end();
await ended;

console.log(JSON.stringify({
  ok: true, subject: nameValue(seen.subject, 'CN'), cipher: client.cipher.name,
  clientSubjectSeenByServer: nameValue(serverState.peerCertificate.subject, 'CN'),
}));
