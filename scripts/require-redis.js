#!/usr/bin/env node
// The tests run against a real Redis; say so in one line instead of a wall of connection errors.
const net = require('node:net');
const { URL } = require('node:url');
const url = new URL(process.env.REDIS_URL || 'redis://127.0.0.1:6379');
const socket = net.connect({ host: url.hostname, port: Number(url.port || 6379) });
const fail = () => {
  console.error(
    `No Redis answers at ${url.host}. Start one: redis-server --daemonize yes --port ${url.port || 6379} --save "" --appendonly no (or set REDIS_URL).`,
  );
  process.exit(1);
};
socket.setTimeout(2000, fail);
socket.on('error', fail);
socket.on('connect', () => {
  socket.write('PING\r\n');
  socket.once('data', (d) => {
    socket.end();
    if (!String(d).startsWith('+PONG')) fail();
  });
});
