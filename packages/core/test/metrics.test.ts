/**
 * `protectimusMetrics`: what a Prometheus scrape of the registry shows after each decision, on
 * both stores, with real SMTP; the store gauge against a Redis that is down; and that no label
 * ever carries a login or an address.
 */
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { deadRedis } from '../../../test/conformance/harness/world';
import { protectimusMetrics } from '../src/metrics';
import { createProtectimus, type Protectimus } from '../src/protectimus';
import { RedisStore } from '../src/stores/redis';
import { REDIS_URL, SECRET, seedUser, startWorld, STORE_KINDS, type World } from './support/protectimus';

/** One sample of the text format: `name{labels} value`. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function samples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (m[2] ?? '').matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** The value of the one sample named so with these labels (0 when the series does not exist yet). */
async function value(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const found = samples(await registry.metrics()).filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`${found.length} samples match ${name} ${JSON.stringify(labels)}`);
  return found[0]?.value ?? 0;
}

describe.each(STORE_KINDS)('protectimusMetrics on the %s store', (kind) => {
  let world: World;
  let pm: Protectimus;
  let registry: Registry;
  let stop: () => void;
  const logins: string[] = [];
  const addresses: string[] = [];

  beforeAll(async () => {
    world = await startWorld(kind);
    pm = world.make({ otp: { maxAttempts: 10 } });
    registry = new Registry();
    stop = protectimusMetrics(pm, { registry }).stop;
  });
  afterAll(async () => {
    stop();
    await world.close();
  });

  /** A user on a resource named apart from the login, so a label showing the login would be caught. */
  async function seed(resourceName: string, resource: Record<string, unknown> = {}) {
    const seeded = await seedUser(pm, { resource: { name: resourceName, ...resource } });
    logins.push(seeded.login);
    addresses.push(seeded.email);
    return seeded;
  }

  async function mailedCode(login: string, email: string, resource: string): Promise<string> {
    const mail = world.smtp.waitForMail(email);
    await pm.prepare({ resource, login });
    return world.smtp.codeFrom(await mail);
  }

  it('counts a code sent and a code verified by resource, and times prepare, authenticate and the mail', async () => {
    const { login, email } = await seed('billing');
    const code = await mailedCode(login, email, 'billing');
    expect(await value(registry, 'protectimus_codes_sent_total', { resource: 'billing' })).toBe(1);
    expect(await value(registry, 'protectimus_mail_delivery_seconds_count', { outcome: 'ok' })).toBe(1);
    expect(await value(registry, 'protectimus_mail_delivery_seconds_sum', { outcome: 'ok' })).toBeGreaterThan(0);
    expect(await value(registry, 'protectimus_prepare_duration_seconds_count', { outcome: 'ok' })).toBe(1);
    // Reusing the open code mails nothing: not a send.
    await pm.prepare({ resource: 'billing', login });
    expect(await value(registry, 'protectimus_codes_sent_total', { resource: 'billing' })).toBe(1);
    expect(await value(registry, 'protectimus_prepare_duration_seconds_count', { outcome: 'ok' })).toBe(2);

    await pm.authenticate({ resource: 'billing', login, otp: code });
    expect(await value(registry, 'protectimus_codes_verified_total', { resource: 'billing' })).toBe(1);
    expect(await value(registry, 'protectimus_authenticate_duration_seconds_count', { outcome: 'ok' })).toBe(1);
    expect(await value(registry, 'protectimus_authenticate_duration_seconds_bucket', { outcome: 'ok', le: '+Inf' })).toBe(1);
  });

  it('counts a wrong code as a failure with reason INVALID_OTP, and a used code as OTP_EXPIRED', async () => {
    const { login, email } = await seed('reports');
    const code = await mailedCode(login, email, 'reports');
    const wrong = code === '000000' ? '111111' : '000000';
    await expect(pm.authenticate({ resource: 'reports', login, otp: wrong })).rejects.toMatchObject({ code: 'INVALID_OTP' });
    expect(await value(registry, 'protectimus_failures_total', { resource: 'reports', reason: 'INVALID_OTP' })).toBe(1);
    expect(await value(registry, 'protectimus_authenticate_duration_seconds_count', { outcome: 'refused' })).toBeGreaterThanOrEqual(1);
    await pm.authenticate({ resource: 'reports', login, otp: code });
    await expect(pm.authenticate({ resource: 'reports', login, otp: code })).rejects.toMatchObject({ code: 'OTP_EXPIRED' });
    expect(await value(registry, 'protectimus_failures_total', { resource: 'reports', reason: 'OTP_EXPIRED' })).toBe(1);
    expect(await value(registry, 'protectimus_codes_verified_total', { resource: 'reports' })).toBe(1);
  });

  it('counts a lock after failed codes, and the refusals while it holds as BLOCKED', async () => {
    const { login, email } = await seed('vault', { failedAttemptsBeforeLock: 3, lockMinutes: 5 });
    const code = await mailedCode(login, email, 'vault');
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 2; i++) await expect(pm.authenticate({ resource: 'vault', login, otp: wrong })).rejects.toMatchObject({ code: 'INVALID_OTP' });
    await expect(pm.authenticate({ resource: 'vault', login, otp: wrong })).rejects.toMatchObject({ code: 'BLOCKED' });
    expect(await value(registry, 'protectimus_locks_total', { resource: 'vault' })).toBe(1);
    expect(await value(registry, 'protectimus_failures_total', { resource: 'vault', reason: 'INVALID_OTP' })).toBe(3);
    await expect(pm.authenticate({ resource: 'vault', login, otp: code })).rejects.toMatchObject({ code: 'BLOCKED' });
    expect(await value(registry, 'protectimus_failures_total', { resource: 'vault', reason: 'BLOCKED' })).toBe(1);
    expect(await value(registry, 'protectimus_blocks_total', { resource: 'vault' })).toBe(0);
  });

  it('counts an admin block of a user under resource "" and reason admin', async () => {
    const { user } = await seed('wiki');
    const before = await value(registry, 'protectimus_blocks_total', { resource: '', reason: 'admin' });
    await pm.users.block(user.id);
    expect(await value(registry, 'protectimus_blocks_total', { resource: '', reason: 'admin' })).toBe(before + 1);
  });

  it('counts a resend inside the cooldown as rate limited (reason sends)', async () => {
    const { login, email } = await seed('payroll');
    await mailedCode(login, email, 'payroll');
    await expect(pm.prepare({ resource: 'payroll', login, resend: true })).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    expect(await value(registry, 'protectimus_rate_limited_total', { resource: 'payroll', reason: 'sends' })).toBe(1);
    expect(await value(registry, 'protectimus_prepare_duration_seconds_count', { outcome: 'refused' })).toBeGreaterThanOrEqual(1);
  });

  it('counts a mail the SMTP server refuses as a failure DELIVERY_FAILED, timed as a failed delivery', async () => {
    const { login } = await seed('hr');
    world.smtp.refuseNext(1);
    await expect(pm.prepare({ resource: 'hr', login })).rejects.toMatchObject({ code: 'DELIVERY_FAILED' });
    expect(await value(registry, 'protectimus_failures_total', { resource: 'hr', reason: 'DELIVERY_FAILED' })).toBe(1);
    expect(await value(registry, 'protectimus_codes_sent_total', { resource: 'hr' })).toBe(0);
    expect(await value(registry, 'protectimus_mail_delivery_seconds_count', { outcome: 'failed' })).toBe(1);
    expect(await value(registry, 'protectimus_prepare_duration_seconds_count', { outcome: 'error' })).toBe(1);
  });

  it('shows the store as up while it answers', async () => {
    expect(await value(registry, 'protectimus_store_up')).toBe(1);
  });

  it('never puts a login or an address in a label: only resource names and fixed sets', async () => {
    const text = await registry.metrics();
    expect(logins.length).toBeGreaterThan(3);
    for (const secret of [...logins, ...addresses]) expect(text).not.toContain(secret);
    expect(text).not.toContain('@');
    const allowed: Record<string, ReadonlySet<string>> = {
      resource: new Set(['', '(other)', 'billing', 'reports', 'vault', 'wiki', 'payroll', 'hr']),
      reason: new Set(['INVALID_OTP', 'OTP_EXPIRED', 'BLOCKED', 'NOT_ASSIGNED', 'ACCESS_RESTRICTED', 'DELIVERY_FAILED', 'OTHER', 'sends', 'requests', 'admin', 'failed_attempts']),
      outcome: new Set(['ok', 'refused', 'error', 'failed']),
    };
    for (const sample of samples(text)) {
      for (const [label, v] of Object.entries(sample.labels)) {
        if (label === 'le') continue;
        expect({ label, value: v, known: allowed[label]?.has(v) ?? false }).toEqual({ label, value: v, known: true });
      }
    }
  });

  it('caps the distinct resources, counting the rest as (other)', async () => {
    const own = new Registry();
    const other = world.make({}, true);
    const metrics = protectimusMetrics(other, { registry: own, maxResources: 1 });
    try {
      for (const name of ['first', 'second', 'third']) {
        const { login, email } = await seedUser(other, { resource: { name } });
        const mail = world.smtp.waitForMail(email);
        await other.prepare({ resource: name, login });
        await mail;
      }
      expect(await value(own, 'protectimus_codes_sent_total', { resource: 'first' })).toBe(1);
      expect(await value(own, 'protectimus_codes_sent_total', { resource: '(other)' })).toBe(2);
      expect(await value(own, 'protectimus_codes_sent_total', { resource: 'second' })).toBe(0);
    } finally {
      metrics.stop();
    }
  });

  it('stops measuring on stop(): the instance runs its own methods again and counts nothing more', async () => {
    const own = new Registry();
    const other = world.make({}, true);
    const metrics = protectimusMetrics(other, { registry: own });
    expect(Object.hasOwn(other, 'prepare')).toBe(true);
    metrics.stop();
    expect(Object.hasOwn(other, 'prepare')).toBe(false);
    expect(Object.hasOwn(other, 'authenticate')).toBe(false);
    const { login, email } = await seedUser(other, { resource: { name: 'after-stop' } });
    const mail = world.smtp.waitForMail(email);
    await other.prepare({ resource: 'after-stop', login });
    await mail;
    expect(await value(own, 'protectimus_codes_sent_total', { resource: 'after-stop' })).toBe(0);
    expect(await value(own, 'protectimus_mail_delivery_seconds_count', { outcome: 'ok' })).toBe(0);
  });
});

describe('protectimus_store_up against Redis', () => {
  let smtpWorld: World;
  beforeAll(async () => {
    smtpWorld = await startWorld('redis');
  });
  afterAll(() => smtpWorld.close());

  function over(client: Redis): Protectimus {
    return createProtectimus({ store: new RedisStore({ client, prefix: smtpWorld.prefix }), mail: { transport: smtpWorld.smtp.url, from: 'x@example.com' }, secret: SECRET });
  }

  it('is 0 when Redis is down, and the instance refuses with STORE_UNAVAILABLE', async () => {
    const client = deadRedis();
    const pm = over(client);
    const registry = new Registry();
    const metrics = protectimusMetrics(pm, { registry });
    try {
      expect(await value(registry, 'protectimus_store_up')).toBe(0);
      await expect(pm.authenticate({ resource: 'any', login: 'kate', otp: '123456' })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      expect(await value(registry, 'protectimus_authenticate_duration_seconds_count', { outcome: 'error' })).toBe(1);
    } finally {
      metrics.stop();
      await pm.close();
      client.disconnect();
    }
  });

  it('goes from 1 to 0 when the connection drops and back to 1 when it is up again', async () => {
    const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
    const pm = over(client);
    const registry = new Registry();
    const metrics = protectimusMetrics(pm, { registry });
    try {
      await client.connect();
      expect(await value(registry, 'protectimus_store_up')).toBe(1);
      const ended = once(client, 'end');
      client.disconnect();
      await ended;
      expect(await value(registry, 'protectimus_store_up')).toBe(0);
      await client.connect();
      expect(await value(registry, 'protectimus_store_up')).toBe(1);
    } finally {
      metrics.stop();
      await pm.close();
      client.disconnect();
    }
  });
});

describe('loading prom-client', () => {
  it('is left to protectimusMetrics: without the package, a clear error naming it', () => {
    jest.isolateModules(() => {
      jest.doMock('prom-client', () => {
        throw Object.assign(new Error("Cannot find module 'prom-client'"), { code: 'MODULE_NOT_FOUND' });
      });
      // Loading core's public face needs no prom-client.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const core = require('../src/index') as typeof import('../src/index');
      const pm = core.createProtectimus({ mail: { transport: 'smtp://127.0.0.1:9', from: 'x@example.com' }, secret: SECRET });
      expect(() => core.protectimusMetrics(pm)).toThrow(/needs the package prom-client .*npm install prom-client/);
      void pm.close();
    });
  });
});
