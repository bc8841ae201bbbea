'use strict';
// The Node peer of `tlsbox bench` (the binary embeds this file and runs it
// with `node`).
//   node node_peer.js serve CERT KEY   serves the bench protocol on a free
//                                      loopback port, prints {"port":N},
//                                      exits when stdin closes;
//   node node_peer.js connect PORT CA  one verified handshake, then exits.
// Protocol: after the handshake the client sends `GET /bulk-<bytes> ...`
// and a blank line; the server sends that many bytes and ends. Or it sends
// `PUT /bulk-<bytes> ...`, a blank line and that many bytes; the server
// reads them all, answers with their count and ends.
// The server issues TLS 1.3 session tickets as Node does by default (two
// after a full handshake, none after a resumed one), so clients resume.
const tls = require('tls');
const fs = require('fs');

const [mode, a, b] = process.argv.slice(2);

if (mode === 'serve') {
  const chunk = Buffer.alloc(64 * 1024, 0x5a);
  const server = tls.createServer({ cert: fs.readFileSync(a), key: fs.readFileSync(b) }, (socket) => {
    socket.on('error', () => {});
    let head = '';
    const onData = (data) => {
      head += data.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.removeListener('data', onData);
      const upload = /^PUT \/bulk-(\d+)/.exec(head);
      if (upload) {
        const expected = Number(upload[1]);
        let counted = head.length - (head.indexOf('\r\n\r\n') + 4);
        const count = (data) => {
          counted += data.length;
          if (counted >= expected) {
            socket.removeListener('data', count);
            socket.end(String(counted));
          }
        };
        if (counted >= expected) {
          socket.end(String(counted));
        } else {
          socket.on('data', count);
        }
        return;
      }
      const match = /^GET \/bulk-(\d+)/.exec(head);
      let left = match ? Number(match[1]) : 0;
      const pump = () => {
        while (left > 0) {
          const n = Math.min(left, chunk.length);
          left -= n;
          if (!socket.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
            socket.once('drain', pump);
            return;
          }
        }
        socket.end();
      };
      pump();
    };
    socket.on('data', onData);
    socket.on('end', () => socket.end());
  });
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
  });
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
} else if (mode === 'connect') {
  const socket = tls.connect(
    { port: Number(a), host: '127.0.0.1', servername: 'localhost', ca: fs.readFileSync(b) },
    () => socket.end(),
  );
  socket.on('error', (e) => {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  });
  socket.on('close', () => process.exit(0));
  socket.resume();
} else {
  process.stderr.write('usage: node_peer.js serve CERT KEY | connect PORT CA\n');
  process.exit(2);
}
