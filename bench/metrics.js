'use strict';
/**
 * What `protectimusMetrics` costs `authenticate`: two instances on the same RedisStore setup
 * (each its own client, as from REDIS_URL, directory cache warm), one measured into a registry of
 * its own, the other not; 64 in flight, alternating paired rounds (the order switched each round
 * so neither side always runs on a warmer machine), median of the paired ratios measured / not;
 * and the Node CPU time per authenticate on each side.
 */
const c = require('./lib/common');
const ch = require('./lib/challenges');

const CONCURRENCY = 64;
const USERS = Number(process.env.BENCH_USERS || 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 15);
const SPREAD = 3;
const PREFIX = 'pm:';

async function main() {
  const { url, core, admin } = await c.benchRedis();
  const { Registry } = require('prom-client');
  const make = () => core.createProtectimus({ store: new core.RedisStore({ url, prefix: PREFIX }), mail: { send: async () => undefined }, secret: c.SECRET });
  const off = make();
  const on = make();
  const registry = new Registry();
  const metrics = core.protectimusMetrics(on, { registry });
  const keyring = new ch.Keyring(c.SECRET);

  const resources = [await off.resources.create({ name: 'bench' })];
  const users = await c.seedUsers(off, resources[0], USERS);
  for (let r = 1; r < SPREAD; r++) {
    const more = await off.resources.create({ name: `bench${r}` });
    for (const u of users) await off.resources.assignTokenWithUser(more.id, u.tokenId);
    resources.push(more);
  }
  const items = resources.flatMap((res) => users.map((u) => ({ tokenId: u.tokenId, resourceId: res.id })));
  const calls = resources.flatMap((res) => users.map((u) => ({ resource: res.name, login: u.login, otp: '123456', ip: '127.0.0.1' })));
  const OPS = calls.length;

  // Opens every challenge again before a round, outside its time; the round waits for the audit
  // writes too (a read of the log sends what waits), as redis-ops.js does.
  const round = async (pm) => {
    await ch.writeChallenges(admin, keyring, PREFIX, items);
    let failures = 0;
    const cpu0 = process.cpuUsage();
    const started = process.hrtime.bigint();
    await c.pool(OPS, CONCURRENCY, (i) =>
      pm.authenticate(calls[i]).catch(() => {
        failures++;
      }),
    );
    await pm.events.list({ limit: 1 });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const cpu = process.cpuUsage(cpu0);
    if (failures) throw new Error(`${failures} authentications failed`);
    return { perSec: (OPS / ms) * 1000, cpuUs: (cpu.user + cpu.system) / OPS };
  };

  // Warm-up: each instance's directory cache, scripts on each connection, the JIT.
  await round(off);
  await round(on);
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    const first = r % 2 === 0 ? off : on;
    const a = await round(first);
    const b = await round(first === off ? on : off);
    const [o, m] = first === off ? [a, b] : [b, a];
    rounds.push({ off: Math.round(o.perSec), on: Math.round(m.perSec), ratio: m.perSec / o.perSec, cpuOffUs: o.cpuUs, cpuOnUs: m.cpuUs });
  }
  const text = await registry.metrics();
  const verified = /^protectimus_codes_verified_total\{resource="bench"\} (\d+)$/m.exec(text)?.[1];
  if (Number(verified) !== USERS * (ROUNDS + 1)) throw new Error(`the measured instance counted ${verified} verifications, not ${USERS * (ROUNDS + 1)}`);
  const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
  metrics.stop();
  for (const pm of [off, on]) {
    await pm.close();
    await pm.store.close();
  }
  admin.disconnect();
  c.report({
    concurrency: CONCURRENCY,
    opsPerRound: OPS,
    rounds,
    offPerSec: mean(rounds.map((r) => r.off)),
    onPerSec: mean(rounds.map((r) => r.on)),
    ratio: median(rounds.map((r) => r.ratio)),
    // Node CPU per authenticate, which other load on the machine disturbs far less than the rate.
    cpuOffUs: median(rounds.map((r) => r.cpuOffUs)),
    cpuOnUs: median(rounds.map((r) => r.cpuOnUs)),
    cpuRatio: median(rounds.map((r) => r.cpuOnUs / r.cpuOffUs)),
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
