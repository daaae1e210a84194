'use strict';
/**
 * Cost as open challenges grow: `authenticate` latency (p50, p99, one at a time) and throughput
 * (64 in flight) with 1k, 100k and 1M challenges open in Redis, and Redis memory per open
 * challenge from `INFO memory` deltas. The filler challenges are written straight into Redis in the
 * store's exact format (checked against the real store first), each on a token of its own with the
 * counter and send record a first send leaves; the measured ones belong to real users.
 */
const { URL } = require('node:url');
const { Redis } = require('ioredis');
const c = require('./lib/common');
const ch = require('./lib/challenges');
const resp = require('./lib/resp');

const PREFIX = 'pm:';
const PROBES = 1000;
const LEVELS = (process.env.BENCH_LEVELS || '1000,100000,1000000').split(',').map(Number);
const PASSES = 5;
/** Resources each probe user has a token assigned on: each pass at 64 in flight runs PROBES x this many. */
const SPREAD = 4;

async function usedMemory(admin) {
  return Number((await c.info(admin, 'memory')).used_memory);
}

async function main() {
  const { url, core, admin } = await c.benchRedis();
  const pm = core.createProtectimus({ store: new core.RedisStore({ url, prefix: PREFIX }), mail: { send: async () => undefined }, secret: c.SECRET });
  const keyring = new ch.Keyring(c.SECRET);
  const base = new Redis(url, { maxRetriesPerRequest: 1, commandTimeout: 2000, connectTimeout: 1000 });
  const sha = await base.script('LOAD', 'return 1');
  const format = await ch.checkFormat(admin, pm.store, keyring, PREFIX);
  const resource = await pm.resources.create({ name: 'bench' });
  const probes = await c.seedUsers(pm, resource, PROBES, 'probe');
  const probeItems = probes.map((u) => ({ tokenId: u.tokenId, resourceId: resource.id }));
  // More resources for the same probes, so a throughput pass is long enough to measure.
  const spread = [resource];
  for (let r = 1; r < SPREAD; r++) {
    const more = await pm.resources.create({ name: `bench${r}` });
    for (const p of probes) await pm.resources.assignTokenWithUser(more.id, p.tokenId);
    spread.push(more);
  }
  const spreadItems = spread.flatMap((res) => probes.map((u) => ({ tokenId: u.tokenId, resourceId: res.id })));
  const spreadCalls = spread.flatMap((res) => probes.map((u) => ({ resource: res.name, login: u.login, otp: '123456' })));

  // Warm up both paths, the baseline's and authenticate's (scripts loaded, JIT), both ways they are
  // measured, before the first level.
  for (let i = 0; i < 4; i++) {
    await c.pool(PROBES, i % 2 ? 64 : 1, () => base.evalsha(sha, 1, `${PREFIX}{t:x}:noop`));
    await ch.writeChallenges(admin, keyring, PREFIX, probeItems);
    await c.pool(PROBES, i % 2 ? 64 : 1, (k) => pm.authenticate({ resource: 'bench', login: probes[k].login, otp: '123456' }));
  }
  await ch.writeChallenges(admin, keyring, PREFIX, probeItems);

  // Filler: each challenge on a token of its own, written over a raw socket in batches.
  const port = Number(new URL(url).port);
  const fillHash = keyring.codeHash('filler', resource.id, '000000');
  const fillerAt = { n: 0 };
  const fill = async (count, byPart) => {
    const ids = [...c.fakeIds('tok', count)];
    const now = Date.now();
    const write = (parts) =>
      resp.pipe(port, (function* batches() {
        for (let i = 0; i < count; i += 5000) {
          const batch = [];
          for (const tokenId of ids.slice(i, i + 5000)) batch.push(...ch.challengeCommands(keyring, PREFIX, { tokenId, resourceId: resource.id, now, hash: fillHash }, parts));
          yield batch;
        }
      })());
    const t = Date.now();
    const step = { count };
    if (byPart) {
      // One pass per key kind, to tell the challenge record from the per-token keys a first send adds.
      for (const part of ['ch', 'ctr', 'sends']) {
        const before = await usedMemory(admin);
        await write([part]);
        step[part] = ((await usedMemory(admin)) - before) / count;
      }
      step.full = step.ch + step.ctr + step.sends;
    } else {
      const before = await usedMemory(admin);
      await write(['ch', 'ctr', 'sends']);
      step.full = ((await usedMemory(admin)) - before) / count;
    }
    step.fillMs = Date.now() - t;
    fillerAt.n += count;
    return step;
  };

  const levels = [];
  const memory = [];
  for (const level of LEVELS) {
    const want = Math.max(level - PROBES, 0);
    if (want > fillerAt.n) memory.push(await fill(want - fillerAt.n, fillerAt.n === 0));
    const open = await countOpen(admin);
    // Each pass: authenticate one at a time and at 64 in flight, each next to the baseline (EVALSHA
    // `return 1`, which touches no key). The baseline tracks how fast the machine is right now, so
    // the normalized figures show what the number of open challenges costs, not the noise.
    const latencies = [];
    const baseLatencies = [];
    const perSec = [];
    const basePerSec = [];
    const login = (k) => probes[k].login;
    for (let pass = 0; pass < PASSES; pass++) {
      await ch.writeChallenges(admin, keyring, PREFIX, probeItems);
      // Baseline and authenticate one after the other, request by request, so both see the same
      // moment of the machine.
      for (let k = 0; k < PROBES; k++) {
        const t0 = process.hrtime.bigint();
        await base.evalsha(sha, 1, `${PREFIX}{t:x}:noop`);
        const t1 = process.hrtime.bigint();
        await pm.authenticate({ resource: 'bench', login: login(k), otp: '123456' });
        const t2 = process.hrtime.bigint();
        baseLatencies.push(Number(t1 - t0) / 1e6);
        latencies.push(Number(t2 - t1) / 1e6);
      }
      const n = spreadCalls.length;
      basePerSec.push((n / (await c.pool(n, 64, () => base.evalsha(sha, 1, `${PREFIX}{t:x}:noop`)))) * 1000);
      await ch.writeChallenges(admin, keyring, PREFIX, spreadItems);
      perSec.push((n / (await c.pool(n, 64, (k) => pm.authenticate(spreadCalls[k])))) * 1000);
    }
    latencies.sort((a, b) => a - b);
    baseLatencies.sort((a, b) => a - b);
    const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    const mem = await c.info(admin, 'memory');
    const p50 = c.percentile(latencies, 50);
    const baseP50 = c.percentile(baseLatencies, 50);
    levels.push({
      level,
      openChallenges: open,
      keys: await admin.dbsize(),
      p50ms: p50,
      p99ms: c.percentile(latencies, 99),
      meanMs: latencies.reduce((sum, x) => sum + x, 0) / latencies.length,
      baselineP50ms: baseP50,
      p50OverBaseline: p50 / baseP50,
      perSecAt64: median(perSec),
      baselinePerSecAt64: median(basePerSec),
      perSecOverBaseline: median(perSec.map((x, i) => x / basePerSec[i])),
      usedMemoryMiB: Number(mem.used_memory) / 2 ** 20,
    });
    // Keep the probe challenges open between levels, like everyone else's.
    await ch.writeChallenges(admin, keyring, PREFIX, probeItems);
  }

  await pm.close();
  await pm.store.close();
  base.disconnect();
  await admin.flushall();
  admin.disconnect();
  c.report({ probes: PROBES, levels, memory, formatCheck: { ok: true, chBytes: format.store.ch.bytes, ctrBytes: format.store.ctr.bytes, sendsBytes: format.store.sends.bytes } });
}

/** Open challenge keys, counted with SCAN (TYPE string, name with :ch:). */
async function countOpen(admin) {
  let cursor = '0';
  let n = 0;
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${PREFIX}{t:*}:ch:*`, 'COUNT', 10000);
    cursor = next;
    n += keys.length;
  } while (cursor !== '0');
  return n;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
