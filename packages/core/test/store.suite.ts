import { createHmac, randomBytes } from 'node:crypto';
import { dirKey, type EventEntry, type ReserveArgs, type ReserveResult, type Store, type StoredEvent, type VerifyArgs } from '../src/stores/store';
import { FakeClock } from './support/clock';

/** Options of {@link storeSuite}. */
export interface StoreSuiteOptions {
  /**
   * A second store over the same data through another connection, for the cross-process race.
   * Omitted for stores whose data lives in one process.
   */
  peerOf?: (store: Store) => Store | Promise<Store>;
}

const HOUR = 3_600_000;
const TTL = 300_000;

/** A keyed hash as the core computes it: base64url HMAC-SHA256. */
function codeHash(code: string): string {
  return createHmac('sha256', 'suite-key').update(code).digest('base64url');
}
const RIGHT = codeHash('123456');
const WRONG = codeHash('654321');

function id(kind: string): string {
  return `${kind}_${randomBytes(6).toString('base64url')}`;
}

/**
 * The behaviour every `Store` must share, declared as jest tests: run it once per store
 * implementation. `makeStore` is called for each test and must give an empty store (or one
 * whose other contents cannot collide with random ids); every store made is closed after its test.
 */
export function storeSuite(name: string, makeStore: () => Store | Promise<Store>, options: StoreSuiteOptions = {}): void {
  describe(`${name}: Store contract`, () => {
    const opened: Store[] = [];

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    async function setup() {
      const store = await makeStore();
      opened.push(store);
      const clock = new FakeClock();
      const tokenId = id('tok');
      const resourceId = id('res');
      const reserve = (over: Partial<ReserveArgs> = {}): Promise<ReserveResult> =>
        store.reserve({
          tokenId,
          resourceId,
          now: clock.now(),
          ttlMs: TTL,
          maxAttempts: 3,
          resend: false,
          cooldownMs: 30_000,
          maxSendsPerHour: 10,
          minCounter: 0,
          ...over,
        });
      const verify = (over: Partial<VerifyArgs> = {}) =>
        store.verify({
          tokenId,
          resourceId,
          codeHash: RIGHT,
          pinOk: true,
          now: clock.now(),
          lockAfter: 5,
          lockMs: 300_000,
          hardBlockAfter: 100,
          ...over,
        });
      /** Reserve and fill: a challenge whose code is RIGHT. */
      const open = async (over: Partial<ReserveArgs> = {}): Promise<number> => {
        const r = await reserve(over);
        if (r.status !== 'reserved') throw new Error(`expected reserved, got ${r.status}`);
        expect(await store.fill(over.tokenId ?? tokenId, over.resourceId ?? resourceId, r.counter, RIGHT)).toBe(true);
        return r.counter;
      };
      return { store, clock, tokenId, resourceId, reserve, verify, open };
    }

    describe('directory', () => {
      it('reads nulls and version 0 from an empty directory', async () => {
        const { store } = await setup();
        expect(await store.dirGet([])).toEqual({ version: 0, values: [] });
        expect(await store.dirGet(['a', 'b'])).toEqual({ version: 0, values: [null, null] });
        expect(await store.dirRange('L:x', null, 10)).toEqual({ version: 0, members: [] });
      });

      it('applies the ops of a commit in order and bumps the version', async () => {
        const { store } = await setup();
        const ok = await store.dirCommit(0, [
          { op: 'set', key: 'a', value: '{"n":1}' },
          { op: 'set', key: 'b', value: 'two' },
          { op: 'del', key: 'b' },
          { op: 'set', key: 'a', value: '{"n":2}' },
          { op: 'zadd', key: 'L:x', member: 'm1' },
          { op: 'zadd', key: 'L:x', member: 'm2' },
          { op: 'zrem', key: 'L:x', member: 'm1' },
          { op: 'zrem', key: 'L:none', member: 'm1' },
          { op: 'del', key: 'never-there' },
        ]);
        expect(ok).toBe(true);
        expect(await store.dirGet(['a', 'b'])).toEqual({ version: 1, values: ['{"n":2}', null] });
        expect(await store.dirRange('L:x', null, 10)).toEqual({ version: 1, members: ['m2'] });
        expect(await store.dirCommit(1, [])).toBe(true);
        expect((await store.dirGet([])).version).toBe(2);
      });

      it('refuses a commit on a stale version and applies none of its ops', async () => {
        const { store } = await setup();
        expect(await store.dirCommit(0, [{ op: 'set', key: 'a', value: '1' }])).toBe(true);
        const stale = await store.dirCommit(0, [
          { op: 'set', key: 'b', value: '2' },
          { op: 'del', key: 'a' },
          { op: 'zadd', key: 'L:x', member: 'm' },
        ]);
        expect(stale).toBe(false);
        expect(await store.dirCommit(7, [{ op: 'set', key: 'b', value: '2' }])).toBe(false);
        expect(await store.dirGet(['a', 'b'])).toEqual({ version: 1, values: ['1', null] });
        expect((await store.dirRange('L:x', null, 10)).members).toEqual([]);
      });

      it('rejects a commit with an op the key cannot take, applying nothing', async () => {
        const { store } = await setup();
        expect(await store.dirCommit(0, [{ op: 'set', key: 's', value: 'x' }])).toBe(true);
        await expect(
          store.dirCommit(1, [
            { op: 'set', key: 'a', value: '1' },
            { op: 'zadd', key: 's', member: 'm' },
          ]),
        ).rejects.toThrow(/WRONGTYPE/);
        expect(await store.dirGet(['a', 's'])).toEqual({ version: 1, values: [null, 'x'] });
      });

      it('pages an ordered list after a member, exclusively', async () => {
        const { store } = await setup();
        const ops = ['e', 'c', 'a', 'd', 'b', 'c'].map((member) => ({ op: 'zadd' as const, key: 'L:p', member }));
        expect(await store.dirCommit(0, ops)).toBe(true);
        expect(await store.dirRange('L:p', null, 2)).toEqual({ version: 1, members: ['a', 'b'] });
        expect(await store.dirRange('L:p', 'b', 2)).toEqual({ version: 1, members: ['c', 'd'] });
        expect(await store.dirRange('L:p', 'd', 2)).toEqual({ version: 1, members: ['e'] });
        expect(await store.dirRange('L:p', 'e', 2)).toEqual({ version: 1, members: [] });
        expect((await store.dirRange('L:p', 'bb', 10)).members).toEqual(['c', 'd', 'e']);
        expect((await store.dirRange('L:p', null, 0)).members).toEqual([]);
      });

      it('orders members by their UTF-8 bytes', async () => {
        const { store } = await setup();
        const members = ['b', 'B', 'a', 'ab', 'é', '\u{1F600}', '\uFFFD', '0', 'a b'];
        await store.dirCommit(
          0,
          members.map((member) => ({ op: 'zadd' as const, key: 'L:u', member })),
        );
        const bytewise = [...members].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
        expect((await store.dirRange('L:u', null, 100)).members).toEqual(bytewise);
        expect((await store.dirRange('L:u', '\uFFFD', 100)).members).toEqual(['\u{1F600}']);
      });
    });

    describe('resolve', () => {
      async function seeded() {
        const s = await setup();
        const ok = await s.store.dirCommit(0, [
          { op: 'set', key: dirKey.resource('r1'), value: 'R1' },
          { op: 'set', key: dirKey.resourceName('billing'), value: 'r1' },
          { op: 'set', key: dirKey.resourceName('ghost'), value: 'r9' },
          { op: 'set', key: dirKey.login('alice'), value: 'u1' },
          { op: 'set', key: dirKey.user('u1'), value: 'U1' },
          { op: 'set', key: dirKey.login('bob'), value: 'u2' },
          { op: 'set', key: dirKey.user('u2'), value: 'U2' },
          { op: 'set', key: dirKey.login('carol'), value: 'u3' },
          { op: 'set', key: dirKey.user('u3'), value: 'U3' },
          { op: 'set', key: dirKey.login('dave'), value: 'u4' },
          { op: 'set', key: dirKey.assignment('r1', 'u1'), value: 't1' },
          { op: 'set', key: dirKey.assignment('r1', 'u3'), value: 't3' },
          { op: 'set', key: dirKey.token('t1'), value: 'T1' },
        ]);
        expect(ok).toBe(true);
        return s.store;
      }

      it('follows the chain from a resource id or from its name', async () => {
        const store = await seeded();
        expect(await store.resolve('r1', 'alice')).toEqual({ resource: 'R1', user: 'U1', token: 'T1' });
        expect(await store.resolve('billing', 'alice')).toEqual({ resource: 'R1', user: 'U1', token: 'T1' });
      });

      it('gives null for each missing link', async () => {
        const store = await seeded();
        expect(await store.resolve('nope', 'alice')).toEqual({ resource: null, user: 'U1', token: null });
        expect(await store.resolve('ghost', 'alice')).toEqual({ resource: null, user: 'U1', token: null });
        expect(await store.resolve('r1', 'nobody')).toEqual({ resource: 'R1', user: null, token: null });
        // A login whose user record is gone.
        expect(await store.resolve('r1', 'dave')).toEqual({ resource: 'R1', user: null, token: null });
        // No assignment on this resource.
        expect(await store.resolve('r1', 'bob')).toEqual({ resource: 'R1', user: 'U2', token: null });
        // An assignment to a token that no longer exists.
        expect(await store.resolve('r1', 'carol')).toEqual({ resource: 'R1', user: 'U3', token: null });
      });

      it('peeks synchronously at what resolve answers, never at an answer its own commit changed', async () => {
        const store = await seeded();
        const peek = () => store.resolveCached?.('billing', 'alice');
        const first = await store.resolve('billing', 'alice');
        const known = peek();
        expect(known instanceof Promise).toBe(false);
        // Unknown (the guard then reads through `resolve`), or exactly resolve's answer.
        if (known !== undefined) expect(known).toEqual(first);
        const { version } = await store.dirGet([]);
        expect(await store.dirCommit(version, [{ op: 'del', key: dirKey.assignment('r1', 'u1') }])).toBe(true);
        const after = peek();
        if (after !== undefined) expect(after).toEqual({ resource: 'R1', user: 'U1', token: null });
        expect(await store.resolve('billing', 'alice')).toEqual({ resource: 'R1', user: 'U1', token: null });
        const again = peek();
        if (again !== undefined) expect(again).toEqual({ resource: 'R1', user: 'U1', token: null });
      });
    });

    describe('reserve', () => {
      it('reserves a new challenge with the next counter', async () => {
        const { reserve, clock } = await setup();
        expect(await reserve()).toEqual({ status: 'reserved', counter: 1, filled: false, expiresAt: clock.now() + TTL, lastSentAt: clock.now() });
      });

      it('fills the challenge at once when the guessed counter is the one it gets, and only then', async () => {
        const { store, reserve, verify, clock, tokenId, resourceId } = await setup();
        // Guessed right: filled, no fill step, and the code verifies.
        expect(await reserve({ guess: { counter: 1, codeHash: RIGHT } })).toMatchObject({ status: 'reserved', counter: 1, filled: true });
        expect(await verify()).toEqual({ status: 'ok' });
        // Guessed wrong (another process sent meanwhile): reserved unfilled, as without a guess.
        clock.advance(31_000);
        expect(await reserve({ guess: { counter: 7, codeHash: RIGHT } })).toMatchObject({ status: 'reserved', counter: 2, filled: false });
        expect(await verify()).toEqual({ status: 'invalid', attemptsLeft: 2 });
        expect(await store.fill(tokenId, resourceId, 2, RIGHT)).toBe(true);
        expect(await verify()).toEqual({ status: 'ok' });
        // A reuse ignores the guess and sends nothing.
        clock.advance(31_000);
        await reserve({ guess: { counter: 3, codeHash: RIGHT } });
        expect(await reserve({ guess: { counter: 4, codeHash: RIGHT } })).toMatchObject({ status: 'open' });
        await expect(reserve({ guess: { counter: 5, codeHash: 'a|b' } })).rejects.toThrow(/must not contain/);
      });

      it('takes the least counter when the stored one is behind it, else the next, exactly past 2^32', async () => {
        const { store, reserve, verify, clock, tokenId, resourceId } = await setup();
        // A counter from the clock (ms x 1000) is past 2^50: it must come back digit for digit.
        const least = clock.now() * 1000;
        expect(await reserve({ minCounter: least, resend: true, cooldownMs: 0 })).toMatchObject({ status: 'reserved', counter: least });
        expect(await reserve({ minCounter: least, resend: true, cooldownMs: 0 })).toMatchObject({ status: 'reserved', counter: least + 1 });
        expect(await reserve({ minCounter: least - 5, resend: true, cooldownMs: 0 })).toMatchObject({ status: 'reserved', counter: least + 2 });
        // Fill and discard find a challenge by that counter.
        expect(await store.fill(tokenId, resourceId, least + 2, RIGHT)).toBe(true);
        expect(await verify()).toEqual({ status: 'ok' });
        clock.advance(1);
        const next = clock.now() * 1000;
        expect(await reserve({ minCounter: next, resend: true, cooldownMs: 0, guess: { counter: next, codeHash: RIGHT } })).toMatchObject({ counter: next, filled: true });
        await store.discard(tokenId, resourceId, next, clock.now());
        expect(await verify()).toEqual({ status: 'expired' });
      });

      it('reuses an open challenge and sends nothing', async () => {
        const { reserve, verify, open, clock } = await setup();
        const sentAt = clock.now();
        await open();
        clock.advance(10_000);
        expect(await verify({ codeHash: WRONG })).toEqual({ status: 'invalid', attemptsLeft: 2 });
        expect(await reserve()).toEqual({ status: 'open', expiresAt: sentAt + TTL, lastSentAt: sentAt, attemptsLeft: 2 });
        // A reserved but unfilled challenge (mail in flight) is reused too.
        const other = await reserve({ resourceId: 'other' });
        expect(other.status).toBe('reserved');
        expect((await reserve({ resourceId: 'other' })).status).toBe('open');
      });

      it('refuses a resend within the cooldown, with the time left', async () => {
        const { reserve, clock } = await setup();
        await reserve();
        clock.advance(10_000);
        expect(await reserve({ resend: true })).toEqual({ status: 'rate_limited', retryAfterMs: 20_000, reason: 'cooldown' });
        clock.advance(19_999);
        expect(await reserve({ resend: true })).toEqual({ status: 'rate_limited', retryAfterMs: 1, reason: 'cooldown' });
      });

      it('replaces the open challenge on a resend after the cooldown', async () => {
        const { store, reserve, open, verify, clock, tokenId, resourceId } = await setup();
        const first = await open();
        clock.advance(30_000);
        const r = await reserve({ resend: true });
        expect(r).toEqual({ status: 'reserved', counter: first + 1, filled: false, expiresAt: clock.now() + TTL, lastSentAt: clock.now() });
        // The old code is dead: its hash is gone and a late fill for it changes nothing.
        expect(await store.fill(tokenId, resourceId, first, RIGHT)).toBe(false);
        expect(await verify()).toEqual({ status: 'invalid', attemptsLeft: 2 });
      });

      it('applies the cooldown to resends only', async () => {
        const { reserve, clock } = await setup();
        await reserve({ ttlMs: 5_000 });
        clock.advance(6_000);
        expect((await reserve()).status).toBe('reserved');
      });

      it('caps sends per rolling hour, for resends and first sends alike', async () => {
        const { reserve, clock } = await setup();
        const t0 = clock.now();
        const cap = { maxSendsPerHour: 3 };
        expect((await reserve(cap)).status).toBe('reserved');
        clock.advance(40_000);
        expect((await reserve({ ...cap, resend: true })).status).toBe('reserved');
        clock.advance(40_000);
        expect((await reserve({ ...cap, resend: true })).status).toBe('reserved');
        clock.advance(40_000);
        expect(await reserve({ ...cap, resend: true })).toEqual({ status: 'rate_limited', retryAfterMs: t0 + HOUR - clock.now(), reason: 'hourly_cap' });
        clock.advance(TTL);
        expect(await reserve(cap)).toEqual({ status: 'rate_limited', retryAfterMs: t0 + HOUR - clock.now(), reason: 'hourly_cap' });
        clock.advance(t0 + HOUR - clock.now() - 1);
        expect(await reserve(cap)).toEqual({ status: 'rate_limited', retryAfterMs: 1, reason: 'hourly_cap' });
        clock.advance(1);
        expect(await reserve(cap)).toMatchObject({ status: 'reserved', counter: 4 });
      });

      it('asks to wait for the later limit when both apply', async () => {
        const { reserve, clock } = await setup();
        const t0 = clock.now();
        await reserve({ maxSendsPerHour: 2 });
        clock.advance(HOUR - 10_000);
        await reserve({ maxSendsPerHour: 2, resend: true });
        clock.advance(1_000);
        // The hourly cap frees a slot in 9 s, the cooldown only in 29 s.
        expect(await reserve({ maxSendsPerHour: 2, resend: true })).toEqual({ status: 'rate_limited', retryAfterMs: 29_000, reason: 'cooldown' });
        expect(t0 + HOUR - clock.now()).toBe(9_000);
      });

      it('names the hourly cap when its wait is the longer one, even within the cooldown', async () => {
        const { reserve, clock } = await setup();
        const t0 = clock.now();
        await reserve({ maxSendsPerHour: 2 });
        clock.advance(60_000);
        await reserve({ maxSendsPerHour: 2, resend: true });
        clock.advance(10_000);
        // The cooldown ends in 20 s, the hourly cap frees a slot only when the first send is an hour old.
        expect(await reserve({ maxSendsPerHour: 2, resend: true })).toEqual({ status: 'rate_limited', retryAfterMs: t0 + HOUR - clock.now(), reason: 'hourly_cap' });
        clock.advance(20_000);
        expect(await reserve({ maxSendsPerHour: 2, resend: true })).toEqual({ status: 'rate_limited', retryAfterMs: t0 + HOUR - clock.now(), reason: 'hourly_cap' });
      });

      it('counts sends per token across resources, with one counter', async () => {
        const { reserve } = await setup();
        expect(await reserve({ resourceId: 'a' })).toMatchObject({ status: 'reserved', counter: 1 });
        expect(await reserve({ resourceId: 'b' })).toMatchObject({ status: 'reserved', counter: 2 });
        expect((await reserve({ resourceId: 'a' })).status).toBe('open');
        expect(await reserve({ resourceId: 'b', resend: true })).toEqual({ status: 'rate_limited', retryAfterMs: 30_000, reason: 'cooldown' });
      });

      it('refuses a blocked token, and forgets a block that ended', async () => {
        const { store, reserve, clock, tokenId } = await setup();
        await store.setTokenBlock(tokenId, { reason: 'admin', until: null }, clock.now());
        expect(await reserve()).toEqual({ status: 'blocked', block: { reason: 'admin', until: null } });
        const until = clock.now() + 60_000;
        await store.setTokenBlock(tokenId, { reason: 'failed_attempts', until }, clock.now());
        expect(await reserve()).toEqual({ status: 'blocked', block: { reason: 'failed_attempts', until } });
        clock.advance(60_000);
        expect((await reserve()).status).toBe('reserved');
        clock.advance(-30_000);
        // An ended block is gone for good, even for a clock that steps back.
        expect((await reserve()).status).toBe('open');
      });

      it('throttles a token past maxPerMinute calls, whatever they were, until its minute ends', async () => {
        const { reserve, clock } = await setup();
        const t0 = clock.now();
        const limit = { maxPerMinute: 4 };
        expect((await reserve(limit)).status).toBe('reserved');
        clock.advance(5_000);
        expect((await reserve(limit)).status).toBe('open');
        expect((await reserve({ ...limit, resourceId: 'elsewhere' })).status).toBe('reserved');
        expect((await reserve({ ...limit, resend: true })).status).toBe('rate_limited');
        // The fifth call in the minute, on any resource and of any kind, is throttled.
        expect(await reserve(limit)).toEqual({ status: 'throttled', retryAfterMs: 55_000 });
        expect(await reserve({ ...limit, resourceId: 'third' })).toEqual({ status: 'throttled', retryAfterMs: 55_000 });
        clock.advance(54_999);
        expect(await reserve({ ...limit, resend: true })).toEqual({ status: 'throttled', retryAfterMs: 1 });
        clock.advance(1);
        expect(clock.now()).toBe(t0 + 60_000);
        expect((await reserve(limit)).status).toBe('open');
        // No limit given: nothing is counted or refused.
        for (let i = 0; i < 10; i++) expect((await reserve()).status).toBe('open');
      });

      it('does nothing when it throttles: no send, no new challenge, no counter', async () => {
        const { reserve, clock } = await setup();
        const limit = { maxPerMinute: 1 };
        expect(await reserve({ ...limit, ttlMs: 1_000 })).toMatchObject({ status: 'reserved', counter: 1 });
        clock.advance(2_000);
        // The code expired: without the limit this would reserve counter 2 and count a send.
        expect((await reserve({ ...limit, maxSendsPerHour: 2 })).status).toBe('throttled');
        clock.advance(60_000);
        expect(await reserve({ ...limit, maxSendsPerHour: 2 })).toMatchObject({ status: 'reserved', counter: 2 });
      });

      it('throttles a blocked token before telling it is blocked, and counts per token', async () => {
        const { store, reserve, clock, tokenId } = await setup();
        await store.setTokenBlock(tokenId, { reason: 'failed_attempts', until: clock.now() + 300_000 }, clock.now());
        const limit = { maxPerMinute: 2 };
        expect((await reserve(limit)).status).toBe('blocked');
        expect((await reserve(limit)).status).toBe('blocked');
        expect((await reserve(limit)).status).toBe('throttled');
        // Another token has its own count.
        expect((await reserve({ ...limit, tokenId: id('tok') })).status).toBe('reserved');
      });
    });

    describe('fill and discard', () => {
      it('fills only the challenge reserved for that counter', async () => {
        const { store, reserve, verify, tokenId, resourceId } = await setup();
        expect(await store.fill(tokenId, resourceId, 1, RIGHT)).toBe(false);
        const r = await reserve();
        if (r.status !== 'reserved') throw new Error(r.status);
        expect(await store.fill(tokenId, resourceId, r.counter + 1, RIGHT)).toBe(false);
        expect(await store.fill(tokenId, 'elsewhere', r.counter, RIGHT)).toBe(false);
        expect(await store.fill(tokenId, resourceId, r.counter, RIGHT)).toBe(true);
        expect(await verify()).toEqual({ status: 'ok' });
      });

      it('rejects a hash that would corrupt the record', async () => {
        const { store, tokenId, resourceId, verify } = await setup();
        await expect(store.fill(tokenId, resourceId, 1, 'a|b')).rejects.toThrow();
        await expect(verify({ codeHash: 'a|b' })).rejects.toThrow();
      });

      it('discards the challenge and frees its send slot', async () => {
        const { store, reserve, clock, tokenId, resourceId } = await setup();
        const r = await reserve({ maxSendsPerHour: 1 });
        if (r.status !== 'reserved') throw new Error(r.status);
        expect(await reserve({ maxSendsPerHour: 1, resend: true })).toMatchObject({ status: 'rate_limited' });
        await store.discard(tokenId, resourceId, r.counter, clock.now());
        // Neither the cooldown nor the cap counts an undelivered mail.
        expect(await reserve({ maxSendsPerHour: 1, resend: true })).toMatchObject({ status: 'reserved', counter: r.counter + 1 });
      });

      it('leaves a newer challenge alone', async () => {
        const { store, reserve, verify, open, clock, tokenId, resourceId } = await setup();
        const first = await open();
        clock.advance(30_000);
        const second = await reserve({ resend: true });
        if (second.status !== 'reserved') throw new Error(second.status);
        await store.fill(tokenId, resourceId, second.counter, RIGHT);
        await store.discard(tokenId, resourceId, first, clock.now());
        await store.discard(tokenId, resourceId, 999, clock.now());
        expect(await verify()).toEqual({ status: 'ok' });
      });

      it('puts back, as it was, the challenge a failed resend replaced', async () => {
        const { store, reserve, verify, open, clock, tokenId, resourceId } = await setup();
        const first = await open();
        expect(await verify({ codeHash: WRONG })).toEqual({ status: 'invalid', attemptsLeft: 2 });
        const expiresAt = clock.now() + TTL;
        const sentAt = clock.now();
        clock.advance(30_000);
        const second = await reserve({ resend: true });
        if (second.status !== 'reserved') throw new Error(second.status);
        // Filled before its mail goes out, as `prepare` does; the mail then fails.
        expect(await store.fill(tokenId, resourceId, second.counter, codeHash('777777'))).toBe(true);
        await store.discard(tokenId, resourceId, second.counter, clock.now());
        // Same expiry, send time and attempts left; the discarded send does not count.
        expect(await reserve()).toEqual({ status: 'open', expiresAt, lastSentAt: sentAt, attemptsLeft: 2 });
        expect(await verify({ codeHash: codeHash('777777') })).toEqual({ status: 'invalid', attemptsLeft: 1 });
        expect(await verify()).toEqual({ status: 'ok' });
        expect(await verify()).toEqual({ status: 'expired' });
        expect(first).toBeLessThan(second.counter);
      });

      it('drops the replaced challenge once a resend is filled and kept', async () => {
        const { store, reserve, verify, open, clock, tokenId, resourceId } = await setup();
        await open();
        clock.advance(30_000);
        const second = await reserve({ resend: true });
        if (second.status !== 'reserved') throw new Error(second.status);
        const NEW = codeHash('777777');
        expect(await store.fill(tokenId, resourceId, second.counter, NEW)).toBe(true);
        expect(await verify()).toEqual({ status: 'invalid', attemptsLeft: 2 });
        expect(await verify({ codeHash: NEW })).toEqual({ status: 'ok' });
        expect(await verify()).toEqual({ status: 'expired' });
      });

      it('puts nothing back once the replaced challenge has expired', async () => {
        const { store, reserve, verify, open, clock, tokenId, resourceId } = await setup();
        await open();
        clock.advance(30_000);
        const second = await reserve({ resend: true, ttlMs: 2 * TTL });
        if (second.status !== 'reserved') throw new Error(second.status);
        expect(await store.fill(tokenId, resourceId, second.counter, codeHash('777777'))).toBe(true);
        clock.advance(TTL);
        await store.discard(tokenId, resourceId, second.counter, clock.now());
        expect(await verify()).toEqual({ status: 'expired' });
        clock.advance(-TTL);
        expect(await verify()).toEqual({ status: 'expired' });
        expect((await reserve()).status).toBe('reserved');
      });

      it('never puts back a resend whose mail failed after a newer resend replaced it', async () => {
        const { store, reserve, verify, open, clock, tokenId, resourceId } = await setup();
        await open();
        clock.advance(30_000);
        const second = await reserve({ resend: true, cooldownMs: 0 });
        if (second.status !== 'reserved') throw new Error(second.status);
        expect(await store.fill(tokenId, resourceId, second.counter, codeHash('222222'))).toBe(true);
        const third = await reserve({ resend: true, cooldownMs: 0 });
        if (third.status !== 'reserved') throw new Error(third.status);
        expect(await store.fill(tokenId, resourceId, third.counter, codeHash('333333'))).toBe(true);
        // Both mails fail: the second's code was never delivered, so nothing comes back.
        await store.discard(tokenId, resourceId, second.counter, clock.now());
        await store.discard(tokenId, resourceId, third.counter, clock.now());
        expect(await verify({ codeHash: codeHash('222222') })).toEqual({ status: 'expired' });
      });
    });

    describe('verify', () => {
      it('accepts the right code once', async () => {
        const { verify, open } = await setup();
        await open();
        expect(await verify()).toEqual({ status: 'ok' });
        expect(await verify()).toEqual({ status: 'expired' });
      });

      it('says expired when no challenge was ever opened, without counting a failure', async () => {
        const { verify, open } = await setup();
        for (let i = 0; i < 6; i++) expect(await verify({ codeHash: WRONG })).toEqual({ status: 'expired' });
        await open();
        expect(await verify({ codeHash: WRONG })).toEqual({ status: 'invalid', attemptsLeft: 2 });
      });

      it('counts wrong codes down, then the code is gone', async () => {
        const { verify, open } = await setup();
        await open();
        expect(await verify({ codeHash: WRONG })).toEqual({ status: 'invalid', attemptsLeft: 2 });
        expect(await verify({ codeHash: WRONG })).toEqual({ status: 'invalid', attemptsLeft: 1 });
        expect(await verify({ codeHash: WRONG })).toEqual({ status: 'invalid', attemptsLeft: 0 });
        expect(await verify()).toEqual({ status: 'expired' });
      });

      it('expires a code by the clock it is given', async () => {
        const { verify, open, clock, reserve } = await setup();
        await open();
        clock.advance(TTL - 1);
        expect(await verify({ codeHash: WRONG })).toEqual({ status: 'invalid', attemptsLeft: 2 });
        clock.advance(1);
        expect(await verify()).toEqual({ status: 'expired' });
        // Expired means gone: a prepare opens a new one instead of reusing it.
        expect((await reserve()).status).toBe('reserved');
      });

      it('fails on a wrong PIN even with the right code', async () => {
        const { verify, open } = await setup();
        await open();
        expect(await verify({ pinOk: false })).toEqual({ status: 'invalid', attemptsLeft: 2 });
        expect(await verify()).toEqual({ status: 'ok' });
      });

      it('never matches an empty hash', async () => {
        const { verify, reserve, open } = await setup();
        await reserve();
        // Reserved, not filled: the stored hash is empty.
        expect(await verify({ codeHash: '' })).toEqual({ status: 'invalid', attemptsLeft: 2 });
        expect(await verify()).toEqual({ status: 'invalid', attemptsLeft: 1 });
        await open({ resourceId: 'r2' });
        expect(await verify({ resourceId: 'r2', codeHash: '' })).toEqual({ status: 'invalid', attemptsLeft: 2 });
      });

      it('accepts the code under an older secret during a rotation, once, and nothing else', async () => {
        const { verify, open, reserve } = await setup();
        await open();
        // What the typed code hashes to under each secret: newest first, then the older ones.
        expect(await verify({ codeHash: WRONG, olderCodeHashes: [codeHash('000000'), ''] })).toEqual({ status: 'invalid', attemptsLeft: 2 });
        expect(await verify({ codeHash: WRONG, olderCodeHashes: [codeHash('000000'), RIGHT], pinOk: false })).toEqual({ status: 'invalid', attemptsLeft: 1 });
        expect(await verify({ codeHash: WRONG, olderCodeHashes: [codeHash('000000'), RIGHT] })).toEqual({ status: 'ok' });
        expect(await verify({ codeHash: WRONG, olderCodeHashes: [RIGHT] })).toEqual({ status: 'expired' });
        // A challenge reserved but not filled has an empty hash: an empty older hash is no match.
        await reserve();
        expect(await verify({ codeHash: WRONG, olderCodeHashes: [''] })).toEqual({ status: 'invalid', attemptsLeft: 2 });
        await expect(verify({ olderCodeHashes: ['a|b'] })).rejects.toThrow();
      });

      it('locks the token after lockAfter consecutive failures on a resource, until the lock ends', async () => {
        const { store, verify, open, reserve, clock, tokenId } = await setup();
        const lock = { lockAfter: 3, lockMs: 300_000 };
        await open({ maxAttempts: 2 });
        expect(await verify({ ...lock, codeHash: WRONG })).toEqual({ status: 'invalid', attemptsLeft: 1 });
        expect(await verify({ ...lock, codeHash: WRONG })).toEqual({ status: 'invalid', attemptsLeft: 0 });
        // Consecutive failures add up across challenges.
        await open({ maxAttempts: 2 });
        const until = clock.now() + 300_000;
        expect(await verify({ ...lock, codeHash: WRONG })).toEqual({
          status: 'blocked',
          block: { reason: 'failed_attempts', until },
          lockedNow: true,
        });
        expect(await verify({ ...lock })).toEqual({ status: 'blocked', block: { reason: 'failed_attempts', until }, lockedNow: false });
        expect(await reserve({ resend: true })).toEqual({ status: 'blocked', block: { reason: 'failed_attempts', until } });
        expect(await store.tokenBlocks([tokenId], clock.now())).toEqual([{ reason: 'failed_attempts', until }]);

        clock.advance(299_999);
        expect((await reserve()).status).toBe('blocked');
        clock.advance(1);
        expect(await store.tokenBlocks([tokenId], clock.now())).toEqual([null]);
        // The lock consumed the challenge; and its run of failures starts again from zero.
        expect((await reserve()).status).toBe('reserved');
        await open({ resend: true, cooldownMs: 0 });
        expect(await verify({ ...lock, codeHash: WRONG })).toEqual({ status: 'invalid', attemptsLeft: 2 });
        expect(await verify({ ...lock, codeHash: WRONG })).toEqual({ status: 'invalid', attemptsLeft: 1 });
        expect(await verify({ ...lock })).toEqual({ status: 'ok' });
      });

      it('resets the failure count on a success', async () => {
        const { verify, open, clock } = await setup();
        const lock = { lockAfter: 3 };
        await open({ maxAttempts: 5 });
        await verify({ ...lock, codeHash: WRONG });
        await verify({ ...lock, codeHash: WRONG });
        expect(await verify(lock)).toEqual({ status: 'ok' });
        clock.advance(30_000);
        await open({ maxAttempts: 5 });
        expect(await verify({ ...lock, codeHash: WRONG })).toEqual({ status: 'invalid', attemptsLeft: 4 });
        expect(await verify({ ...lock, codeHash: WRONG })).toEqual({ status: 'invalid', attemptsLeft: 3 });
        expect((await verify({ ...lock, codeHash: WRONG })).status).toBe('blocked');
      });

      it('blocks until an admin acts after hardBlockAfter consecutive failures on any resources', async () => {
        const { store, verify, open, reserve, clock, tokenId } = await setup();
        const limits = { lockAfter: 3, hardBlockAfter: 5 };
        await open({ resourceId: 'r1', maxAttempts: 10 });
        await open({ resourceId: 'r2', maxAttempts: 10 });
        const seq = ['r1', 'r2', 'r1', 'r2'];
        for (const r of seq) expect((await verify({ ...limits, resourceId: r, codeHash: WRONG })).status).toBe('invalid');
        // r1 reaches its lock too, but the hard block wins.
        expect(await verify({ ...limits, resourceId: 'r1', codeHash: WRONG })).toEqual({
          status: 'blocked',
          block: { reason: 'failed_attempts', until: null },
          lockedNow: true,
        });
        clock.advance(365 * 24 * HOUR);
        expect(await verify({ ...limits, resourceId: 'r2' })).toEqual({
          status: 'blocked',
          block: { reason: 'failed_attempts', until: null },
          lockedNow: false,
        });
        expect(await store.tokenBlocks([tokenId], clock.now())).toEqual([{ reason: 'failed_attempts', until: null }]);
        expect((await reserve({ resourceId: 'r1' })).status).toBe('blocked');

        await store.setTokenBlock(tokenId, null, clock.now());
        await open({ resourceId: 'r1', maxAttempts: 10 });
        for (let i = 0; i < 2; i++) expect((await verify({ ...limits, resourceId: 'r1', codeHash: WRONG })).status).toBe('invalid');
        expect(await verify({ ...limits, resourceId: 'r1' })).toEqual({ status: 'ok' });
      });

      it('counts the hard-block run through locks, and a success ends it', async () => {
        const { store, verify, open, clock, tokenId } = await setup();
        const limits = { lockAfter: 2, lockMs: 1_000, hardBlockAfter: 5 };
        for (let i = 0; i < 2; i++) {
          await open({ maxAttempts: 5, resend: true, cooldownMs: 0 });
          expect((await verify({ ...limits, codeHash: WRONG })).status).toBe('invalid');
          expect(await verify({ ...limits, codeHash: WRONG })).toMatchObject({ status: 'blocked', lockedNow: true });
          clock.advance(1_000);
        }
        await open({ maxAttempts: 5, resend: true, cooldownMs: 0 });
        expect(await verify({ ...limits, codeHash: WRONG })).toEqual({
          status: 'blocked',
          block: { reason: 'failed_attempts', until: null },
          lockedNow: true,
        });

        await store.setTokenBlock(tokenId, null, clock.now());
        await open({ maxAttempts: 5, resend: true, cooldownMs: 0 });
        const runs = { lockAfter: 10, hardBlockAfter: 3 };
        await verify({ ...runs, codeHash: WRONG });
        await verify({ ...runs, codeHash: WRONG });
        expect(await verify(runs)).toEqual({ status: 'ok' });
        await open({ maxAttempts: 5, resend: true, cooldownMs: 0 });
        await verify({ ...runs, codeHash: WRONG });
        expect(await verify({ ...runs, codeHash: WRONG })).toEqual({ status: 'invalid', attemptsLeft: 3 });
      });

      it('gives exactly one success to 50 concurrent right codes', async () => {
        const { verify, open } = await setup();
        await open();
        const results = await Promise.all(Array.from({ length: 50 }, () => verify()));
        expect(results.filter((r) => r.status === 'ok')).toHaveLength(1);
        expect(results.filter((r) => r.status === 'expired')).toHaveLength(49);
      });

      if (options.peerOf) {
        const peerOf = options.peerOf;
        it('gives exactly one success to 50 concurrent right codes through two connections', async () => {
          const { store, open, tokenId, resourceId, clock } = await setup();
          const peer = await peerOf(store);
          opened.push(peer);
          for (let round = 0; round < 5; round++) {
            await open({ resend: round > 0, cooldownMs: 0 });
            const args: VerifyArgs = {
              tokenId,
              resourceId,
              codeHash: RIGHT,
              pinOk: true,
              now: clock.now(),
              lockAfter: 5,
              lockMs: 1,
              hardBlockAfter: 100,
            };
            const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? peer : store).verify(args)));
            expect(results.filter((r) => r.status === 'ok')).toHaveLength(1);
          }
        });
      }
    });

    describe('blocks, drop and purge', () => {
      it('reads, sets and lifts token blocks', async () => {
        const { store, clock, tokenId } = await setup();
        const other = id('tok');
        expect(await store.tokenBlocks([], clock.now())).toEqual([]);
        expect(await store.tokenBlocks([tokenId, other], clock.now())).toEqual([null, null]);
        await store.setTokenBlock(tokenId, { reason: 'admin', until: null }, clock.now());
        const until = clock.now() + 120_000;
        await store.setTokenBlock(other, { reason: 'admin', until }, clock.now());
        expect(await store.tokenBlocks([tokenId, other, 'tok_none'], clock.now())).toEqual([
          { reason: 'admin', until: null },
          { reason: 'admin', until },
          null,
        ]);
        clock.advance(120_000);
        expect(await store.tokenBlocks([tokenId, other], clock.now())).toEqual([{ reason: 'admin', until: null }, null]);
        await store.setTokenBlock(tokenId, null, clock.now());
        expect(await store.tokenBlocks([tokenId], clock.now())).toEqual([null]);
        // Setting a block replaces the previous one, TTL included.
        await store.setTokenBlock(other, { reason: 'admin', until: clock.now() + 1_000 }, clock.now());
        await store.setTokenBlock(other, { reason: 'failed_attempts', until: null }, clock.now());
        clock.advance(10 * HOUR);
        expect(await store.tokenBlocks([other], clock.now())).toEqual([{ reason: 'failed_attempts', until: null }]);
      });

      it('resets the failure counts when a block is lifted', async () => {
        const { store, verify, open, clock, tokenId } = await setup();
        await open({ maxAttempts: 10 });
        await verify({ lockAfter: 3, codeHash: WRONG });
        await verify({ lockAfter: 3, codeHash: WRONG });
        await store.setTokenBlock(tokenId, null, clock.now());
        expect(await verify({ lockAfter: 3, codeHash: WRONG })).toEqual({ status: 'invalid', attemptsLeft: 7 });
        expect(await verify({ lockAfter: 3, codeHash: WRONG })).toEqual({ status: 'invalid', attemptsLeft: 6 });
      });

      it('drops the challenges on the given resources only', async () => {
        const { store, reserve, verify, open, tokenId } = await setup();
        await open({ resourceId: 'r1' });
        await open({ resourceId: 'r2' });
        await open({ resourceId: 'r3' });
        await store.dropChallenges(tokenId, ['r1', 'r3']);
        await store.dropChallenges(tokenId, []);
        expect(await verify({ resourceId: 'r1' })).toEqual({ status: 'expired' });
        expect(await verify({ resourceId: 'r3' })).toEqual({ status: 'expired' });
        expect(await verify({ resourceId: 'r2' })).toEqual({ status: 'ok' });
        expect((await reserve({ resourceId: 'r1' })).status).toBe('reserved');
      });

      it('drops what a resend kept aside with the challenges, so a failed resend restores nothing', async () => {
        const { store, reserve, verify, open, clock, tokenId, resourceId } = await setup();
        await open();
        clock.advance(30_000);
        const second = await reserve({ resend: true });
        if (second.status !== 'reserved') throw new Error(second.status);
        await store.fill(tokenId, resourceId, second.counter, codeHash('777777'));
        await store.dropChallenges(tokenId, [resourceId]);
        await store.discard(tokenId, resourceId, second.counter, clock.now());
        expect(await verify()).toEqual({ status: 'expired' });
        clock.advance(30_000);
        const third = await reserve();
        if (third.status !== 'reserved') throw new Error(third.status);
        await store.purgeToken(tokenId, [resourceId]);
        await store.discard(tokenId, resourceId, third.counter, clock.now());
        expect(await verify()).toEqual({ status: 'expired' });
      });

      it('purges all state of a token and nothing of another', async () => {
        const { store, reserve, verify, open, clock, tokenId } = await setup();
        const other = id('tok');
        await open({ resourceId: 'r1', maxSendsPerHour: 2 });
        await open({ resourceId: 'r2', maxSendsPerHour: 2 });
        await open({ tokenId: other, resourceId: 'r1' });
        await verify({ resourceId: 'r1', codeHash: WRONG });
        await store.setTokenBlock(tokenId, { reason: 'admin', until: null }, clock.now());

        await store.purgeToken(tokenId, ['r1', 'r2']);
        expect(await store.tokenBlocks([tokenId], clock.now())).toEqual([null]);
        expect(await verify({ resourceId: 'r2' })).toEqual({ status: 'expired' });
        // Counter, sends and failures start afresh.
        expect(await reserve({ resourceId: 'r1', maxSendsPerHour: 2 })).toMatchObject({ status: 'reserved', counter: 1 });
        expect(await reserve({ resourceId: 'r2', maxSendsPerHour: 2 })).toMatchObject({ status: 'reserved', counter: 2 });
        expect(await verify({ tokenId: other, resourceId: 'r1' })).toEqual({ status: 'ok' });
      });
    });

    describe('audit events', () => {
      const act = (data: string): EventEntry => ({ log: 'activity', data });
      const sec = (data: string): EventEntry => ({ log: 'security', data });
      const CAPS = { security: 1000, activity: 1000 };

      it('lists events newest first and pages back with `before`', async () => {
        const { store } = await setup();
        for (let i = 0; i < 7; i++) await store.appendEvents([act(JSON.stringify({ i, s: 'é"\n' }))], CAPS);
        const all = await store.listEvents(100);
        expect(all.map((e) => JSON.parse(e.data).i)).toEqual([6, 5, 4, 3, 2, 1, 0]);
        expect(JSON.parse(all[0]?.data ?? '').s).toBe('é"\n');
        expect(new Set(all.map((e) => e.id)).size).toBe(7);

        const page1 = await store.listEvents(3);
        expect(page1.map((e) => e.id)).toEqual(all.slice(0, 3).map((e) => e.id));
        const page2 = await store.listEvents(3, page1[2]?.id);
        expect(page2.map((e) => e.id)).toEqual(all.slice(3, 6).map((e) => e.id));
        const page3 = await store.listEvents(3, page2[2]?.id);
        expect(page3.map((e) => e.id)).toEqual(all.slice(6).map((e) => e.id));
        expect(await store.listEvents(3, page3[0]?.id)).toEqual([]);
        expect(await store.listEvents(0)).toEqual([]);
        expect(await store.listEvents(3, 'not-an-id')).toEqual([]);
      });

      it('appends a batch in order, each entry with an id of its own, and an empty batch as nothing', async () => {
        const { store } = await setup();
        await store.appendEvents([act('a')], CAPS);
        await store.appendEvents([act('b'), sec('c'), act('d')], CAPS);
        await store.appendEvents([], CAPS);
        const all = await store.listEvents(10);
        expect(all.map((e) => [e.data, e.log])).toEqual([
          ['d', 'activity'],
          ['c', 'security'],
          ['b', 'activity'],
          ['a', 'activity'],
        ]);
        expect(new Set(all.map((e) => e.id)).size).toBe(4);
        await store.appendEvents(Array.from({ length: 300 }, (_, i) => act(`x${i}`)), { security: 1000, activity: 10 });
        const kept = await store.listEvents(1000);
        expect(kept.length).toBeLessThan(300);
        expect(kept.slice(0, 3).map((e) => e.data)).toEqual(['x299', 'x298', 'x297']);
        // The security entry was not trimmed with the activity it sat among.
        expect(kept.filter((e) => e.log === 'security').map((e) => e.data)).toEqual(['c']);
      });

      it('keeps about the newest `cap` events of each log', async () => {
        const { store } = await setup();
        for (let i = 0; i < 300; i++) await store.appendEvents([act(String(i)), sec(`s${i}`)], { security: 20, activity: 10 });
        const activity = await store.listEvents(1000, undefined, 'activity');
        expect(activity.length).toBeGreaterThanOrEqual(10);
        expect(activity.length).toBeLessThan(300);
        expect(activity.slice(0, 10).map((e) => e.data)).toEqual(Array.from({ length: 10 }, (_, i) => String(299 - i)));
        const security = await store.listEvents(1000, undefined, 'security');
        expect(security.length).toBeGreaterThanOrEqual(20);
        expect(security.length).toBeLessThan(300);
        expect(security.slice(0, 20).map((e) => e.data)).toEqual(Array.from({ length: 20 }, (_, i) => `s${299 - i}`));
      });

      it('keeps every security entry however much activity follows it', async () => {
        const { store } = await setup();
        const caps = { security: 100, activity: 100 };
        await store.appendEvents([sec('failed-1'), act('sent'), sec('failed-2'), sec('blocked')], caps);
        // Far past the activity cap, in batches as the audit writes them.
        for (let b = 0; b < 30; b++) await store.appendEvents(Array.from({ length: 500 }, (_, i) => act(`noise-${b}-${i}`)), caps);
        const security = await store.listEvents(1000, undefined, 'security');
        expect(security.map((e) => e.data)).toEqual(['blocked', 'failed-2', 'failed-1']);
        const all: string[] = [];
        let before: string | undefined;
        for (;;) {
          const page = await store.listEvents(200, before);
          if (page.length === 0) break;
          all.push(...page.map((e) => e.data));
          before = page[page.length - 1]?.id;
        }
        expect(all.length).toBeLessThan(1000);
        expect(all.slice(-3)).toEqual(['blocked', 'failed-2', 'failed-1']);
        expect(all).not.toContain('sent');
      });

      it('pages through both logs newest first, every entry once, from any entry`s id', async () => {
        const { store } = await setup();
        const written: EventEntry[] = [];
        // Interleaved, in batches of varied size, as the audit writes them.
        for (let b = 0; b < 12; b++) {
          const batch = Array.from({ length: 1 + (b % 4) }, (_, i) => ((b * 7 + i) % 3 === 0 ? sec(`s${b}.${i}`) : act(`a${b}.${i}`)));
          written.push(...batch);
          await store.appendEvents(batch, CAPS);
        }
        const expected = written.map((e) => e.data).reverse();
        for (const size of [1, 2, 3, 5, 7, 100]) {
          const seen: StoredEvent[] = [];
          let before: string | undefined;
          for (;;) {
            const page = await store.listEvents(size, before);
            if (page.length === 0) break;
            expect(page.length).toBeLessThanOrEqual(size);
            seen.push(...page);
            before = page[page.length - 1]?.id;
          }
          expect(seen.map((e) => e.data)).toEqual(expected);
          expect(new Set(seen.map((e) => e.id)).size).toBe(expected.length);
        }
        // One log alone, paged with the ids of the merged listing.
        const all = await store.listEvents(100);
        const securityOnly = written.filter((e) => e.log === 'security').map((e) => e.data).reverse();
        expect((await store.listEvents(100, undefined, 'security')).map((e) => e.data)).toEqual(securityOnly);
        const cursor = all[4]?.id;
        expect((await store.listEvents(100, cursor, 'security')).map((e) => e.data)).toEqual(
          all.slice(5).filter((e) => e.log === 'security').map((e) => e.data),
        );
        expect((await store.listEvents(100, cursor, 'activity')).map((e) => e.data)).toEqual(
          all.slice(5).filter((e) => e.log === 'activity').map((e) => e.data),
        );
      });
    });
  });
}
