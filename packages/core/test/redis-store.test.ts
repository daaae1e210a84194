import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { dirKey, dirList } from '../src/stores/store';
import { CALL_WINDOW_MS, SEND_WINDOW_MS, TTL_GRACE_MS } from '../src/stores/lua';
import { RedisStore } from '../src/stores/redis';
import { FakeClock } from './support/clock';
import { REDIS_URL, redisFixture } from './support/redis';

/** CRC16/XMODEM, the checksum Redis Cluster maps keys to slots with. */
function crc16(buf: Buffer): number {
  let crc = 0;
  for (const byte of buf) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The Cluster slot of a key, honouring its first non-empty `{hash tag}`. */
function keySlot(key: string): number {
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) key = key.slice(open + 1, close);
  }
  return crc16(Buffer.from(key)) % 16384;
}

const fx = redisFixture();
let admin: Redis;
const hash = createHash('sha256').update('code').digest('base64url');

beforeAll(() => {
  admin = fx.client();
});

afterAll(async () => {
  await fx.cleanup();
});

async function scanAll(match: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await admin.scan(cursor, 'MATCH', match, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys.sort();
}

/** A store with its own prefix under the file's, over a connection of the fixture. */
function newStore(tag: string) {
  const prefix = `${fx.prefix}${tag}:`;
  return { prefix, store: new RedisStore({ client: fx.client(), prefix }) };
}

/** Exercises every kind of key one token and the directory can have. */
async function populate(store: RedisStore, tokenId: string, clock: FakeClock) {
  const now = clock.now();
  const base = { tokenId, now, ttlMs: 300_000, maxAttempts: 3, resend: false, cooldownMs: 30_000, maxSendsPerHour: 10, minCounter: 0 };
  const r1 = await store.reserve({ ...base, resourceId: 'r1', maxPerMinute: 60 });
  await store.reserve({ ...base, resourceId: 'r2' });
  if (r1.status !== 'reserved') throw new Error(r1.status);
  await store.fill(tokenId, 'r1', r1.counter, hash);
  const v = { tokenId, codeHash: 'x', pinOk: true, now, lockAfter: 5, lockMs: 60_000, hardBlockAfter: 100 };
  await store.verify({ ...v, resourceId: 'r1' });
  await store.setTokenBlock(tokenId, { reason: 'admin', until: now + 60_000 }, now);
  await store.dirCommit(0, [
    { op: 'set', key: dirKey.token(tokenId), value: '{}' },
    { op: 'set', key: dirKey.tokenName(tokenId), value: tokenId },
    { op: 'zadd', key: dirList.tokens, member: tokenId },
    { op: 'zadd', key: dirList.tokenResources(tokenId), member: 'r1' },
  ]);
  await store.appendEvents(
    [
      { log: 'security', data: JSON.stringify({ tokenId }) },
      { log: 'activity', data: JSON.stringify({ tokenId }) },
    ],
    { security: 100, activity: 100 },
  );
}

describe('RedisStore keys', () => {
  it('writes every key under its prefix', async () => {
    const { prefix, store } = newStore('under');
    const tokenId = `tok_${randomBytes(8).toString('hex')}`;
    await populate(store, tokenId, new FakeClock());
    const mine = await scanAll(`*${tokenId}*`);
    expect(mine.length).toBeGreaterThanOrEqual(9);
    for (const k of mine) expect(k.startsWith(prefix)).toBe(true);
    expect(await admin.exists(`${prefix}{d}:ver`, `${prefix}{ev}:sec`, `${prefix}{ev}:log`)).toBe(3);
  });

  it('keeps all keys of one token in one hash slot, and the whole directory in another', async () => {
    expect(keySlot('foo')).toBe(12182);
    expect(keySlot('{user1000}.following')).toBe(keySlot('{user1000}.followers'));

    const { prefix, store } = newStore('slots');
    const tokenId = `tok_${randomBytes(8).toString('base64url')}`;
    await populate(store, tokenId, new FakeClock());
    const tokenKeys = await scanAll(`${prefix}{t:${tokenId}}:*`);
    expect(tokenKeys.map((k) => k.slice(prefix.length + tokenId.length + 5))).toEqual([
      'blk',
      'calls',
      'ch:r1',
      'ch:r2',
      'ctr',
      'fails',
      'sends',
    ]);
    expect(new Set(tokenKeys.map(keySlot)).size).toBe(1);

    const dirKeys = await scanAll(`${prefix}{d}:*`);
    expect(dirKeys.length).toBe(5);
    expect(new Set(dirKeys.map(keySlot))).toEqual(new Set([keySlot(`${prefix}{d}:ver`)]));

    // Both audit logs share one slot, so one script appends to both and one reads both.
    const logKeys = await scanAll(`${prefix}{ev}:*`);
    expect(logKeys).toEqual([`${prefix}{ev}:log`, `${prefix}{ev}:sec`]);
    expect(new Set(logKeys.map(keySlot)).size).toBe(1);
  });

  it('sets cleanup TTLs on challenges, send times, call counts and temporary blocks only', async () => {
    const { prefix, store } = newStore('ttl');
    const clock = new FakeClock();
    const tokenId = 'tok_ttl';
    const key = (s: string) => `${prefix}{t:${tokenId}}:${s}`;
    const ttlMs = 300_000;
    const base = { tokenId, resourceId: 'r1', now: clock.now(), ttlMs, maxAttempts: 3, resend: false, cooldownMs: 0, maxSendsPerHour: 10, minCounter: 0 };
    const r = await store.reserve({ ...base, maxPerMinute: 60 });
    if (r.status !== 'reserved') throw new Error(r.status);

    const within = async (k: string, max: number) => {
      const pttl = await admin.pttl(k);
      expect(pttl).toBeGreaterThan(max - 5_000);
      expect(pttl).toBeLessThanOrEqual(max);
    };
    await within(key('ch:r1'), ttlMs + TTL_GRACE_MS);
    await within(key('sends'), SEND_WINDOW_MS + TTL_GRACE_MS);
    await within(key('calls'), CALL_WINDOW_MS + TTL_GRACE_MS);
    expect(await admin.pttl(key('ctr'))).toBe(-1);

    // Filling and failing rewrite the challenge without extending or dropping its TTL.
    await store.fill(tokenId, 'r1', r.counter, hash);
    await within(key('ch:r1'), ttlMs + TTL_GRACE_MS);
    const v = { tokenId, resourceId: 'r1', codeHash: 'x', pinOk: true, now: clock.now(), lockAfter: 2, lockMs: 120_000, hardBlockAfter: 100 };
    expect((await store.verify(v)).status).toBe('invalid');
    await within(key('ch:r1'), ttlMs + TTL_GRACE_MS);
    expect(await admin.get(key('ch:r1'))).toMatch(new RegExp(`^${hash}\\|2\\|`));
    expect(await admin.pttl(key('fails'))).toBe(-1);

    // A lock expires with its end (plus grace); a hard block never does.
    expect((await store.verify(v)).status).toBe('blocked');
    await within(key('blk'), 120_000 + TTL_GRACE_MS);
    await store.setTokenBlock(tokenId, { reason: 'admin', until: null }, clock.now());
    expect(await admin.pttl(key('blk'))).toBe(-1);
    await store.setTokenBlock(tokenId, { reason: 'admin', until: clock.now() + 10_000 }, clock.now());
    await within(key('blk'), 10_000 + TTL_GRACE_MS);
  });

  it('keeps a replaced challenge aside with its own TTL until the resend is discarded or purged', async () => {
    const { prefix, store } = newStore('prev');
    const clock = new FakeClock();
    const tokenId = `tok_${randomBytes(8).toString('hex')}`;
    const key = (s: string) => `${prefix}{t:${tokenId}}:${s}`;
    const base = { tokenId, resourceId: 'r1', ttlMs: 300_000, maxAttempts: 3, cooldownMs: 30_000, maxSendsPerHour: 10, minCounter: 0 };
    const r1 = await store.reserve({ ...base, now: clock.now(), resend: false });
    if (r1.status !== 'reserved') throw new Error(r1.status);
    await store.fill(tokenId, 'r1', r1.counter, hash);
    const old = await admin.get(key('ch:r1'));
    clock.advance(30_000);
    const r2 = await store.reserve({ ...base, now: clock.now(), resend: true });
    if (r2.status !== 'reserved') throw new Error(r2.status);
    await store.fill(tokenId, 'r1', r2.counter, hash);
    expect(await admin.get(key('prev:r1'))).toBe(old);
    const pttl = await admin.pttl(key('prev:r1'));
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(300_000 + TTL_GRACE_MS);
    expect(keySlot(key('prev:r1'))).toBe(keySlot(key('ch:r1')));

    await store.discard(tokenId, 'r1', r2.counter, clock.now());
    expect(await admin.get(key('ch:r1'))).toBe(old);
    expect(await admin.pttl(key('ch:r1'))).toBeLessThanOrEqual(pttl);
    expect(await admin.exists(key('prev:r1'))).toBe(0);

    clock.advance(30_000);
    const r3 = await store.reserve({ ...base, now: clock.now(), resend: true });
    if (r3.status !== 'reserved') throw new Error(r3.status);
    expect(await admin.exists(key('prev:r1'))).toBe(1);
    await store.purgeToken(tokenId, ['r1']);
    expect(await scanAll(`${prefix}{t:${tokenId}}:*`)).toEqual([]);
  });

  it('keeps an open challenge small', async () => {
    const { prefix, store } = newStore('mem');
    const clock = new FakeClock();
    const tokenId = `tok_${randomBytes(9).toString('base64url')}`;
    const r = await store.reserve({ tokenId, resourceId: `res_${randomBytes(9).toString('base64url')}`, now: clock.now(), ttlMs: 300_000, maxAttempts: 3, resend: false, cooldownMs: 0, maxSendsPerHour: 10, minCounter: 0 });
    if (r.status !== 'reserved') throw new Error(r.status);
    const [chKey] = await scanAll(`${prefix}{t:${tokenId}}:ch:*`);
    if (!chKey) throw new Error('no challenge key');
    await store.fill(tokenId, chKey.split(':ch:')[1] ?? '', r.counter, hash);
    const usage = (await admin.call('MEMORY', 'USAGE', chKey)) as number;
    expect(usage).toBeLessThanOrEqual(256);
  });
});

describe('RedisStore scripts', () => {
  it('loads each script once per connection and then calls it by EVALSHA', async () => {
    const { prefix, store } = newStore('sha');
    const monitor = await fx.client().monitor();
    const seen: string[] = [];
    const marker = `${prefix}done`;
    const done = new Promise<void>((resolve) => {
      monitor.on('monitor', (_time: string, args: string[], source: string) => {
        if (args[0]?.toLowerCase() === 'echo' && args[1] === marker) resolve();
        if (source !== 'lua' && args[0]?.toLowerCase() !== 'echo' && args.some((a) => a.startsWith(prefix))) seen.push(args[0]?.toLowerCase() ?? '');
      });
    });
    try {
      const clock = new FakeClock();
      const base = { tokenId: 't', resourceId: 'r', now: clock.now(), ttlMs: 300_000, maxAttempts: 100, resend: false, cooldownMs: 0, maxSendsPerHour: 10, minCounter: 0 };
      for (let i = 0; i < 5; i++) {
        await store.reserve(base);
        await store.verify({ tokenId: 't', resourceId: 'r', codeHash: 'x', pinOk: true, now: clock.now(), lockAfter: 50, lockMs: 1, hardBlockAfter: 100 });
      }
      await admin.echo(marker);
      await done;
      expect(seen.filter((c) => c === 'eval').length).toBeLessThanOrEqual(2);
      expect(seen.filter((c) => c === 'evalsha').length).toBeGreaterThanOrEqual(8);
      expect(seen.filter((c) => c !== 'eval' && c !== 'evalsha')).toEqual([]);
    } finally {
      monitor.disconnect();
    }
  });

  it('never uses the KEYS command', () => {
    const dir = join(__dirname, '..', 'src', 'stores');
    const files = ['redis.ts', 'lua.ts'];
    for (const f of files) {
      const src = readFileSync(join(dir, f), 'utf8');
      expect(src).not.toMatch(/redis\.call\(\s*['"]keys['"]/i);
      expect(src).not.toMatch(/['"]KEYS['"]/i);
      expect(src.replace(/Object\.keys\(/g, '')).not.toMatch(/\.keys\(/);
    }
  });
});

describe('RedisStore connections', () => {
  let silent: Server;
  let silentPort = 0;
  const accepted = new Set<Socket>();

  beforeAll(async () => {
    // Accepts connections and never answers: a hung Redis.
    silent = createServer((socket) => {
      accepted.add(socket);
      socket.resume();
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    silentPort = typeof address === 'object' && address ? address.port : 0;
  });

  afterAll(async () => {
    for (const socket of accepted) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('validates its options', () => {
    const client = fx.client();
    expect(() => new RedisStore({ client, prefix: 'a{b' })).toThrow(/prefix/);
    expect(() => new RedisStore({ client, prefix: 'a}' })).toThrow(/prefix/);
    expect(() => new RedisStore({})).toThrow(/exactly one/);
    expect(() => new RedisStore({ client, url: REDIS_URL })).toThrow(/exactly one/);
    const prefixed = new Redis(REDIS_URL, { keyPrefix: 'x:', lazyConnect: true });
    expect(() => new RedisStore({ client: prefixed })).toThrow(/keyPrefix/);
    prefixed.disconnect();
  });

  it('opens its own client from a URL and quits it on close', async () => {
    const prefix = `${fx.prefix}url:`;
    const store = new RedisStore({ url: REDIS_URL, prefix });
    expect(await store.dirCommit(0, [{ op: 'set', key: 'k', value: 'v' }])).toBe(true);
    expect(await admin.get(`${prefix}{d}:k`)).toBe('v');
    const own = (store as unknown as { client: Redis }).client;
    await store.close();
    expect(own.status).toBe('end');
    await expect(store.dirGet(['k'])).rejects.toThrow();
    await store.close();
  });

  it('never quits a client it was given', async () => {
    const client = fx.client();
    const store = new RedisStore({ client, prefix: `${fx.prefix}given:` });
    await store.dirGet([]);
    await store.close();
    expect(await client.ping()).toBe('PONG');
  });

  it('rejects within about 2 s when Redis is down', async () => {
    const store = new RedisStore({ url: 'redis://127.0.0.1:1', prefix: `${fx.prefix}down:` });
    const started = Date.now();
    await expect(store.dirGet(['a'])).rejects.toThrow();
    await expect(store.verify({ tokenId: 't', resourceId: 'r', codeHash: 'x', pinOk: true, now: 0, lockAfter: 3, lockMs: 1, hardBlockAfter: 100 })).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(2_500);
    await store.close();
  });

  it('rejects within about 2 s when Redis accepts but never answers', async () => {
    const store = new RedisStore({ url: `redis://127.0.0.1:${silentPort}`, prefix: `${fx.prefix}hung:` });
    const started = Date.now();
    await expect(store.dirGet(['a'])).rejects.toThrow();
    // The command timeout is 2 s; the margin is for a loaded CI machine, not for the store.
    expect(Date.now() - started).toBeLessThan(3_500);
    await store.close();
  });

  it('rejects when its client is gone instead of hiding the failure', async () => {
    const client = fx.client();
    const store = new RedisStore({ client, prefix: `${fx.prefix}gone:` });
    client.disconnect();
    await expect(store.tokenBlocks(['t'], 0)).rejects.toThrow();
    await expect(store.appendEvents([{ log: 'security', data: 'x' }], { security: 10, activity: 10 })).rejects.toThrow();
  });
});
