import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { startSmtp, type TestSmtp } from '../../core/test/support/smtp';
import { defaultProtectimus, ProtectimusMailStrategy } from '../src';
import { agentOf, deleteByPrefix, REDIS_URL, SECRET, signIn } from '../../../test/conformance/harness';
import { expressApp } from '../../../test/conformance/harness/express';

// This file owns process.env and the module's shared instance (jest gives each file its own modules);
// the development default with nothing set is zero-config.test.ts's.
const KEYS = ['REDIS_URL', 'REDIS_PREFIX', 'SMTP_URL', 'MAIL_FROM', 'PROTECTIMUS_SECRET'] as const;
const saved = Object.fromEntries(KEYS.map((k) => [k, process.env[k]]));
const PREFIX = `pmtest:${randomBytes(6).toString('hex')}:`;
let smtp: TestSmtp;
let built = false;

beforeAll(async () => {
  smtp = await startSmtp();
  for (const k of KEYS) delete process.env[k];
});

afterAll(async () => {
  if (built) await defaultProtectimus().close();
  const admin = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  await deleteByPrefix(admin, PREFIX);
  await admin.quit();
  await smtp.close();
  for (const k of KEYS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

describe('protectimusMail() with no arguments', () => {
  it('with NODE_ENV=production and an incomplete environment, throws when created, naming what is missing', () => {
    const env = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      expect(() => expressApp()).toThrow(/NODE_ENV=production and SMTP_URL, REDIS_URL, PROTECTIMUS_SECRET are not set/);
      process.env.SMTP_URL = smtp.url;
      expect(() => expressApp()).toThrow(/and REDIS_URL, PROTECTIMUS_SECRET are not set/);
    } finally {
      process.env.NODE_ENV = env;
      delete process.env.SMTP_URL;
    }
  });

  it('uses protectimusFromEnv (Redis, SMTP, secret) and the resource "default"', async () => {
    process.env.REDIS_URL = REDIS_URL;
    process.env.REDIS_PREFIX = PREFIX;
    process.env.SMTP_URL = smtp.url;
    process.env.PROTECTIMUS_SECRET = SECRET;
    const pm = defaultProtectimus();
    built = true;
    expect(defaultProtectimus()).toBe(pm);
    const token = await pm.tokens.createMail({ name: 'Env mail', email: 'env@example.com' });
    const user = await pm.users.create({ login: 'env-user', email: 'env@example.com' });
    await pm.users.assignToken(user.id, token.id);
    const resource = await pm.resources.create({ name: 'default' });
    await pm.resources.assignTokenWithUser(resource.id, token.id);

    const agent = agentOf(expressApp());
    await signIn(agent, 'env-user');
    const asked = await agent.get('/billing/invoices').expect(401);
    expect(asked.body).toMatchObject({ error: 'otp_required', resource: 'default', otpLength: 6 });
    const mail = await smtp.waitForMail('env@example.com');
    expect(mail.from?.text).toContain('no-reply@localhost');
    const res = await agent.post('/billing/_otp/verify').send({ otp: smtp.codeFrom(mail) }).expect(200);
    expect(res.body).toMatchObject({ ok: true, resource: 'default' });
    await agent.get('/billing/invoices').expect(200);

    // The keys went where REDIS_PREFIX said.
    const admin = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    const [, keys] = await admin.scan('0', 'MATCH', `${PREFIX}*`, 'COUNT', 1000);
    await admin.quit();
    expect(keys.length).toBeGreaterThan(0);
  });

  it('shares that instance with a strategy made with no arguments', async () => {
    const pm = defaultProtectimus();
    await pm.prepare({ resource: 'default', login: 'env-user' });
    const otp = smtp.codeFrom(await smtp.waitForMail('env@example.com'));
    const strategy = new ProtectimusMailStrategy();
    const outcome = await new Promise<unknown>((resolve) => {
      const run = Object.assign(Object.create(strategy) as ProtectimusMailStrategy, {
        success: (user: unknown) => resolve({ user }),
        fail: (challenge: unknown, status?: number) => resolve({ challenge, status }),
        error: (err: unknown) => resolve({ err }),
      });
      run.authenticate({ body: { login: 'env-user', otp } } as never);
    });
    expect(outcome).toMatchObject({ user: { login: 'env-user' } });
  });
});
