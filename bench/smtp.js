'use strict';
/**
 * `prepare` throughput with a pooled SMTP transport to an in-process smtp-server, against plain
 * nodemailer pooled sends of the same mail to the same server, at the same concurrency, in
 * alternating rounds. Every prepare here opens a challenge and mails a new code (the send path).
 */
const nodemailer = require('nodemailer');
const { SMTPServer } = require('smtp-server');
const c = require('./lib/common');
const ch = require('./lib/challenges');

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY || 64);
const USERS = Number(process.env.BENCH_SMTP_USERS || 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 7);
const PREFIX = 'pm:';
const POOL = { pool: true, maxConnections: 5, maxMessages: 100 };

async function main() {
  const { url, core, admin } = await c.benchRedis();

  let received = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      stream.on('end', () => {
        received++;
        callback();
      });
      stream.resume();
    },
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.server.address().port;

  const from = 'Security <no-reply@example.com>';
  const pm = core.createProtectimus({
    store: new core.RedisStore({ url, prefix: PREFIX }),
    mail: { transport: { host: '127.0.0.1', port, secure: false, ignoreTLS: true, ...POOL }, from },
    secret: c.SECRET,
  });
  // Plain nodemailer: the same pool, the same timeouts, the same message (core's own templates).
  const mail = c.coreModule('mail');
  const plain = nodemailer.createTransport({ ...mail.SMTP_TIMEOUTS, host: '127.0.0.1', port, secure: false, ignoreTLS: true, ...POOL });
  const templates = mail.resolveTemplates();
  // The language the engine's mails are in for these users (no locale, no page): English.
  const { tag: locale, messages } = c.coreModule('locale').builtInCatalogue.get('en');
  const plainSend = (i) => {
    const ctx = { code: String(100000 + (i % 900000)), tokenName: `user${i} mail`, resourceName: 'bench', minutesValid: 5, locale, messages };
    return plain.sendMail({
      from,
      to: `user${i}@example.com`,
      subject: templates.subject(ctx),
      text: templates.text(ctx),
      html: templates.html(ctx),
      headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
    });
  };

  const resource = await pm.resources.create({ name: 'bench' });
  const users = await c.seedUsers(pm, resource, USERS);
  const chKeys = users.map((u) => ch.keys(PREFIX, u.tokenId, resource.id));

  const prepareRound = async () => {
    // No open challenge and no send history: every prepare below mails a new code.
    await admin.del(...chKeys.flatMap((k) => [k.ch, k.sends]));
    let reused = 0;
    const ms = await c.pool(USERS, CONCURRENCY, async (i) => {
      const r = await pm.prepare({ resource: 'bench', login: users[i].login });
      if (!r.sent) reused++;
    });
    if (reused) throw new Error(`${reused} prepares reused a code`);
    return ms;
  };
  const plainRound = () => c.pool(USERS, CONCURRENCY, plainSend);

  // CPU of this process (app, nodemailer and the smtp-server alike) per mail, by kind of round.
  const cpu = { nodemailer: 0, prepare: 0 };
  const timed = async (kind, fn) => {
    const before = process.cpuUsage();
    const ms = await fn();
    const used = process.cpuUsage(before);
    cpu[kind] += (used.user + used.system) / 1e3;
    return ms;
  };
  await plainRound();
  await prepareRound();
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    const b = await timed('nodemailer', plainRound);
    const p = await timed('prepare', prepareRound);
    rounds.push({ nodemailer: Math.round((USERS / b) * 1000), prepare: Math.round((USERS / p) * 1000), ratio: b / p });
  }
  const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  const expected = USERS * (ROUNDS + 1) * 2;

  await pm.close();
  await pm.store.close();
  plain.close();
  await new Promise((resolve) => server.close(resolve));
  admin.disconnect();
  if (received !== expected) throw new Error(`the server received ${received} mails, expected ${expected}`);
  c.report({
    concurrency: CONCURRENCY,
    pool: POOL,
    opsPerRound: USERS,
    rounds,
    nodemailerPerSec: median(rounds.map((r) => r.nodemailer)),
    preparePerSec: median(rounds.map((r) => r.prepare)),
    ratio: median(rounds.map((r) => r.ratio)),
    mailsReceived: received,
    cpuMsPerMail: { nodemailer: cpu.nodemailer / (USERS * ROUNDS), prepare: cpu.prepare / (USERS * ROUNDS) },
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
