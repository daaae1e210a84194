import Redis from 'ioredis';
import { protectimusFromEnv, createProtectimus } from '../src/protectimus';
import { MemoryStore } from '../src/stores/memory';
import { RedisStore } from '../src/stores/redis';
import { deleteByPrefix, REDIS_URL, SECRET } from './support/protectimus';
import { startSmtp, type TestSmtp } from './support/smtp';

describe('protectimusFromEnv', () => {
  let smtp: TestSmtp;
  beforeAll(async () => {
    smtp = await startSmtp();
  });
  afterAll(() => smtp.close());

  const REDIS_PREFIX = `pmtest:env${process.pid}:`;
  afterAll(async () => {
    const client = new Redis(REDIS_URL);
    await deleteByPrefix(client, REDIS_PREFIX);
    await client.quit();
  });

  it('builds a working instance on Redis and SMTP from REDIS_URL, SMTP_URL, MAIL_FROM, PROTECTIMUS_SECRET', async () => {
    const pm = protectimusFromEnv({ REDIS_URL, REDIS_PREFIX, SMTP_URL: smtp.url, MAIL_FROM: 'Guard <guard@example.com>', PROTECTIMUS_SECRET: SECRET });
    expect(pm.store).toBeInstanceOf(RedisStore);
    const name = `env-${Date.now()}`;
    const token = await pm.tokens.createMail({ name, email: `${name}@example.com` });
    const user = await pm.users.create({ login: name });
    await pm.users.assignToken(user.id, token.id);
    const res = await pm.resources.create({ name });
    await pm.resources.assignTokenWithUser(res.id, token.id);
    const mail = smtp.waitForMail(`${name}@example.com`);
    await pm.prepare({ resource: name, login: name });
    const received = await mail;
    expect(received.from?.text).toContain('guard@example.com');
    expect((await pm.authenticate({ resource: name, login: name, otp: smtp.codeFrom(received) })).user.login).toBe(name);
    // A second instance from the same env (another process, say) sees the same directory.
    const other = protectimusFromEnv({ REDIS_URL, REDIS_PREFIX, SMTP_URL: smtp.url, PROTECTIMUS_SECRET: SECRET });
    expect((await other.users.get(user.id)).login).toBe(name);
    await Promise.all([pm.close(), other.close()]);
  });

  it('uses a MemoryStore without REDIS_URL; without SMTP_URL it starts on the dev mail sink, except in production', async () => {
    const pm = protectimusFromEnv({ SMTP_URL: smtp.url, PROTECTIMUS_SECRET: SECRET });
    expect(pm.store).toBeInstanceOf(MemoryStore);
    await pm.close();
    // The development default and the production rule are dev-mail.test.ts's.
    const dev = protectimusFromEnv({ PROTECTIMUS_SECRET: SECRET });
    await dev.close();
    expect(() => protectimusFromEnv({ NODE_ENV: 'production', PROTECTIMUS_SECRET: SECRET, REDIS_URL })).toThrow(/SMTP_URL is not set/);
  });
});

describe('production safety', () => {
  const env = process.env.NODE_ENV;
  afterEach(() => {
    process.env.NODE_ENV = env;
    jest.restoreAllMocks();
  });

  it('refuses to start without a secret when NODE_ENV=production', () => {
    process.env.NODE_ENV = 'production';
    expect(() => createProtectimus({ store: new MemoryStore(), mail: { transport: { jsonTransport: true }, from: 'a@example.com' } })).toThrow(/secret/);
  });

  it('warns once about a MemoryStore in production', async () => {
    process.env.NODE_ENV = 'production';
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const a = createProtectimus({ mail: { transport: { jsonTransport: true }, from: 'a@example.com' }, secret: SECRET });
    const b = createProtectimus({ mail: { transport: { jsonTransport: true }, from: 'a@example.com' }, secret: SECRET });
    const memoryWarnings = warn.mock.calls.filter(([m]) => String(m).includes('MemoryStore'));
    expect(memoryWarnings).toHaveLength(1);
    await Promise.all([a.close(), b.close()]);
  });

  it('refuses a short secret and unknown options', () => {
    expect(() => createProtectimus({ mail: { transport: { jsonTransport: true }, from: 'a@example.com' }, secret: 'short' })).toThrow(/16/);
    expect(() => createProtectimus({ mail: { transport: { jsonTransport: true }, from: 'a@example.com' }, secret: SECRET, ttl: 5 } as never)).toThrow(/ttl/);
    expect(() => createProtectimus({ mail: { transport: { jsonTransport: true }, from: 'a@example.com' }, secret: SECRET, otp: { ttl: 5 } })).toThrow(/ttl/);
  });
});

describe('a store that cannot be reached', () => {
  it('fails closed with STORE_UNAVAILABLE, quickly, for every operation', async () => {
    const client = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null, lazyConnect: true });
    client.on('error', () => undefined);
    const pm = createProtectimus({ store: new RedisStore({ client, prefix: 'pmtest:down:' }), mail: { transport: { jsonTransport: true }, from: 'a@example.com' }, secret: SECRET });
    const started = Date.now();
    await expect(pm.prepare({ resource: 'billing', login: 'alice' })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', status: 503 });
    await expect(pm.authenticate({ resource: 'billing', login: 'alice', otp: '123456' })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await expect(pm.tokens.createMail({ name: 'x', email: 'x@example.com' })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await expect(pm.users.list()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(Date.now() - started).toBeLessThan(5000);
    client.disconnect();
  });
});
