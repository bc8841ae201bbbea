// Shared by the Node peers of the interop tests: fixtures and the JSON shape
// of a TLSSocket, under the names tlsbox's `to_json` and CLI use.
'use strict';
const fs = require('fs');
const path = require('path');

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures');

/** The text of fixtures/<name> (or of <name>, an absolute path). */
function fixture(name) {
  return fs.readFileSync(path.resolve(FIXTURES, name), 'utf8');
}

/** Fixture names in a config become PEM text; a list stays a list. */
function pems(value) {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.map(fixture) : fixture(value);
}

/**
 * getPeerCertificate(true) as JSON: Buffers as hex, a root's self-link as
 * null. With `detailed` false, a certificate without issuers, as
 * getCertificate() and getPeerCertificate() give it.
 */
function certJson(cert, detailed = true) {
  if (!cert || Object.keys(cert).length === 0) return {};
  const out = {};
  for (const [key, value] of Object.entries(cert)) {
    if (key === 'issuerCertificate') continue;
    out[key] = Buffer.isBuffer(value) ? value.toString('hex') : value;
  }
  if (detailed) {
    const issuer = cert.issuerCertificate;
    out.issuerCertificate = issuer && issuer !== cert ? certJson(issuer) : null;
  }
  return JSON.parse(JSON.stringify(out));
}

/** The socket's state under Node's names. */
function socketJson(socket) {
  const cipher = socket.getCipher();
  return {
    authorized: socket.authorized,
    authorizationError: socket.authorizationError ?? null,
    servername: socket.servername ?? false,
    alpnProtocol: socket.alpnProtocol ?? false,
    protocol: socket.getProtocol() ?? null,
    cipher: cipher ? { name: cipher.name, standardName: cipher.standardName, version: cipher.version } : null,
    remoteAddress: socket.remoteAddress ?? null,
    remotePort: socket.remotePort ?? null,
    peerCertificate: certJson(socket.getPeerCertificate(true)),
    sessionReused: socket.isSessionReused(),
    ephemeralKeyInfo: socket.getEphemeralKeyInfo(),
  };
}

/** socketJson, and the socket's own certificate (getCertificate()). */
function reportJson(socket) {
  return { ...socketJson(socket), certificate: certJson(socket.getCertificate(), false) };
}

module.exports = { fixture, pems, certJson, socketJson, reportJson };
