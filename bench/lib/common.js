'use strict';
/**
 * Helpers the benchmarks share: the built packages, a redis-server of the bench's own, a bounded
 * concurrency runner, percentiles, INFO parsing, and seeding users through the real admin API.
 * Plain CommonJS on the built `packages/*\/dist` (`npm run bench` builds first).
 */
const { spawn, execFileSync } = require('node:child_process');
const { Buffer } = require('node:buffer');
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');

const ROOT = path.join(__dirname, '..', '..');
const SECRET = 'htQvv9MaiUaBlnLU3ycEgCFt3e6Fq_YqQoPzZ41SXr8';

/** A built package's entry (`core`, `express`, `koa`), or null when it has not been built. */
function built(name) {
  const entry = path.join(ROOT, 'packages', name, 'dist', 'index.js');
  return fs.existsSync(entry) ? require(entry) : null;
}

/** A module of the built core by its path under dist (`crypto`, `stores/lua`). */
function coreModule(rel) {
  return require(path.join(ROOT, 'packages', 'core', 'dist', rel));
}

function portFree(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

async function freePort() {
  for (let i = 0; i < 100; i++) {
    const port = 20000 + Math.floor(Math.random() * 30000);
    if (await portFree(port)) return port;
  }
  throw new Error('no free port');
}

function ping(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(500, () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', () => resolve(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      socket.destroy();
      resolve(String(d).startsWith('+PONG'));
    });
  });
}

/**
 * Starts a redis-server of the bench's own on a free port (no persistence), so INFO deltas see
 * only the bench and the 1M fill never touches anyone's Redis. `stop()` kills it and removes its dir.
 */
async function startRedis() {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pm-bench-redis-'));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--maxmemory', '0'], {
    stdio: 'ignore',
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 100; i++) {
    if (await ping(port)) return { port, url: `redis://127.0.0.1:${port}`, stop, pid: child.pid };
    await sleep(50);
  }
  await stop();
  throw new Error('redis-server did not start');
}

/** Runs `task(i)` for i in [0, total) with at most `concurrency` in flight; resolves with the elapsed ms. */
async function pool(total, concurrency, task) {
  let next = 0;
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (next < total) {
      const i = next++;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/** `INFO <section>` as a map of field -> value. */
async function info(client, section) {
  const text = await client.info(section);
  const out = {};
  for (const line of text.split('\r\n')) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) out[line.slice(0, at)] = line.slice(at + 1);
  }
  return out;
}

/** Calls per command from `INFO commandstats` (script-internal calls included, as Redis counts them). */
async function commandCalls(client) {
  const stats = await info(client, 'commandstats');
  const calls = {};
  for (const [key, value] of Object.entries(stats)) {
    const m = /calls=(\d+)/.exec(value);
    if (key.startsWith('cmdstat_') && m) calls[key.slice(8)] = Number(m[1]);
  }
  return calls;
}

function diffCalls(before, after) {
  const out = {};
  for (const [cmd, n] of Object.entries(after)) {
    const d = n - (before[cmd] || 0);
    if (d > 0) out[cmd] = d;
  }
  return out;
}

/**
 * Counts the commands a client sends, by name, while `counting` is on; a script run on the audit
 * log (`{ev}`) counts as `audit`.
 */
function countCommands(client) {
  const state = { on: false, counts: {} };
  const send = client.sendCommand.bind(client);
  client.sendCommand = (command, stream) => {
    const name = command.name === 'evalsha' && String(command.args[2]).includes('{ev}') ? 'audit' : command.name;
    if (state.on) state.counts[name] = (state.counts[name] || 0) + 1;
    return send(command, stream);
  };
  return state;
}

/**
 * Creates `n` users, each with a mail token (6 digits, no PIN) assigned on `resource`, through
 * the admin API (the same records an administrator makes).
 */
async function seedUsers(pm, resource, n, prefix = 'user') {
  const users = new Array(n);
  // One at a time: directory writes are optimistic transactions on one version (see the report).
  await pool(n, 1, async (i) => {
    const login = `${prefix}${i}`;
    const email = `${login}@example.com`;
    const user = await pm.users.create({ login, email });
    const token = await pm.users.createAndAssignToken(user.id, { name: `${login} mail`, email, otpLength: 6 });
    await pm.resources.assignTokenWithUser(resource.id, token.id);
    users[i] = { login, email, tokenId: token.id };
  });
  return users;
}

/** A random id shaped like the core's (`tok_` + 12 base64url characters). */
function fakeId(kind) {
  return `${kind}_${randomBytes(9).toString('base64url')}`;
}

/**
 * `count` distinct ids shaped like the core's, cheaply: a random 5-byte run prefix and a 4-byte
 * sequence number, base64url (12 characters, as `newId` makes).
 */
function* fakeIds(kind, count) {
  const buf = Buffer.alloc(9);
  randomBytes(5).copy(buf, 0);
  for (let i = 0; i < count; i++) {
    buf.writeUInt32BE(i, 5);
    yield `${kind}_${buf.toString('base64url')}`;
  }
}

/** Machine facts for the report. */
function machine() {
  const cpus = os.cpus();
  let redis;
  try {
    redis = /v=(\S+)/.exec(execFileSync('redis-server', ['--version']).toString())?.[1] ?? 'unknown';
  } catch {
    redis = 'unknown';
  }
  let cpu = cpus[0]?.model ?? 'unknown';
  try {
    const m = /model name\s*:\s*(.+)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpu = m[1].trim();
  } catch {
    // not Linux
  }
  return {
    nproc: os.availableParallelism ? os.availableParallelism() : cpus.length,
    cpu,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    redis,
    os: `${os.type()} ${os.release()}`,
  };
}

/** Every benchmark script ends with one line `RESULT <json>` on stdout, which run.js collects. */
function report(result) {
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

/**
 * The Redis a bench step runs against (`BENCH_REDIS_URL`, started by run.js), emptied first, with
 * the built core and an admin client for INFO and cleanup.
 */
async function benchRedis() {
  const url = process.env.BENCH_REDIS_URL;
  if (!url) throw new Error('BENCH_REDIS_URL is not set (run bench/run.js)');
  const { Redis } = require('ioredis');
  const admin = new Redis(url);
  await admin.flushall();
  return { url, core: built('core'), admin };
}

module.exports = {
  benchRedis,
  ROOT,
  SECRET,
  built,
  coreModule,
  freePort,
  startRedis,
  pool,
  percentile,
  info,
  commandCalls,
  diffCalls,
  countCommands,
  seedUsers,
  fakeId,
  fakeIds,
  machine,
  report,
  sleep,
};
