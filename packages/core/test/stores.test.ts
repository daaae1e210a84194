import type { Redis } from 'ioredis';
import { MemoryStore } from '../src/stores/memory';
import { RedisStore } from '../src/stores/redis';
import type { Store } from '../src/stores/store';
import { FakeClock } from './support/clock';
import { redisFixture } from './support/redis';
import { storeSuite } from './store.suite';

storeSuite('MemoryStore', () => new MemoryStore());

describe('MemoryStore specifics', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('keeps exactly the newest `cap` events of each log', async () => {
    const store = new MemoryStore({ sweepIntervalMs: 0 });
    for (let i = 0; i < 3000; i++) await store.appendEvents([{ log: i % 2 ? 'security' : 'activity', data: String(i) }], { security: 5, activity: 10 });
    const kept = await store.listEvents(100, undefined, 'activity');
    expect(kept.map((e) => e.data)).toEqual(Array.from({ length: 10 }, (_, i) => String(2998 - 2 * i)));
    expect((await store.listEvents(100, undefined, 'security')).map((e) => e.data)).toEqual(['2999', '2997', '2995', '2993', '2991']);
    // Ids compare as strings in the order they were given, across both logs.
    const all = await store.listEvents(100);
    expect(all).toHaveLength(15);
    const ids = all.map((e) => e.id).reverse();
    expect([...ids].sort()).toEqual(ids);
    expect((await store.listEvents(100, kept[4]?.id, 'activity')).map((e) => e.data)).toEqual(['2988', '2986', '2984', '2982', '2980']);
  });

  it('sweeps expired entries on a timer so memory stays bounded', async () => {
    jest.useFakeTimers();
    const store = new MemoryStore({ sweepIntervalMs: 1_000 });
    const tokens = (store as unknown as { tokens: Map<string, { ch: Map<string, unknown>; sends: unknown[] }> }).tokens;
    const clock = new FakeClock();
    const base = { now: clock.now(), ttlMs: 5_000, maxAttempts: 3, resend: false, cooldownMs: 0, maxSendsPerHour: 10, minCounter: 0 };
    await store.reserve({ ...base, tokenId: 't1', resourceId: 'r1' });
    await store.setTokenBlock('t2', { reason: 'admin', until: clock.now() + 5_000 }, clock.now());
    await store.setTokenBlock('t3', { reason: 'admin', until: null }, clock.now());

    // Cleanup follows the real clock plus the grace, never the fake one.
    jest.advanceTimersByTime(5_000 + 29_000);
    expect(tokens.get('t1')?.ch.size).toBe(1);
    jest.advanceTimersByTime(2_000);
    expect(tokens.get('t1')?.ch.size).toBe(0);
    expect(tokens.has('t2')).toBe(false);
    expect(tokens.has('t3')).toBe(true);
    // The HOTP counter outlives the challenge; the send times go after an hour.
    expect(tokens.get('t1')?.sends).toHaveLength(1);
    jest.advanceTimersByTime(3_600_000);
    expect(tokens.get('t1')?.sends).toHaveLength(0);
    expect(await store.reserve({ ...base, tokenId: 't1', resourceId: 'r1' })).toMatchObject({ counter: 2 });
    await store.close();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('treats an entry past its cleanup time as gone even before a sweep', async () => {
    jest.useFakeTimers();
    const store = new MemoryStore({ sweepIntervalMs: 0 });
    const clock = new FakeClock();
    const args = { tokenId: 't', resourceId: 'r', now: clock.now(), ttlMs: 1_000, maxAttempts: 3, resend: false, cooldownMs: 0, maxSendsPerHour: 10, minCounter: 0 };
    await store.reserve(args);
    expect((await store.reserve(args)).status).toBe('open');
    jest.advanceTimersByTime(1_000 + 30_000);
    // Same fake `now`: only the cleanup deadline passed, as a Redis key past its PX.
    expect(await store.reserve(args)).toMatchObject({ status: 'reserved', counter: 2 });
  });
});

describe('RedisStore on a real Redis', () => {
  const fx = redisFixture();
  let client: Redis;
  let other: Redis;
  const prefixes = new WeakMap<Store, string>();
  let n = 0;

  beforeAll(() => {
    client = fx.client();
    other = fx.client();
  });

  afterAll(async () => {
    await fx.cleanup();
  });

  storeSuite(
    'RedisStore',
    () => {
      // Each test its own prefix under the file's, so tests start empty and cleanup takes all.
      const prefix = `${fx.prefix}${++n}:`;
      const store = new RedisStore({ client, prefix });
      prefixes.set(store, prefix);
      return store;
    },
    { peerOf: (store) => new RedisStore({ client: other, prefix: prefixes.get(store) ?? '' }) },
  );
});
