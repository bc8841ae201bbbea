// Node TLS servers for the interop tests.
//
//   node server.js '<JSON list of server configs>'
//
// Each config: { id, key, cert, ca, crl, requestCert, rejectUnauthorized,
// ALPNProtocols, contexts: [[pattern, {key, cert}]], sni: {name: {key, cert}
// | "error"}, maxConnections, minVersion, maxVersion, ecdhCurve, sigalgs, hold }
// (files are fixture names). Prints one JSON
// line per event: {event: "listening", id, port}, then per connection
// {event: "secureConnection", id, ...the socket's state} or
// {event: "tlsClientError", id, code, message}. Each secure connection is
// sent its own state as one JSON line, then ended (close_notify) unless
// `hold`. Runs until killed.
'use strict';
const tls = require('tls');
const { pems, reportJson } = require('./common.js');

function print(value) {
  process.stdout.write(JSON.stringify(value) + '\n');
}

function credentials(c) {
  return { key: pems(c.key), cert: pems(c.cert), ca: pems(c.ca), crl: pems(c.crl) };
}

for (const config of JSON.parse(process.argv[2])) {
  const options = {
    ...credentials(config),
    requestCert: !!config.requestCert,
    rejectUnauthorized: !!config.rejectUnauthorized,
  };
  if (config.ALPNProtocols) options.ALPNProtocols = config.ALPNProtocols;
  for (const name of ['minVersion', 'maxVersion', 'ecdhCurve', 'sigalgs']) {
    if (config[name]) options[name] = config[name];
  }
  if (config.sni) {
    options.SNICallback = (name, callback) => {
      const answer = config.sni[name];
      if (answer === 'error') return callback(new Error(`no context for ${name}`));
      callback(null, answer ? tls.createSecureContext(credentials(answer)) : undefined);
    };
  }
  const server = tls.createServer(options, (socket) => {
    const state = reportJson(socket);
    print({ event: 'secureConnection', id: config.id, ...state });
    socket.on('error', () => {});
    socket.resume();
    socket.write(JSON.stringify(state) + '\n');
    if (!config.hold) socket.end();
  });
  for (const [pattern, creds] of config.contexts || []) {
    server.addContext(pattern, credentials(creds));
  }
  if (config.maxConnections !== undefined) server.maxConnections = config.maxConnections;
  server.on('tlsClientError', (error) => {
    print({ event: 'tlsClientError', id: config.id, code: error.code ?? null, message: error.message });
  });
  server.listen(0, '127.0.0.1', () => {
    print({ event: 'listening', id: config.id, port: server.address().port });
  });
}
