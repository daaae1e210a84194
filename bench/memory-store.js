'use strict';
/**
 * MemoryStore at scale (run with --expose-gc): heap per 100k open challenges (each on a token of
 * its own, opened with reserve + fill exactly as `prepare` does), and `authenticate` latency with
 * 1k, 100k and 1M open.
 */
const c = require('./lib/common');

const PROBES = 1000;
const LEVELS = (process.env.BENCH_LEVELS || '1000,100000,1000000').split(',').map(Number);

function heap() {
  global.gc();
  global.gc();
  return process.memoryUsage().heapUsed;
}

async function main() {
  if (typeof global.gc !== 'function') throw new Error('run with node --expose-gc');
  const core = c.built('core');
  const codes = new Map();
  const store = new core.MemoryStore({ sweepIntervalMs: 0 });
  const pm = core.createProtectimus({ store, mail: { send: async (m) => void codes.set(m.to, m.code) }, secret: c.SECRET, otp: { maxSendsPerHour: 1000, resendCooldown: 0 } });
  const resource = await pm.resources.create({ name: 'bench' });
  const probes = await c.seedUsers(pm, resource, PROBES, 'probe');
  const openProbes = async () => {
    for (const p of probes) {
      const r = await pm.prepare({ resource: 'bench', login: p.login, resend: true });
      if (!r.sent) throw new Error('expected a new code');
    }
  };
  const hash = 'x'.repeat(43);
  let filler = 0;
  const fill = async (count) => {
    const now = Date.now();
    let i = 0;
    for (const tokenId of c.fakeIds('tok', count)) {
      const r = await store.reserve({ tokenId, resourceId: resource.id, now, ttlMs: 300_000, maxAttempts: 3, resend: false, cooldownMs: 30_000, maxSendsPerHour: 10, minCounter: now * 1000 });
      await store.fill(tokenId, resource.id, r.counter, hash);
      i++;
    }
    filler += i;
  };

  // Warm up.
  for (let i = 0; i < 2; i++) {
    await openProbes();
    for (const p of probes) await pm.authenticate({ resource: 'bench', login: p.login, otp: codes.get(p.email) });
  }

  const levels = [];
  let heapPer100k = null;
  for (const level of LEVELS) {
    const want = Math.max(level - PROBES, 0);
    if (want > filler) {
      const before = heap();
      const count = want - filler;
      await fill(count);
      const perChallenge = (heap() - before) / count;
      if (heapPer100k === null) heapPer100k = { bytesPerChallenge: perChallenge, mibPer100k: (perChallenge * 100_000) / 2 ** 20, measuredOver: count };
    }
    const latencies = [];
    for (let pass = 0; pass < 2; pass++) {
      await openProbes();
      for (const p of probes) {
        const t = process.hrtime.bigint();
        await pm.authenticate({ resource: 'bench', login: p.login, otp: codes.get(p.email) });
        latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    }
    latencies.sort((a, b) => a - b);
    levels.push({ level, p50ms: c.percentile(latencies, 50), p99ms: c.percentile(latencies, 99), heapMiB: process.memoryUsage().heapUsed / 2 ** 20 });
    await openProbes();
  }
  await pm.close();
  await store.close();
  c.report({ heapPer100k, levels });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
