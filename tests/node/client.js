// Node TLS clients for the interop tests, one connection per case, in order.
//
//   node client.js '<JSON list of cases>'
//
// Each case: { id, port, host (default 127.0.0.1), servername, ca, cert,
// key, crl (fixture names), rejectUnauthorized, ALPNProtocols, minVersion,
// maxVersion, ecdhCurve, sigalgs,
// hold, noReply (the server sends nothing: close once connected) }. Prints
// one JSON line per case:
// { id, secureConnect, ...the socket's state, server: the first line the
// server sent (parsed) or null, ended: the server's close_notify arrived,
// error: {code, message, reason} or null }. A `hold` connection stays open
// until every case is done.
'use strict';
const tls = require('tls');
const { pems, reportJson } = require('./common.js');

function run(c) {
  return new Promise((resolve) => {
    const result = { id: c.id, secureConnect: false, server: null, ended: false, error: null };
    let buffered = '';
    let done = false;
    const finish = (socket) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ result, socket });
    };
    const options = {
      host: c.host || '127.0.0.1',
      port: c.port,
      ca: pems(c.ca),
      cert: pems(c.cert),
      key: pems(c.key),
      crl: pems(c.crl),
      rejectUnauthorized: c.rejectUnauthorized !== false,
    };
    if (c.servername !== undefined) options.servername = c.servername;
    if (c.ALPNProtocols) options.ALPNProtocols = c.ALPNProtocols;
    for (const name of ['minVersion', 'maxVersion', 'ecdhCurve', 'sigalgs']) {
      if (c[name]) options[name] = c[name];
    }
    const socket = tls.connect(options, () => {
      result.secureConnect = true;
      Object.assign(result, reportJson(socket));
      // A peer that is not one of the harness's servers sends nothing: done.
      if (c.noReply) socket.destroy();
    });
    const timer = setTimeout(() => {
      result.error = { code: 'TIMEOUT', message: 'no answer in 10 s', reason: null };
      socket.destroy();
      finish(null);
    }, 10000);
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      buffered += chunk;
      const newline = buffered.indexOf('\n');
      if (newline >= 0 && result.server === null) {
        const line = buffered.slice(0, newline);
        // Servers of the harness send their view as JSON; others (an echo
        // server's greeting) are kept as text.
        try {
          result.server = JSON.parse(line);
        } catch {
          result.server = line;
        }
        if (c.hold) finish(socket);
      }
    });
    socket.on('end', () => {
      result.ended = true;
    });
    socket.on('error', (error) => {
      result.error = { code: error.code ?? null, message: error.message, reason: error.reason ?? null };
    });
    socket.on('close', () => finish(null));
  });
}

(async () => {
  const held = [];
  for (const c of JSON.parse(process.argv[2])) {
    const { result, socket } = await run(c);
    if (socket) held.push(socket);
    process.stdout.write(JSON.stringify(result) + '\n');
  }
  for (const socket of held) socket.destroy();
})();
