import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { defaultProtectimus } from '../src';
import { agentOf, deleteByPrefix, nextCode, REDIS_URL, SECRET, seedUser, signIn, startWorld, type World } from '../../../test/conformance/harness';
import { koaApp } from '../../../test/conformance/harness/koa';

const KEYS = ['SMTP_URL', 'REDIS_URL', 'REDIS_PREFIX', 'PROTECTIMUS_SECRET', 'MAIL_FROM'] as const;
const saved = Object.fromEntries(KEYS.map((k) => [k, process.env[k]]));
const prefix = `pmtest:${randomBytes(6).toString('hex')}:`;
let world: World;

beforeAll(async () => {
  world = await startWorld('redis');
  for (const k of KEYS) delete process.env[k];
});
afterAll(async () => {
  for (const k of KEYS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  await deleteByPrefix(redis, prefix);
  await redis.quit();
  await world.close();
});

describe('protectimusMail() without `protectimus`', () => {
  it('with NODE_ENV=production and an incomplete environment, throws when created, naming what is missing', () => {
    const env = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      expect(() => koaApp({ guard: { resource: 'billing' } })).toThrow(/NODE_ENV=production and SMTP_URL, REDIS_URL, PROTECTIMUS_SECRET are not set/);
      Object.assign(process.env, { SMTP_URL: world.smtp.url, REDIS_URL });
      expect(() => koaApp({ guard: { resource: 'billing' } })).toThrow(/and PROTECTIMUS_SECRET is not set/);
    } finally {
      process.env.NODE_ENV = env;
      delete process.env.SMTP_URL;
      delete process.env.REDIS_URL;
    }
  });

  it('then uses the one instance protectimusFromEnv() builds (Redis, SMTP), shared with defaultProtectimus()', async () => {
    Object.assign(process.env, { SMTP_URL: world.smtp.url, REDIS_URL, REDIS_PREFIX: prefix, PROTECTIMUS_SECRET: SECRET });
    const pm = defaultProtectimus();
    try {
      expect(defaultProtectimus()).toBe(pm);
      // The package's build of core and the test support's source of it: the same class, two declarations.
      const user = await seedUser(pm as unknown as Parameters<typeof seedUser>[0]);
      const agent = agentOf(koaApp({ guard: { resource: user.resource.name } }).callback());
      await signIn(agent, user.login);
      await agent.get('/billing/invoices').expect(401);
      await agent.post('/billing/_otp/verify').send({ otp: await nextCode(world, user.email) }).expect(200);
      await agent.get('/billing/invoices').expect(200);
    } finally {
      await pm.close();
    }
  });
});
