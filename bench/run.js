'use strict';
/**
 * `npm run bench`: every benchmark of protectimus-mail, each a ratio against a baseline measured in
 * the same run (so a noisy machine does not lie), on a redis-server the bench starts on a free port
 * of its own. Each benchmark runs in its own process; this prints a table (Markdown, ready for the
 * README) and writes everything measured to bench/results.json.
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const c = require('./lib/common');

const STEPS = [
  { key: 'guardExpress', script: 'guard-overhead.js', args: ['express'], needs: 'express' },
  { key: 'guardKoa', script: 'guard-overhead.js', args: ['koa'], needs: 'koa' },
  { key: 'guardFastify', script: 'guard-overhead.js', args: ['fastify'], needs: 'fastify' },
  { key: 'redisOps', script: 'redis-ops.js', redis: true },
  { key: 'metrics', script: 'metrics.js', redis: true },
  { key: 'smtp', script: 'smtp.js', redis: true },
  { key: 'scale', script: 'scale.js', redis: true },
  { key: 'memoryStore', script: 'memory-store.js', node: ['--expose-gc'] },
];

function runStep(step, env) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [...(step.node || []), path.join(__dirname, step.script), ...(step.args || [])], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      const seconds = (Date.now() - started) / 1000;
      if (code === 0 && line) resolve({ ok: true, seconds, result: JSON.parse(line.slice(7)) });
      else resolve({ ok: false, seconds, error: `exited with ${code}${out.trim() ? `: ${out.trim().slice(-500)}` : ''}` });
    });
  });
}

const fmt = {
  n: (x, digits = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a'),
  ms: (x) => (Number.isFinite(x) ? `${x < 1 ? x.toFixed(3) : x.toFixed(2)} ms` : 'n/a'),
  ratio: (x) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a'),
};

/** The table rows: what, measured, baseline, figure, goal, met. */
function rows(r) {
  const out = [];
  const row = (what, measured, baseline, figure, goal, met) => out.push({ what, measured, baseline, figure, goal, met: met === undefined ? '' : met ? 'yes' : '**no**' });
  for (const [key, name] of [['guardExpress', 'Express'], ['guardKoa', 'Koa'], ['guardFastify', 'Fastify']]) {
    const g = r[key];
    if (g?.ok) {
      const x = g.result;
      row(`Guard overhead, ${name} (verified session, ${x.connections} connections)`, `${fmt.n(x.guardedPerSec)} req/s guarded`, `${fmt.n(x.plainPerSec)} req/s same route unguarded`, fmt.ratio(x.ratio), '>= 0.95', x.ratio >= 0.95);
      row(`  the same in app CPU per request`, `${fmt.n(x.guardedCpuUsPerRequest)} µs guarded`, `${fmt.n(x.plainCpuUsPerRequest)} µs unguarded`, fmt.ratio(x.cpuRatio), '(info)');
      row(`  against a do-nothing middleware mounted the same way`, `${fmt.n(x.guardedCpuUsPerRequest)} µs guarded`, `${fmt.n(x.mountedCpuUsPerRequest)} µs mounted no-op`, fmt.ratio(x.cpuRatioVsMounted), '(info)');
    } else if (g) row(`Guard overhead, ${name}`, `failed: ${g.error}`, '', '', '>= 0.95', false);
  }
  const ops = r.redisOps;
  if (ops?.ok) {
    const t = ops.result.throughput;
    row(`authenticate, RedisStore (own client, as from REDIS_URL), ${t.concurrency} in flight`, `${fmt.n(t.authenticatePerSec)} /s`, `${fmt.n(t.evalshaPerSec)} /s raw EVALSHA \`return 1\``, fmt.ratio(t.ratio), '>= 0.5', t.ratio >= 0.5);
    row(`authenticate, RedisStore on a client passed in (ioredis defaults), ${t.concurrency} in flight`, `${fmt.n(t.authenticatePlainClientPerSec)} /s`, 'same baseline', fmt.ratio(t.ratioPlainClient), '(info)');
    row(`authenticate, RedisStore with \`directoryCache: false\` (reads the directory every time), ${t.concurrency} in flight`, `${fmt.n(t.authenticateNoCachePerSec)} /s`, 'same baseline', fmt.ratio(t.ratioNoCache), '(info)');
    const cpu = t.cpuPerOp;
    row('CPU per operation (Node + redis-server)', `authenticate ${fmt.n(cpu.authenticate.nodeUs)} + ${fmt.n(cpu.authenticate.redisUs)} µs`, `EVALSHA ${fmt.n(cpu.evalsha.nodeUs)} + ${fmt.n(cpu.evalsha.redisUs)} µs`, '', '(info)');
    for (const cmd of ops.result.commands) {
      const goal = cmd.label.startsWith('authenticate') ? 2 : cmd.label.startsWith('prepare (new') ? 3 : null;
      const by = Object.entries(cmd.clientByCommand).map(([k, v]) => `${fmt.n(v, v < 0.01 ? 4 : 2)} ${k.toUpperCase()}`).join(' + ');
      const scripts = cmd.serverByCommand.evalsha ?? 0;
      const inside = Object.entries(cmd.serverByCommand).filter(([k]) => k !== 'evalsha').map(([k, v]) => `${fmt.n(v, v < 0.01 ? 4 : 2)} ${k}`).join(', ');
      row(
        `Redis commands per ${cmd.label}`,
        `client: ${fmt.n(cmd.clientCommands, 2)} (${by}) + ${fmt.n(cmd.auditWrites, 4)} audit writes (batched, not awaited)`,
        `INFO commandstats delta, audit left out: ${fmt.n(scripts, 2)} EVALSHA, whose scripts made ${fmt.n(cmd.serverCommands - scripts, 2)} calls inside (${inside})`,
        fmt.n(cmd.clientCommands, 2),
        goal === null ? '(info)' : `<= ${goal} (sent; EVALSHA in commandstats)`,
        goal === null ? undefined : cmd.clientCommands <= goal && scripts <= goal,
      );
    }
  } else if (ops) row('authenticate throughput and commands', `failed: ${ops.error}`, '', '', '', false);
  const metrics = r.metrics;
  if (metrics?.ok) {
    const x = metrics.result;
    row(`authenticate, RedisStore, with \`protectimusMetrics\` on, ${x.concurrency} in flight`, `${fmt.n(x.onPerSec)} /s measured`, `${fmt.n(x.offPerSec)} /s same instance setup, metrics off`, fmt.ratio(x.ratio), '>= 0.95', x.ratio >= 0.95);
    row('  the same in Node CPU per authenticate', `${fmt.n(x.cpuOnUs, 1)} µs measured`, `${fmt.n(x.cpuOffUs, 1)} µs metrics off`, fmt.ratio(x.cpuRatio), '(info)');
  } else if (metrics) row('authenticate with protectimusMetrics', `failed: ${metrics.error}`, '', '', '>= 0.95', false);
  const smtp = r.smtp;
  if (smtp?.ok) {
    const x = smtp.result;
    row(`prepare, pooled SMTP (${x.pool.maxConnections} connections) to an in-process smtp-server, ${x.concurrency} in flight`, `${fmt.n(x.preparePerSec)} /s`, `${fmt.n(x.nodemailerPerSec)} /s plain nodemailer pooled sendMail`, fmt.ratio(x.ratio), '>= 0.8', x.ratio >= 0.8);
  } else if (smtp) row('prepare with SMTP', `failed: ${smtp.error}`, '', '', '>= 0.8', false);
  const scale = r.scale;
  if (scale?.ok) {
    const x = scale.result;
    for (const l of x.levels) {
      row(
        `authenticate with ${fmt.n(l.openChallenges)} open challenges in Redis`,
        `p50 ${fmt.ms(l.p50ms)}, p99 ${fmt.ms(l.p99ms)} one at a time; ${fmt.n(l.perSecAt64)} /s at 64 in flight`,
        `EVALSHA p50 ${fmt.ms(l.baselineP50ms)}; ${fmt.n(l.baselinePerSecAt64)} /s`,
        `${fmt.ratio(l.p50OverBaseline)}x / ${fmt.ratio(l.perSecOverBaseline)}`,
        'flat',
      );
    }
    const first = x.levels[0];
    const last = x.levels[x.levels.length - 1];
    if (first && last) {
      const latencyGrowth = last.p50OverBaseline / first.p50OverBaseline;
      const throughputGrowth = first.perSecOverBaseline / last.perSecOverBaseline;
      const growth = Math.max(latencyGrowth, throughputGrowth);
      row(
        `Cost growth from ${fmt.n(first.openChallenges)} to ${fmt.n(last.openChallenges)} open challenges (against the baseline)`,
        `p50 x${fmt.ratio(latencyGrowth)} (raw x${fmt.ratio(last.p50ms / first.p50ms)})`,
        `time per op at 64 in flight x${fmt.ratio(throughputGrowth)}`,
        fmt.ratio(growth),
        'flat (<= 1.5)',
        growth <= 1.5,
      );
    }
    const split = x.memory.find((m) => m.ch !== undefined);
    if (split) {
      row('Redis memory per open challenge (INFO used_memory delta / count)', `${fmt.n(split.ch)} B the challenge record`, `over ${fmt.n(split.count)} challenges`, fmt.n(split.ch), '<= 300', split.ch <= 300);
      row('  and per token, with what a first send adds (HOTP counter, send-rate record)', `${fmt.n(split.full)} B (ch ${fmt.n(split.ch)} + ctr ${fmt.n(split.ctr)} + sends ${fmt.n(split.sends)})`, '', '', '(info)');
    }
    const big = x.memory.find((m) => m.ch === undefined);
    if (big) row('  the same at scale', `${fmt.n(big.full)} B per token (challenge + counter + sends)`, `over ${fmt.n(big.count)} more`, '', '(info)');
  } else if (scale) row('Scale (Redis)', `failed: ${scale.error}`, '', '', '', false);
  const mem = r.memoryStore;
  if (mem?.ok) {
    const x = mem.result;
    row('MemoryStore heap per 100k open challenges', `${fmt.n(x.heapPer100k.mibPer100k, 1)} MiB (${fmt.n(x.heapPer100k.bytesPerChallenge)} B each, token state included)`, `over ${fmt.n(x.heapPer100k.measuredOver)}`, '', '(info)');
    for (const l of x.levels) row(`MemoryStore authenticate with ${fmt.n(l.level)} open`, `p50 ${fmt.ms(l.p50ms)}, p99 ${fmt.ms(l.p99ms)}`, `heap ${fmt.n(l.heapMiB)} MiB`, '', 'flat');
  } else if (mem) row('MemoryStore', `failed: ${mem.error}`, '', '', '', false);
  return out;
}

function table(list) {
  const lines = ['| benchmark | measured | baseline / detail | figure | goal | met |', '| --- | --- | --- | --- | --- | --- |'];
  for (const x of list) lines.push(`| ${x.what} | ${x.measured} | ${x.baseline} | ${x.figure} | ${x.goal} | ${x.met} |`);
  return lines.join('\n');
}

async function main() {
  const started = Date.now();
  const machine = { ...c.machine(), loadAverageAtStart: os.loadavg().map((x) => Number(x.toFixed(2))) };
  console.log(`protectimus-mail bench: ${machine.nproc} x ${machine.cpu}, ${machine.memGiB} GiB, Node ${machine.node}, Redis ${machine.redis}, load ${machine.loadAverageAtStart.join(' ')}`);
  const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : null;
  const redis = await c.startRedis();
  const results = {};
  try {
    for (const step of STEPS) {
      if (only && !only.has(step.key)) continue;
      if (step.needs && !c.built(step.needs)) {
        results[step.key] = { ok: false, error: `packages/${step.needs} is not built` };
        console.log(`- ${step.key}: skipped, packages/${step.needs}/dist is missing`);
        continue;
      }
      process.stdout.write(`- ${step.key} ... `);
      results[step.key] = await runStep(step, step.redis ? { BENCH_REDIS_URL: redis.url } : {});
      console.log(results[step.key].ok ? `${results[step.key].seconds.toFixed(0)} s` : `FAILED: ${results[step.key].error}`);
    }
  } finally {
    await redis.stop();
  }
  machine.loadAverageAtEnd = os.loadavg().map((x) => Number(x.toFixed(2)));
  const list = rows(results);
  const md = table(list);
  const header = `Measured ${new Date().toISOString().slice(0, 10)} on ${machine.nproc} x ${machine.cpu} (${machine.memGiB} GiB), ${machine.os}, Node ${machine.node}, Redis ${machine.redis}; load average ${machine.loadAverageAtStart.join(' / ')} at start. Total ${((Date.now() - started) / 1000).toFixed(0)} s.`;
  console.log(`\n${header}\n\n${md}\n`);
  fs.writeFileSync(path.join(__dirname, 'results.json'), `${JSON.stringify({ machine, seconds: (Date.now() - started) / 1000, results, table: list, markdown: md }, null, 2)}\n`);
  console.log('Wrote bench/results.json');
  if (Object.values(results).some((r) => !r.ok)) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
