/**
 * Redis killed under a running app (core level): a redis-server of this file's own, killed with
 * SIGKILL and started again on the same port. Every call fails closed with STORE_UNAVAILABLE
 * within the store's bounds, nothing is mailed while it is down, the same instance works again
 * after the restart, and open challenges (kept by Redis's append-only file) survive both the Redis
 * crash and an app restart.
 */
import { createProtectimus, type Protectimus } from '../../packages/core/src/protectimus';
import { isProtectimusError } from '../../packages/core/src/errors';
import { RedisStore } from '../../packages/core/src/stores/redis';
import { seedUser } from '../../packages/core/test/support/protectimus';
import { startSmtp, type TestSmtp } from '../../packages/core/test/support/smtp';
import { startRedisServer, waitFor, type RedisServer } from '../support/redis-server';

jest.setTimeout(60_000);

const SECRET = 'HFzm7aKYpbOYUnVnfFzeKsTImhgUGeirRLrW6JGHKdM';
let redis: RedisServer;
let smtp: TestSmtp;
const instances: Protectimus[] = [];

/** An app's instance as `protectimusFromEnv` builds it: a RedisStore that owns its client (fail-fast settings). */
function app(): Protectimus {
  const pm = createProtectimus({
    store: new RedisStore({ url: redis.url, prefix: 'pmfault:' }),
    mail: { transport: smtp.url, from: 'Security <no-reply@example.com>' },
    secret: SECRET,
  });
  instances.push(pm);
  return pm;
}

async function closeStore(pm: Protectimus): Promise<void> {
  await pm.close();
  await pm.store.close();
}

beforeAll(async () => {
  redis = await startRedisServer({ persistent: true });
  smtp = await startSmtp();
});

afterAll(async () => {
  await Promise.all(instances.map((pm) => closeStore(pm).catch(() => undefined)));
  await smtp?.close();
  await redis?.stop();
});

// A test that fails half-way must not leave Redis down for the next one.
afterEach(async () => {
  if (!redis.alive) await redis.start();
});

// The audit log write is not awaited; with Redis down it warns. Keep the test output readable.
const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
afterAll(() => warn.mockRestore());

/** Retries `fn` until it stops failing with STORE_UNAVAILABLE (the client reconnecting), up to 10 s. */
async function retry<T>(fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (!isProtectimusError(err, 'STORE_UNAVAILABLE') || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function expectUnavailable(call: Promise<unknown>): Promise<number> {
  const started = Date.now();
  await expect(call).rejects.toMatchObject({ name: 'ProtectimusError', code: 'STORE_UNAVAILABLE', status: 503 });
  return Date.now() - started;
}

describe('Redis killed and restarted under one running instance', () => {
  it('fails closed while Redis is down, mails nothing, then works again without a new instance', async () => {
    const pm = app();
    const alice = await seedUser(pm, { login: 'alice', pin: 'a1b2', pinPosition: 'before' });
    expect((await pm.prepare({ resource: alice.resource.name, login: 'alice' })).sent).toBe(true);
    const code = smtp.codeFrom(await smtp.waitForMail(alice.email));
    const mails = smtp.messages.length;

    await redis.kill();
    const input = { resource: alice.resource.name, login: 'alice' };
    const took = [
      await expectUnavailable(pm.authenticate({ ...input, otp: `a1b2${code}` })),
      await expectUnavailable(pm.authenticate({ ...input, otp: 'a1b2000000' })),
      await expectUnavailable(pm.prepare(input)),
      await expectUnavailable(pm.prepare({ ...input, resend: true })),
      await expectUnavailable(pm.tokens.get(alice.token.id)),
      await expectUnavailable(pm.users.create({ login: 'zed' })),
    ];
    // Fail fast, as the store promises: a user is not left waiting on a dead Redis.
    for (const ms of took) expect(ms).toBeLessThan(2_500);
    expect(smtp.messages.length).toBe(mails);

    await redis.start();
    // The same instance reconnects by itself; the open challenge came back with Redis.
    await waitFor('the store to reconnect', async () => (await pm.prepare(input)).sent === false, 10_000, 100);
    expect(smtp.messages.length).toBe(mails);
    // The attempts made while Redis was down were never counted: the right code still works, once.
    const ok = await pm.authenticate({ ...input, otp: `a1b2${code}` });
    expect(ok.user.login).toBe('alice');
    await expect(pm.authenticate({ ...input, otp: `a1b2${code}` })).rejects.toMatchObject({ code: 'OTP_EXPIRED' });
  });

  it('never lets a wrong code through while Redis dies in the middle of a burst, and recovers', async () => {
    const pm = app();
    const users = [];
    for (let i = 0; i < 4; i++) {
      const u = await seedUser(pm, { login: `burst${i}`, resource: { failedAttemptsBeforeLock: 10 } });
      await pm.prepare({ resource: u.resource.name, login: u.login });
      users.push({ ...u, code: smtp.codeFrom(await smtp.waitForMail(u.email)) });
    }
    // Wrong codes only (each user's code plus one, mod 10^6): none may ever pass.
    const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    const outcomes = new Map<string, number>();
    const note = (k: string) => outcomes.set(k, (outcomes.get(k) ?? 0) + 1);
    const calls: Promise<void>[] = [];
    const killer = new Promise<void>((resolve) => setTimeout(() => redis.kill().then(resolve), 30));
    for (let wave = 0; wave < 40; wave++) {
      for (const u of users) {
        calls.push(
          pm.authenticate({ resource: u.resource.name, login: u.login, otp: wrong(u.code) }).then(
            () => void note('PASSED'),
            (err: unknown) => void note(isProtectimusError(err) ? err.code : `raw:${String(err)}`),
          ),
        );
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    await killer;
    await Promise.all(calls);
    expect(outcomes.get('PASSED')).toBeUndefined();
    expect([...outcomes.keys()].every((k) => ['INVALID_OTP', 'OTP_EXPIRED', 'BLOCKED', 'STORE_UNAVAILABLE'].includes(k))).toBe(true);
    expect(outcomes.get('STORE_UNAVAILABLE')).toBeGreaterThan(0);

    await redis.start();
    // Recovery, on the same instance: a user who took no part in the burst gets a code and passes.
    const dave = await retry(() => seedUser(pm, { login: 'dave' }));
    expect((await pm.prepare({ resource: dave.resource.name, login: 'dave' })).sent).toBe(true);
    const code = smtp.codeFrom(await smtp.waitForMail(dave.email));
    expect((await pm.authenticate({ resource: dave.resource.name, login: 'dave', otp: code })).user.login).toBe('dave');
    // And the burst's users are answered again (their wrong codes counted, none passed).
    const after = await pm.authenticate({ resource: users[0]!.resource.name, login: users[0]!.login, otp: '000000' }).catch((err: unknown) => err);
    expect(isProtectimusError(after) && after.code !== 'STORE_UNAVAILABLE').toBe(true);
  });
});

describe('an app restart', () => {
  it('keeps open challenges: a code mailed by one instance works on the next, once', async () => {
    const first = app();
    const bob = await seedUser(first, { login: 'bob', otpLength: 8, pin: 'Pin9', pinPosition: 'after' });
    await first.prepare({ resource: bob.resource.name, login: 'bob' });
    const code = smtp.codeFrom(await smtp.waitForMail(bob.email));
    await expect(first.authenticate({ resource: bob.resource.name, login: 'bob', otp: `${code}Pin8` })).rejects.toMatchObject({ code: 'INVALID_OTP', attemptsLeft: 2 });
    await closeStore(first);

    const second = app();
    // The restarted app sees the same open code (no new mail) with the attempt already spent.
    const again = await second.prepare({ resource: bob.resource.name, login: 'bob' });
    expect(again.sent).toBe(false);
    expect((await second.authenticate({ resource: bob.resource.name, login: 'bob', otp: `${code}Pin9` })).token.id).toBe(bob.token.id);
    await expect(second.authenticate({ resource: bob.resource.name, login: 'bob', otp: `${code}Pin9` })).rejects.toMatchObject({ code: 'OTP_EXPIRED' });
  });

  it('keeps open challenges through a Redis crash and an app restart together', async () => {
    const first = app();
    const carol = await seedUser(first, { login: 'carol' });
    await first.prepare({ resource: carol.resource.name, login: 'carol' });
    const code = smtp.codeFrom(await smtp.waitForMail(carol.email));
    await closeStore(first);
    await redis.kill();
    await redis.start();
    const second = app();
    expect((await second.authenticate({ resource: carol.resource.name, login: 'carol', otp: code })).user.login).toBe('carol');
  });
});
