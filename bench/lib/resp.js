'use strict';
/**
 * Mass insertion over a raw socket in the Redis protocol (what `redis-cli --pipe` does): writes
 * commands as fast as the socket takes them and counts the one-line replies. Only for commands
 * whose replies are one line (SET, ZADD, PEXPIRE, DEL...), which is all the fill needs.
 */
const { Buffer } = require('node:buffer');
const net = require('node:net');

function encode(args) {
  let out = `*${args.length}\r\n`;
  for (const a of args) out += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
  return out;
}

/**
 * Sends the commands `batches()` yields (each batch an array of commands, each an array of
 * strings) and resolves with the reply count once every reply is in; rejects on an error reply.
 */
function pipe(port, batches) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let sent = 0;
    let replies = 0;
    let done = false;
    let tail = '';
    const finish = (err) => {
      socket.destroy();
      if (err) reject(err);
      else resolve(replies);
    };
    socket.on('error', finish);
    socket.on('data', (chunk) => {
      const text = tail + chunk.toString('latin1');
      let from = 0;
      for (let at = text.indexOf('\r\n'); at >= 0; at = text.indexOf('\r\n', from)) {
        if (text[from] === '-') return finish(new Error(`Redis said ${text.slice(from, at)}`));
        replies++;
        from = at + 2;
      }
      tail = text.slice(from);
      if (done && replies === sent) finish(null);
    });
    socket.on('connect', () => {
      const it = batches[Symbol.iterator]();
      const write = () => {
        for (;;) {
          const next = it.next();
          if (next.done) {
            done = true;
            if (replies === sent) finish(null);
            return;
          }
          let buf = '';
          for (const cmd of next.value) {
            buf += encode(cmd);
            sent++;
          }
          if (!socket.write(buf)) {
            socket.once('drain', write);
            return;
          }
        }
      };
      write();
    });
  });
}

module.exports = { encode, pipe };
