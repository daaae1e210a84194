/**
 * The mail server refusing, unreachable or hung: `prepare` fails with DELIVERY_FAILED (the guard
 * with 502 `delivery_failed`), leaves no challenge behind and no send on the token's rate limits,
 * and a later resend works as soon as the server is back. Core on both stores, then the Express
 * guard; SMTP is a real server behind a gate the test opens, closes and hangs.
 */
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { SMTPServer } from 'smtp-server';
import request from 'supertest';
import { isProtectimusError } from '../../packages/core/src/errors';
import { createProtectimus, type Protectimus } from '../../packages/core/src/protectimus';
import { MemoryStore } from '../../packages/core/src/stores/memory';
import { RedisStore } from '../../packages/core/src/stores/redis';
import type { Store } from '../../packages/core/src/stores/store';
import { FakeClock } from '../../packages/core/test/support/clock';
import { seedUser } from '../../packages/core/test/support/protectimus';
import { redisFixture } from '../../packages/core/test/support/redis';
import { startSmtp, type TestSmtp } from '../../packages/core/test/support/smtp';
import { ADAPTERS, guardedApp } from '../support/guarded-app';
import { tcpGate, type TcpGate } from '../support/tcp-gate';

jest.setTimeout(60_000);

const fx = redisFixture();
let admin: Redis;
let smtp: TestSmtp;
let gate: TcpGate;
const instances: Protectimus[] = [];
const stores: Store[] = [];
let n = 0;

beforeAll(async () => {
  admin = fx.client();
  smtp = await startSmtp();
  gate = await tcpGate(smtp.port);
});

afterEach(async () => {
  smtp.refuseAll(false);
  await gate.set('open');
});

afterAll(async () => {
  await Promise.all(instances.map((pm) => pm.close()));
  await Promise.all(stores.map((s) => s.close()));
  await gate?.close();
  await smtp?.close();
  await fx.cleanup();
});

type Kind = 'memory' | 'redis';

/**
 * An instance mailing through the gate, with short SMTP timeouts so a hung server fails the test
 * quickly; `pool` uses nodemailer's pooled transport (kept connections).
 */
function instance(kind: Kind, opts: { pool?: boolean } = {}) {
  const prefix = `${fx.prefix}${++n}:`;
  const store = kind === 'memory' ? new MemoryStore() : new RedisStore({ client: fx.client(), prefix });
  stores.push(store);
  const clock = new FakeClock();
  const pm = createProtectimus({
    store,
    mail: {
      transport: { host: '127.0.0.1', port: gate.port, secure: false, ignoreTLS: true, pool: opts.pool ?? false, connectionTimeout: 1000, greetingTimeout: 800, socketTimeout: 1500 },
      from: 'Security <no-reply@example.com>',
    },
    secret: 'EQuQlskmLRhnsDag3JUjxyEcN1WcP2vTfdGsVttUVIg',
    clock,
  });
  instances.push(pm);
  const events: string[] = [];
  pm.on('*', (e) => events.push(e.type));
  return { pm, clock, prefix, events };
}

/** No challenge key for the token in Redis, and only `delivered` sends counted against its limits. */
async function expectNoOrphan(prefix: string, tokenId: string, delivered = 0): Promise<void> {
  const [, keys] = await admin.scan('0', 'MATCH', `${prefix}{t:${tokenId}}:ch:*`, 'COUNT', 1000);
  expect(keys).toEqual([]);
  expect(await admin.zcard(`${prefix}{t:${tokenId}}:sends`)).toBe(delivered);
}

async function expectDeliveryFailed(call: Promise<unknown>, code?: string): Promise<void> {
  const err = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isProtectimusError(err, 'DELIVERY_FAILED')).toBe(true);
  expect((err as Error & { status: number }).status).toBe(502);
  if (code) expect((err as Error).message).not.toContain(code);
}

const failures: [string, (pm: { gate: TcpGate; smtp: TestSmtp }) => Promise<void> | void][] = [
  ['refuses the recipient (550 at RCPT TO)', ({ smtp: s }) => s.refuseAll(true, 'rcpt')],
  ['refuses the message (550 after DATA)', ({ smtp: s }) => s.refuseAll(true, 'data')],
  ['is unreachable (connection refused)', ({ gate: g }) => g.set('closed')],
  ['accepts connections but never answers', ({ gate: g }) => g.set('hang')],
];

describe.each<Kind>(['memory', 'redis'])('core on %s when the mail server...', (kind) => {
  it.each(failures)('%s: DELIVERY_FAILED, no orphan challenge, and a later resend works', async (_what, breakIt) => {
    const { pm, prefix, events } = instance(kind);
    const u = await seedUser(pm, { login: `u${n}` });
    const input = { resource: u.resource.name, login: u.login };
    await breakIt({ gate, smtp });
    const started = Date.now();
    await expectDeliveryFailed(pm.prepare(input));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(events).toContain('otp.delivery_failed');
    expect(events).not.toContain('otp.sent');
    if (kind === 'redis') await expectNoOrphan(prefix, u.token.id);
    // Still broken: the next page load tries again rather than reusing a code nobody received.
    await expectDeliveryFailed(pm.prepare(input));

    smtp.refuseAll(false);
    await gate.set('open');
    // Undelivered mails count against neither the cooldown nor the hourly cap.
    const sent = await pm.prepare({ ...input, resend: true });
    expect(sent.sent).toBe(true);
    const code = smtp.codeFrom(await smtp.waitForMail(u.email));
    expect((await pm.authenticate({ ...input, otp: code })).user.login).toBe(u.login);
  });
});

describe('a pooled transport', () => {
  it('recovers after the server went away under its kept connections', async () => {
    const { pm, prefix, clock } = instance('redis', { pool: true });
    const u = await seedUser(pm, { login: 'pooled' });
    const input = { resource: u.resource.name, login: u.login };
    const firstMail = smtp.waitForMail(u.email);
    expect((await pm.prepare(input)).sent).toBe(true);
    const first = smtp.codeFrom(await firstMail);
    await gate.set('closed');
    clock.advanceSeconds(31);
    // A resend replaces the open code first; its failed mail then puts the first code back.
    await expectDeliveryFailed(pm.prepare({ ...input, resend: true }));
    // Only the first challenge is left, nothing kept aside; the first, delivered send still
    // counts against the limits, the failed one does not (`calls` counts page loads per minute).
    const [, keys] = await admin.scan('0', 'MATCH', `${prefix}{t:${u.token.id}}:*`, 'COUNT', 1000);
    expect(keys.sort()).toEqual([
      `${prefix}{t:${u.token.id}}:calls`,
      `${prefix}{t:${u.token.id}}:ch:${u.resource.id}`,
      `${prefix}{t:${u.token.id}}:ctr`,
      `${prefix}{t:${u.token.id}}:sends`,
    ]);
    expect(await admin.zcard(`${prefix}{t:${u.token.id}}:sends`)).toBe(1);
    await gate.set('open');
    // Not held back by the cooldown: the failed send is not counted, the first was 31 s ago.
    const again = await pm.prepare({ ...input, resend: true });
    expect(again.sent).toBe(true);
    const code = smtp.codeFrom(await smtp.waitForMail(u.email));
    // The delivered resend rules: the first code no longer works, the new one does.
    if (first !== code) expect(isProtectimusError(await pm.authenticate({ ...input, otp: first }).catch((e: unknown) => e), 'INVALID_OTP')).toBe(true);
    await pm.authenticate({ ...input, otp: code });
  });

  it('never puts the code in the error, even when the server quotes the message back', async () => {
    // A server that refuses every message, quoting the code it found in it.
    const quoting = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, _session, callback) {
        let text = '';
        stream.on('data', (d: Buffer) => (text += d.toString()));
        stream.on('end', () => callback(Object.assign(new Error(`rejected, it said ${/\b\d{6}\b/.exec(text)?.[0] ?? 'nothing'}`), { responseCode: 554 })));
      },
    });
    await new Promise<void>((resolve) => quoting.listen(0, '127.0.0.1', () => resolve()));
    const port = (quoting.server.address() as AddressInfo).port;
    try {
      const pm = createProtectimus({ store: new MemoryStore(), mail: { transport: `smtp://127.0.0.1:${port}`, from: 'a@example.com' }, secret: 'EQuQlskmLRhnsDag3JUjxyEcN1WcP2vTfdGsVttUVIg' });
      instances.push(pm);
      const u = await seedUser(pm, { login: 'quoted' });
      const err = (await pm.prepare({ resource: u.resource.name, login: u.login }).catch((e: unknown) => e)) as Error;
      expect(isProtectimusError(err, 'DELIVERY_FAILED')).toBe(true);
      expect(err.message).toMatch(/rejected, it said \[code\]/);
      expect(err.message).not.toMatch(/\d{6}/);
    } finally {
      await new Promise<void>((resolve) => quoting.close(() => resolve()));
    }
  });
});

describe.each(ADAPTERS)('the %s guard when the mail server...', (adapter) => {
  it.each(failures)('%s: 502 delivery_failed, nothing open, and a later resend works', async (_what, breakIt) => {
    const { pm, prefix } = instance('redis');
    const u = await seedUser(pm, { login: `g${n}` });
    const site = guardedApp(adapter, pm, u.resource.name);
    const agent = request.agent(site.handler);
    await agent.post('/login').send({ login: u.login }).expect(200);
    await breakIt({ gate, smtp });

    const first = await agent.get('/area').set('Accept', 'application/json');
    expect(first.status).toBe(502);
    expect(first.body).toEqual({ error: 'delivery_failed' });
    const page = await agent.get('/area').set('Accept', 'text/html');
    expect(page.status).toBe(502);
    expect(page.text).toMatch(/<form[^>]+_otp\/resend/);
    const resent = await agent.post('/area/_otp/resend').send({});
    expect(resent.status).toBe(502);
    expect(resent.body).toEqual({ error: 'delivery_failed' });
    await expectNoOrphan(prefix, u.token.id);
    // No code was ever delivered, so none can be typed.
    const typed = await agent.post('/area/_otp/verify').send({ otp: '123456' });
    expect(typed.body).toEqual({ error: 'otp_expired' });

    smtp.refuseAll(false);
    await gate.set('open');
    const ok = await agent.post('/area/_otp/resend').send({}).expect(202);
    expect(ok.body).toMatchObject({ status: 'otp_sent', otpLength: 6 });
    const code = smtp.codeFrom(await smtp.waitForMail(u.email));
    await agent.post('/area/_otp/verify').send({ otp: code }).expect(200);
    await agent.get('/area').expect(200);
    expect(site.passes).toBe(1);
    // Each failed delivery is told to the app's onError, as DELIVERY_FAILED; nothing else is.
    expect(site.errors).toHaveLength(3);
    for (const err of site.errors) expect(err).toMatchObject({ name: 'ProtectimusError', code: 'DELIVERY_FAILED' });
  });
});
