'use strict';
/**
 * Guard overhead: requests per second of a route behind `protectimusMail` with a session already
 * verified, divided by the same route without the guard, in the same app with the same session
 * middleware and the same cookie. The app runs in a process of its own (bench/guard-server.js);
 * autocannon runs here; the two routes are measured in alternating rounds.
 */
const { Buffer } = require('node:buffer');
const { fork } = require('node:child_process');
const http = require('node:http');
const path = require('node:path');
const autocannon = require('autocannon');
const c = require('./lib/common');

const framework = process.argv[2];
const CONNECTIONS = 32;
const SECONDS = Number(process.env.BENCH_GUARD_SECONDS || 3);
const ROUNDS = Number(process.env.BENCH_GUARD_ROUNDS || 5);

function call(port, method, urlPath, { cookie, body } = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: urlPath,
        headers: { accept: 'application/json', ...(cookie ? { cookie } : {}), ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** Cookies as a browser keeps them: later Set-Cookie headers replace earlier ones by name. */
function jar() {
  const cookies = new Map();
  return {
    take(res) {
      for (const line of res.headers['set-cookie'] || []) {
        const pair = line.split(';', 1)[0];
        const eq = pair.indexOf('=');
        cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
      }
    },
    header: () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
  };
}

function cannon(url, cookie, seconds) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections: CONNECTIONS, duration: seconds, headers: { cookie, accept: 'application/json' } }, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

async function main() {
  const child = fork(path.join(__dirname, 'guard-server.js'), [framework], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const failed = new Promise((_, reject) => child.once('exit', (code) => reject(new Error(`the ${framework} app exited (${code})`))));
  const { port } = await Promise.race([new Promise((resolve) => child.once('message', resolve)), failed]);
  try {
    // Sign in, get a code, verify: from then on the cookie is a verified session.
    const cookies = jar();
    cookies.take(await call(port, 'POST', '/login'));
    const asked = await call(port, 'GET', '/guarded/data', { cookie: cookies.header() });
    if (asked.status !== 401) throw new Error(`expected 401 otp_required, got ${asked.status} ${asked.text}`);
    const { code } = JSON.parse((await call(port, 'GET', '/__code')).text);
    const verified = await call(port, 'POST', '/guarded/_otp/verify', { cookie: cookies.header(), body: { otp: code } });
    if (verified.status !== 200) throw new Error(`verify failed: ${verified.status} ${verified.text}`);
    cookies.take(verified);
    const cookie = cookies.header();
    for (const p of ['/guarded/data', '/plain/data', '/mounted/data']) {
      const r = await call(port, 'GET', p, { cookie });
      if (r.status !== 200) throw new Error(`${p} answered ${r.status} with the verified session`);
    }

    const url = (p) => `http://127.0.0.1:${port}${p}`;
    await cannon(url('/plain/data'), cookie, 2);
    await cannon(url('/guarded/data'), cookie, 2);
    await cannon(url('/mounted/data'), cookie, 2);
    // The app's CPU time per request, by route: far less sensitive to other load than req/s.
    const cpuNow = async () => {
      const u = JSON.parse((await call(port, 'GET', '/__cpu')).text);
      return u.user + u.system;
    };
    const measured = async (p) => {
      const before = await cpuNow();
      const res = await cannon(url(p), cookie, SECONDS);
      if (res.non2xx || res.errors || res.timeouts) throw new Error(`${p}: ${res.non2xx} non-2xx, ${res.errors} errors, ${res.timeouts} timeouts`);
      return { perSec: res.requests.average, p99ms: res.latency.p99, cpuUs: ((await cpuNow()) - before) / res.requests.total };
    };
    const rounds = [];
    for (let r = 0; r < ROUNDS; r++) {
      const plain = await measured('/plain/data');
      const guarded = await measured('/guarded/data');
      const mounted = await measured('/mounted/data');
      rounds.push({
        plain: plain.perSec,
        guarded: guarded.perSec,
        mounted: mounted.perSec,
        ratio: guarded.perSec / plain.perSec,
        plainCpuUs: plain.cpuUs,
        guardedCpuUs: guarded.cpuUs,
        mountedCpuUs: mounted.cpuUs,
        cpuRatio: plain.cpuUs / guarded.cpuUs,
        cpuRatioVsMounted: mounted.cpuUs / guarded.cpuUs,
        plainP99ms: plain.p99ms,
        guardedP99ms: guarded.p99ms,
      });
    }
    const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    c.report({
      framework,
      connections: CONNECTIONS,
      secondsPerRound: SECONDS,
      rounds,
      plainPerSec: median(rounds.map((r) => r.plain)),
      guardedPerSec: median(rounds.map((r) => r.guarded)),
      ratio: median(rounds.map((r) => r.ratio)),
      plainCpuUsPerRequest: median(rounds.map((r) => r.plainCpuUs)),
      guardedCpuUsPerRequest: median(rounds.map((r) => r.guardedCpuUs)),
      cpuRatio: median(rounds.map((r) => r.cpuRatio)),
      mountedCpuUsPerRequest: median(rounds.map((r) => r.mountedCpuUs)),
      cpuRatioVsMounted: median(rounds.map((r) => r.cpuRatioVsMounted)),
    });
  } finally {
    child.kill();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
