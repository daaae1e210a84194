/**
 * RedisStore on a real 3-master Redis Cluster started by this file: the shared Store contract
 * (the same suite the memory and standalone stores pass) through `Redis.Cluster`, then a whole
 * authentication journey (admin, prepare with a real mail, authenticate, audit log) on it.
 */
import { randomBytes } from 'node:crypto';
import { Cluster } from 'ioredis';
import { createProtectimus, type Protectimus } from '../../packages/core/src/protectimus';
import { RedisStore } from '../../packages/core/src/stores/redis';
import type { Store } from '../../packages/core/src/stores/store';
import { storeSuite } from '../../packages/core/test/store.suite';
import { FakeClock } from '../../packages/core/test/support/clock';
import { startSmtp, type TestSmtp } from '../../packages/core/test/support/smtp';
import { startRedisCluster, type RedisCluster } from '../support/redis-cluster';

jest.setTimeout(60_000);

let cluster: RedisCluster;
const clients: Cluster[] = [];

function clusterClient(): Cluster {
  const client = new Cluster(cluster.startupNodes, { redisOptions: { maxRetriesPerRequest: 1 } });
  clients.push(client);
  return client;
}

beforeAll(async () => {
  cluster = await startRedisCluster(3);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
  await cluster?.stop();
});

describe('the cluster itself', () => {
  it('spreads the store keys of different tokens over the masters', async () => {
    const client = clusterClient();
    const slots = (await client.cluster('SLOTS')) as unknown as [number, number, [string, number]][];
    expect(new Set(slots.map((s) => s[2][1])).size).toBe(3);
    // The tags the store uses land on different nodes, so the suite below really crosses nodes.
    const owner = (key: string) => client.cluster('KEYSLOT', key) as Promise<number>;
    const slotOwners = async (keys: string[]) => {
      const owners = new Set<number>();
      for (const k of keys) {
        const slot = await owner(k);
        const range = slots.find(([from, to]) => slot >= from && slot <= to);
        owners.add(range?.[2][1] ?? -1);
      }
      return owners;
    };
    const keys = ['pm:{d}:ver', 'pm:{ev}:log', ...Array.from({ length: 20 }, (_, i) => `pm:{t:tok_${i}}:ch:r`)];
    expect((await slotOwners(keys)).size).toBe(3);
  });
});

let n = 0;
const run = randomBytes(4).toString('hex');
const prefixes = new WeakMap<Store, string>();
let suiteClient: Cluster | null = null;
let peerClient: Cluster | null = null;

storeSuite(
  'RedisStore on a 3-master Redis Cluster',
  () => {
    suiteClient ??= clusterClient();
    // Each test its own prefix: it starts on an empty directory, event log and counters.
    const prefix = `pmc${run}x${++n}:`;
    const store = new RedisStore({ client: suiteClient, prefix });
    prefixes.set(store, prefix);
    return store;
  },
  {
    peerOf: (store) => {
      peerClient ??= clusterClient();
      return new RedisStore({ client: peerClient, prefix: prefixes.get(store) ?? '' });
    },
  },
);

describe('an authentication journey on the Cluster', () => {
  let smtp: TestSmtp;
  let pm: Protectimus;
  const clock = new FakeClock();
  const secret = 'jLiWKR-20qigtCGeGmBNT6p-KKl6eMCeLEsm7NrHR8Q';

  beforeAll(async () => {
    smtp = await startSmtp();
    pm = createProtectimus({
      store: new RedisStore({ client: clusterClient(), prefix: `pmj${run}:` }),
      mail: { transport: smtp.url, from: 'Security <no-reply@example.com>' },
      secret,
      clock,
    });
  });

  afterAll(async () => {
    await pm?.close();
    await smtp?.close();
  });

  it('administers, mails a code, accepts it once, locks and unblocks, across nodes', async () => {
    const users = [];
    for (const login of ['alice', 'bob', 'carol']) {
      const token = await pm.tokens.createMail({ name: `${login} mail`, email: `${login}@example.com`, otpLength: 6, pin: 'pin1', pinPosition: 'after' });
      const user = await pm.users.create({ login, email: `${login}@example.com` });
      await pm.users.assignToken(user.id, token.id);
      users.push({ login, token, user });
    }
    const billing = await pm.resources.create({ name: 'billing', failedAttemptsBeforeLock: 3 });
    for (const u of users) await pm.resources.assignTokenWithUser(billing.id, u.token.id);
    expect(await pm.resources.assignments(billing.id)).toHaveLength(3);

    for (const { login } of users) {
      const sent = await pm.prepare({ resource: 'billing', login, ip: '127.0.0.1' });
      expect(sent).toMatchObject({ otpLength: 6, pin: 'after', sent: true });
      // A reload reuses the open code and mails nothing.
      expect((await pm.prepare({ resource: billing.id, login })).sent).toBe(false);
      const code = smtp.codeFrom(await smtp.waitForMail(`${login}@example.com`));
      await expect(pm.authenticate({ resource: 'billing', login, otp: `${code}pin2` })).rejects.toMatchObject({ code: 'INVALID_OTP', attemptsLeft: 2 });
      const ok = await pm.authenticate({ resource: 'billing', login, otp: ` ${code}pin1 ` });
      expect(ok.user.login).toBe(login);
      await expect(pm.authenticate({ resource: 'billing', login, otp: `${code}pin1` })).rejects.toMatchObject({ code: 'OTP_EXPIRED' });
    }

    // Three wrong codes in a row lock bob's token; the lock shows in the admin views (GETs on other nodes).
    const bob = users[1]!;
    clock.advanceSeconds(31);
    await pm.prepare({ resource: 'billing', login: 'bob', resend: true });
    await smtp.waitForMail('bob@example.com');
    for (let i = 0; i < 2; i++) await expect(pm.authenticate({ resource: 'billing', login: 'bob', otp: '000000pin1' })).rejects.toMatchObject({ code: 'INVALID_OTP' });
    await expect(pm.authenticate({ resource: 'billing', login: 'bob', otp: '000000pin1' })).rejects.toMatchObject({ code: 'BLOCKED' });
    const listed = await pm.tokens.list();
    const blocked = listed.items.filter((t) => t.blocked !== null).map((t) => t.id);
    expect(blocked).toEqual([bob.token.id]);
    await pm.tokens.unblock(bob.token.id);
    expect((await pm.tokens.get(bob.token.id)).blocked).toBeNull();
    expect((await pm.prepare({ resource: 'billing', login: 'bob' })).sent).toBe(true);

    const events = await pm.events.list({ limit: 500 });
    const types = new Set(events.items.map((e) => e.type));
    for (const t of ['otp.sent', 'otp.reused', 'otp.verified', 'otp.failed', 'otp.expired', 'token.blocked']) expect(types).toContain(t);
    expect(JSON.stringify(events.items)).not.toMatch(/pin1/);

    // Deleting a token clears its per-token keys with one multi-key DEL in its slot.
    await pm.tokens.remove(users[2]!.token.id);
    await expect(pm.prepare({ resource: 'billing', login: 'carol' })).rejects.toMatchObject({ code: 'NOT_ASSIGNED' });
  });
});
