'use strict';
/**
 * `authenticate` throughput on a RedisStore at 64 in flight, against raw ioredis EVALSHA of a
 * trivial script at the same concurrency, measured in alternating rounds on the bench's own
 * redis-server; then Redis commands per authenticate and per prepare, from the client's side
 * (what it sent) and from `INFO commandstats` (which also counts calls made inside scripts).
 */
const { Redis } = require('ioredis');
const c = require('./lib/common');
const ch = require('./lib/challenges');

const CONCURRENCY = 64;
const USERS = Number(process.env.BENCH_USERS || 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 7);
/** Resources each user has a token assigned on: an authenticate round runs USERS x SPREAD. */
const SPREAD = 3;
/** Baseline operations per round: about as long a round as an authenticate one. */
const BASE_OPS = USERS * 10;
const PREFIX = 'pm:';

async function main() {
  const { url, core, admin } = await c.benchRedis();

  // As an app gets it from protectimusFromEnv: a RedisStore that owns its client (fail-fast settings).
  const pm = core.createProtectimus({ store: new core.RedisStore({ url, prefix: PREFIX }), mail: { send: async () => undefined }, secret: c.SECRET });
  const storeClient = pm.store.client;
  // The same on a plain client the app passes in (ioredis defaults).
  const plain = new Redis(url);
  const pmPlain = core.createProtectimus({ store: new core.RedisStore({ client: plain, prefix: PREFIX }), mail: { send: async () => undefined }, secret: c.SECRET });
  // And with the directory cache off: every authenticate reads the directory (two scripts).
  const pmCold = core.createProtectimus({ store: new core.RedisStore({ url, prefix: PREFIX, directoryCache: false }), mail: { send: async () => undefined }, secret: c.SECRET });
  const keyring = new ch.Keyring(c.SECRET);

  const format = await ch.checkFormat(admin, pm.store, keyring, PREFIX);
  const resource = await pm.resources.create({ name: 'bench' });
  const t0 = Date.now();
  const users = await c.seedUsers(pm, resource, USERS);
  const seedMs = Date.now() - t0;
  const resources = [resource];
  for (let r = 1; r < SPREAD; r++) {
    const more = await pm.resources.create({ name: `bench${r}` });
    for (const u of users) await pm.resources.assignTokenWithUser(more.id, u.tokenId);
    resources.push(more);
  }
  const items = resources.flatMap((res) => users.map((u) => ({ tokenId: u.tokenId, resourceId: res.id })));
  const calls = resources.flatMap((res) => users.map((u) => ({ resource: res.name, login: u.login, otp: '123456', ip: '127.0.0.1' })));
  const AUTH_OPS = calls.length;

  // The baseline: EVALSHA of `return 1` with one key, on a client like the store's own.
  const base = new Redis(url, { maxRetriesPerRequest: 1, commandTimeout: 2000, connectTimeout: 1000 });
  const sha = await base.script('LOAD', 'return 1');
  const baseRound = () => c.pool(BASE_OPS, CONCURRENCY, () => base.evalsha(sha, 1, `${PREFIX}{t:x}:noop`));

  // Opens every measured challenge again; run before a round, outside its time and CPU.
  const openChallenges = () => ch.writeChallenges(admin, keyring, PREFIX, items);
  const authRound = async (instance) => {
    let failures = 0;
    const started = process.hrtime.bigint();
    await c.pool(AUTH_OPS, CONCURRENCY, (i) =>
      instance.authenticate(calls[i]).catch(() => {
        failures++;
      }),
    );
    // The audit writes are not awaited by authenticate (they wait up to 10 ms to go out together);
    // wait for them too, they are part of the load: a read of the log sends what waits first.
    await instance.events.list({ limit: 1 });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (failures) throw new Error(`${failures} authentications failed`);
    return ms;
  };

  // Warm-up: scripts loaded on every connection, JIT warm.
  await baseRound();
  await openChallenges();
  await authRound(pm);
  await openChallenges();
  await authRound(pmPlain);
  await openChallenges();
  await authRound(pmCold);

  // CPU seconds of this Node process and of redis-server, to show which side a round spends.
  const redisCpu = async () => {
    const i = await c.info(admin, 'cpu');
    return Number(i.used_cpu_user) + Number(i.used_cpu_sys);
  };
  const cpu = { base: { node: 0, redis: 0 }, auth: { node: 0, redis: 0 } };
  const timed = async (kind, fn) => {
    const n0 = process.cpuUsage();
    const r0 = await redisCpu();
    const ms = await fn();
    const n1 = process.cpuUsage(n0);
    cpu[kind].node += (n1.user + n1.system) / 1e6;
    cpu[kind].redis += (await redisCpu()) - r0;
    return ms;
  };
  const sum = { base: 0, auth: 0, authPlain: 0, authCold: 0 };
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    const b = await timed('base', baseRound);
    await openChallenges();
    const a = await timed('auth', () => authRound(pm));
    await openChallenges();
    const p = await authRound(pmPlain);
    await openChallenges();
    const k = await authRound(pmCold);
    sum.base += b;
    sum.auth += a;
    sum.authPlain += p;
    sum.authCold += k;
    const rate = (n, ms) => (n / ms) * 1000;
    rounds.push({
      base: Math.round(rate(BASE_OPS, b)),
      auth: Math.round(rate(AUTH_OPS, a)),
      authPlain: Math.round(rate(AUTH_OPS, p)),
      authCold: Math.round(rate(AUTH_OPS, k)),
      ratio: rate(AUTH_OPS, a) / rate(BASE_OPS, b),
      ratioPlain: rate(AUTH_OPS, p) / rate(BASE_OPS, b),
      ratioCold: rate(AUTH_OPS, k) / rate(BASE_OPS, b),
    });
  }
  const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  const cpuPerOp = {
    evalsha: { nodeUs: (cpu.base.node / (BASE_OPS * ROUNDS)) * 1e6, redisUs: (cpu.base.redis / (BASE_OPS * ROUNDS)) * 1e6 },
    authenticate: { nodeUs: (cpu.auth.node / (AUTH_OPS * ROUNDS)) * 1e6, redisUs: (cpu.auth.redis / (AUTH_OPS * ROUNDS)) * 1e6 },
  };
  const perSec = (n, ms) => (n * ROUNDS * 1000) / ms;
  const throughput = {
    concurrency: CONCURRENCY,
    opsPerRound: { authenticate: AUTH_OPS, evalsha: BASE_OPS },
    rounds,
    evalshaPerSec: perSec(BASE_OPS, sum.base),
    authenticatePerSec: perSec(AUTH_OPS, sum.auth),
    authenticatePlainClientPerSec: perSec(AUTH_OPS, sum.authPlain),
    authenticateNoCachePerSec: perSec(AUTH_OPS, sum.authCold),
    // Each authenticate round is paired with the baseline round just before it; the median of the
    // pairs' ratios resists a machine whose speed drifts during the run.
    ratio: median(rounds.map((r) => r.ratio)),
    ratioPlainClient: median(rounds.map((r) => r.ratioPlain)),
    ratioNoCache: median(rounds.map((r) => r.ratioCold)),
    ratioOfTotals: perSec(AUTH_OPS, sum.auth) / perSec(BASE_OPS, sum.base),
    cpuPerOp,
  };

  // ---- commands per operation ----
  const counter = c.countCommands(storeClient);
  const measure = async (label, run) => {
    const before = await c.commandCalls(admin);
    counter.counts = {};
    counter.on = true;
    await run();
    // The audit entries wait up to 10 ms to go out together; a read of the log sends them now.
    await pm.events.list({ limit: 1 });
    counter.on = false;
    const counts = counter.counts;
    // That read is one script over both audit logs; what else ran on them wrote the entries.
    const audit = Math.max((counts.audit || 0) - 1, 0);
    delete counts.audit;
    const after = await c.commandCalls(admin);
    const server = c.diffCalls(before, after);
    delete server.info;
    delete server.xrevrange;
    // The server counts the audit scripts (and the read) as EVALSHA, and the entries they add as
    // XADD, after a TIME for their ids.
    if (server.evalsha) server.evalsha -= audit + 1;
    delete server.xadd;
    delete server.time;
    const per = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v / USERS]));
    const total = (o) => Object.values(o).reduce((sum, v) => sum + v, 0) / USERS;
    return { label, clientCommands: total(counts), auditWrites: audit / USERS, clientByCommand: per(counts), serverCommands: total(server), serverByCommand: per(server) };
  };
  await ch.writeChallenges(admin, keyring, PREFIX, items);
  const authenticateCmds = await measure('authenticate (right code)', () =>
    c.pool(USERS, CONCURRENCY, (i) => pm.authenticate({ resource: 'bench', login: users[i].login, otp: '123456' })),
  );
  await ch.writeChallenges(admin, keyring, PREFIX, items);
  const wrongCmds = await measure('authenticate (wrong code)', () =>
    c.pool(USERS, CONCURRENCY, (i) => pm.authenticate({ resource: 'bench', login: users[i].login, otp: '000001' }).catch(() => undefined)),
  );
  // The wrong codes above left every challenge open with 2 attempts; clear them so prepare sends.
  await admin.del(...items.map((it) => ch.keys(PREFIX, it.tokenId, it.resourceId).ch));
  const sendAll = () =>
    c.pool(USERS, CONCURRENCY, (i) => pm.prepare({ resource: 'bench', login: users[i].login }).then((r) => {
      if (!r.sent) throw new Error('expected a send');
    }));
  const prepareCmds = await measure('prepare (new code mailed, first send from this process)', sendAll);
  const reuseCmds = await measure('prepare (open code reused)', () =>
    c.pool(USERS, CONCURRENCY, (i) => pm.prepare({ resource: 'bench', login: users[i].login }).then((r) => {
      if (r.sent) throw new Error('expected a reuse');
    })),
  );
  // A second round: the counter is guessed from the clock again, whatever this process has seen.
  await admin.del(...items.map((it) => ch.keys(PREFIX, it.tokenId, it.resourceId).ch));
  const guessedCmds = await measure('prepare (new code mailed, second send)', sendAll);

  await pm.close();
  await pm.store.close();
  await pmPlain.close();
  await pmCold.close();
  await pmCold.store.close();
  plain.disconnect();
  base.disconnect();
  admin.disconnect();
  c.report({ throughput, commands: [authenticateCmds, wrongCmds, prepareCmds, reuseCmds, guessedCmds], formatCheck: { ok: true, chBytesStore: format.store.ch.bytes, chBytesBench: format.bench.ch.bytes }, seed: { users: USERS, ms: seedMs } });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
