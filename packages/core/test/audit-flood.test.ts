/**
 * The audit trail against someone who holds only the first factor and wants it gone: lock the
 * token with wrong codes, then load the page over and over until the log has forgotten. On both
 * stores (Redis is a real server), through `prepare`/`authenticate` and `events.list`, as the
 * admin reads the log.
 */
import { randomBytes } from 'node:crypto';
import { handleAdmin } from '@protectimus-mail/admin';
import { eventLog, type ProtectimusEvent } from '../src/audit';
import type { Protectimus } from '../src/protectimus';
import { seedUser, STORE_KINDS, startWorld, type World } from './support/protectimus';
import { refusal } from './support/refusal';

/** Every entry of the log, newest first, paged `limit` at a time as the admin panel pages it. */
async function wholeLog(pm: Protectimus, limit = 500): Promise<ProtectimusEvent[]> {
  const all: ProtectimusEvent[] = [];
  let before: string | undefined;
  for (;;) {
    const page = await pm.events.list({ limit, ...(before ? { before } : {}) });
    all.push(...page.items);
    if (page.next === null) return all;
    before = page.next;
  }
}

describe.each(STORE_KINDS)('the audit trail under a flood, %s store', (kind) => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld(kind);
  });
  afterAll(() => world.close());

  async function codeFor(pm: Protectimus, s: Awaited<ReturnType<typeof seedUser>>): Promise<string> {
    const mail = world.smtp.waitForMail(s.email);
    await pm.prepare({ resource: s.resource.name, login: s.login });
    return world.smtp.codeFrom(await mail);
  }

  it('keeps the wrong codes and the lock however many page loads follow (the attack)', async () => {
    const pm = world.make({ eventLogSize: 100, otp: { maxAttempts: 5 } }, true);
    const s = await seedUser(pm, { resource: { failedAttemptsBeforeLock: 5, lockMinutes: 10080 } });
    const code = await codeFor(pm, s);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 4; i++) expect(await refusal(pm.authenticate({ resource: s.resource.name, login: s.login, otp: wrong, ip: '198.51.100.7' }))).toMatchObject({ code: 'INVALID_OTP' });
    expect(await refusal(pm.authenticate({ resource: s.resource.name, login: s.login, otp: wrong, ip: '198.51.100.7' }))).toMatchObject({ code: 'BLOCKED' });

    // 10,050 page loads of the locked token, one a second: within every rate limit, so each one
    // is answered (403 blocked) and each one could have been an entry of its own.
    const answers = new Map<string, number>();
    for (let i = 0; i < 10_050; i++) {
      world.clock.advanceSeconds(1);
      const err = await refusal(pm.prepare({ resource: s.resource.name, login: s.login, ip: '198.51.100.7' }));
      answers.set(err.code, (answers.get(err.code) ?? 0) + 1);
    }
    expect(Object.fromEntries(answers)).toEqual({ BLOCKED: 10_050 });

    // The admin still reads every wrong code and the lock, filtered or walking the whole log.
    const failed = await pm.events.list({ type: 'otp.failed' });
    expect(failed.items).toHaveLength(5);
    expect(failed.items.every((e) => e.login === s.login && e.ip === '198.51.100.7')).toBe(true);
    expect(failed.items.map((e) => e.detail?.attemptsLeft)).toEqual([0, 1, 2, 3, 4]);
    const blocked = await pm.events.list({ type: 'token.blocked' });
    expect(blocked.items).toEqual([expect.objectContaining({ tokenId: s.token.id, detail: expect.objectContaining({ reason: 'failed_attempts' }) as unknown })]);
    const all = await wholeLog(pm);
    expect(all.filter((e) => e.type === 'otp.failed')).toHaveLength(5);
    expect(all.filter((e) => e.type === 'token.blocked')).toHaveLength(1);

    // The flood itself is there too, but as one entry a minute carrying the count of the rest.
    const denied = all.filter((e) => e.type === 'access.denied');
    expect(denied.length).toBeGreaterThan(0);
    expect(denied.length).toBeLessThanOrEqual(all.length);
    expect(denied[0]).toMatchObject({ code: 'BLOCKED', tokenId: s.token.id, detail: expect.objectContaining({ repeats: 59 }) as unknown });
  });

  it('refuses prepare for one token past 60 calls a minute, with one log entry for the whole refused run', async () => {
    const pm = world.make({}, true);
    const s = await seedUser(pm);
    await codeFor(pm, s);
    const input = { resource: s.resource.name, login: s.login };
    for (let i = 1; i < 60; i++) expect((await pm.prepare(input)).sent).toBe(false);
    world.clock.advanceSeconds(20);
    const limited = await refusal(pm.prepare(input));
    expect(limited).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 40 });
    const before = (await wholeLog(pm)).length;
    for (let i = 0; i < 500; i++) expect((await refusal(pm.prepare({ ...input, resend: i % 2 === 0 }))).code).toBe('RATE_LIMITED');
    // One entry for the whole refused run, at most; the open code was not touched.
    expect((await wholeLog(pm)).length).toBeLessThanOrEqual(before);
    const entries = (await pm.events.list({ type: 'otp.rate_limited' })).items;
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ code: 'RATE_LIMITED', detail: { retryAfter: 40, reason: 'requests' } });
    world.clock.advanceSeconds(40);
    expect((await pm.prepare(input)).sent).toBe(false);
  });

  it('writes one otp.reused per open code however often its page is loaded, and tells listeners of each', async () => {
    const pm = world.make({}, true);
    const heard: string[] = [];
    pm.on('otp.reused', (e) => heard.push(e.type));
    const s = await seedUser(pm);
    const input = { resource: s.resource.name, login: s.login };
    await codeFor(pm, s);
    for (let i = 0; i < 50; i++) {
      world.clock.advanceSeconds(1);
      expect((await pm.prepare(input)).sent).toBe(false);
    }
    const types = async () => (await pm.events.list({ login: s.login })).items.map((e) => e.type).filter((t) => t.startsWith('otp.'));
    expect(await types()).toEqual(['otp.reused', 'otp.sent']);

    // A new code (a resend) is a new run: its reloads write one entry more.
    world.clock.advanceSeconds(60);
    const mail = world.smtp.waitForMail(s.email);
    expect((await pm.prepare({ ...input, resend: true })).sent).toBe(true);
    await mail;
    for (let i = 0; i < 20; i++) await pm.prepare(input);
    expect(await types()).toEqual(['otp.reused', 'otp.sent', 'otp.reused', 'otp.sent']);
    expect(heard).toHaveLength(70);
  });

  it('keeps every security entry however much activity follows', async () => {
    const pm = world.make({ eventLogSize: 100 }, true);
    const victim = await seedUser(pm, { resource: { failedAttemptsBeforeLock: 3 } });
    // Noise makers: users with no token on the resource, each refused on every load; one user
    // with a token who keeps loading the page (mails, reloads, the hourly cap); one who keeps
    // posting a code when none is open.
    const strangers = await Promise.all(Array.from({ length: 5 }, (_, i) => pm.users.create({ login: `noise${i}-${victim.login}` })));
    const loader = await seedUser(pm);
    const poster = await seedUser(pm);
    const code = await codeFor(pm, victim);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 2; i++) expect((await refusal(pm.authenticate({ resource: victim.resource.name, login: victim.login, otp: wrong }))).code).toBe('INVALID_OTP');
    expect((await refusal(pm.authenticate({ resource: victim.resource.name, login: victim.login, otp: wrong }))).code).toBe('BLOCKED');
    await pm.tokens.unblock(victim.token.id);
    const security = (await pm.events.list({ limit: 500 })).items.filter((e) => e.tokenId === victim.token.id && ['otp.failed', 'token.blocked', 'token.unblocked'].includes(e.type));
    expect(security.map((e) => e.type)).toEqual(['token.unblocked', 'token.blocked', 'otp.failed', 'otp.failed', 'otp.failed']);

    for (let minute = 0; minute < 150; minute++) {
      world.clock.advanceSeconds(61);
      for (const u of strangers) expect((await refusal(pm.prepare({ resource: victim.resource.name, login: u.login }))).code).toBe('NOT_ASSIGNED');
      await pm.prepare({ resource: loader.resource.name, login: loader.login }).catch((err: { code?: string }) => expect(err.code).toBe('RATE_LIMITED'));
      expect((await refusal(pm.authenticate({ resource: poster.resource.name, login: poster.login, otp: '123456' }))).code).toBe('OTP_EXPIRED');
    }
    const all = await wholeLog(pm, 50);
    // The activity log (over 1,000 entries written) was cut to its size many times over...
    const activity = all.filter((e) => eventLog(e.type) === 'activity');
    expect(activity.length).toBeGreaterThanOrEqual(100);
    expect(activity.length).toBeLessThan(400);
    expect(all.filter((e) => e.type === 'access.denied' && e.login === strangers[0]!.login).length).toBeLessThan(150);
    // ...and not one of the security entries went with it.
    expect(all.filter((e) => e.tokenId === victim.token.id && ['otp.failed', 'token.blocked', 'token.unblocked'].includes(e.type)).map((e) => e.id)).toEqual(security.map((e) => e.id));
    expect((await pm.events.list({ type: 'otp.failed', tokenId: victim.token.id })).items.map((e) => e.id)).toEqual(security.slice(2).map((e) => e.id));
  });

  it('pages through both logs newest first, every entry once, from events.list and in the order of the decisions', async () => {
    const pm = world.make({ eventLogSize: 100 }, true);
    const heard: ProtectimusEvent[] = [];
    pm.on('*', (e) => heard.push(e));
    // Security (admin changes, failed and right codes) and activity (mails, a reload, a used-up
    // code) entries interleaved, none a repeat of another...
    const journey = async () => {
      const s = await seedUser(pm);
      const code = await codeFor(pm, s);
      world.clock.advanceSeconds(1);
      await pm.prepare({ resource: s.resource.name, login: s.login });
      const wrong = code === '000000' ? '111111' : '000000';
      await refusal(pm.authenticate({ resource: s.resource.name, login: s.login, otp: wrong }));
      await pm.authenticate({ resource: s.resource.name, login: s.login, otp: code });
      await refusal(pm.authenticate({ resource: s.resource.name, login: s.login, otp: code }));
      world.clock.advanceSeconds(1);
    };
    for (let i = 0; i < 3; i++) await journey();
    // ...then more activity than its log keeps (refusals of users without a token, a minute
    // apart so none is a repeat), then more of both.
    const strangers = await Promise.all(Array.from({ length: 3 }, (_, i) => pm.users.create({ login: `pager${i}-${randomBytes(3).toString('hex')}` })));
    const elsewhere = await pm.resources.create({ name: `pager-${randomBytes(3).toString('hex')}` });
    for (let minute = 0; minute < 50; minute++) {
      world.clock.advanceSeconds(61);
      for (const u of strangers) await refusal(pm.prepare({ resource: elsewhere.name, login: u.login }));
    }
    for (let i = 0; i < 2; i++) await journey();
    for (const type of ['token.created', 'otp.sent', 'otp.reused', 'otp.failed', 'otp.verified', 'otp.expired']) expect(heard.filter((e) => e.type === type)).toHaveLength(5);

    // What the log holds: every security entry, and the newest activity, down to the oldest
    // activity entry the store kept (at least 100 of the 180 written).
    const seen = (events: ProtectimusEvent[]) => events.map((e) => `${e.type} ${e.login ?? ''} ${e.at}`);
    const newestFirst = [...heard].reverse();
    const first = await wholeLog(pm, 500);
    const oldestActivity = seen(first.filter((e) => eventLog(e.type) === 'activity')).at(-1)!;
    const cut = seen(newestFirst).indexOf(oldestActivity);
    expect(newestFirst.slice(0, cut + 1).filter((e) => eventLog(e.type) === 'activity').length).toBeGreaterThanOrEqual(100);
    expect(newestFirst.slice(cut + 1).some((e) => eventLog(e.type) === 'activity')).toBe(true);
    const expected = seen(newestFirst.filter((e, i) => i <= cut || eventLog(e.type) === 'security'));
    expect(expected.filter((e) => e.startsWith('otp.failed '))).toHaveLength(5);
    for (const limit of [1, 2, 3, 7, 50, 500]) {
      const all = await wholeLog(pm, limit);
      expect(seen(all)).toEqual(expected);
      expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
    }
    // The admin API's event endpoint (what the panel's "Older events" button pages) alike.
    const viaApi: ProtectimusEvent[] = [];
    let cursor: string | null = null;
    do {
      const query: Record<string, string> = cursor === null ? { limit: '3' } : { limit: '3', before: cursor };
      const res = await handleAdmin(pm, { method: 'GET', path: '/api/events', mountPath: '/admin', query, headers: { accept: 'application/json' }, session: {}, authorized: true });
      expect(res.status).toBe(200);
      const page = JSON.parse(res.body) as { items: ProtectimusEvent[]; next: string | null };
      viaApi.push(...page.items);
      cursor = page.next;
    } while (cursor !== null);
    expect(seen(viaApi)).toEqual(expected);

    // A type filter reads its own log, and its cursors page it too.
    const failures: ProtectimusEvent[] = [];
    let next: string | null | undefined;
    do {
      const page = await pm.events.list({ type: 'otp.failed', limit: 1, ...(next ? { before: next } : {}) });
      failures.push(...page.items);
      next = page.next;
    } while (next);
    expect(seen(failures)).toEqual(expected.filter((e) => e.startsWith('otp.failed ')));
    // A cursor taken from an unfiltered page continues a filtered one, and the other way round.
    const firstSix = await pm.events.list({ limit: 6 });
    const sentAfter = await pm.events.list({ type: 'otp.sent', limit: 50, before: firstSix.next ?? '' });
    expect(seen(sentAfter.items)).toEqual(expected.slice(6).filter((e) => e.startsWith('otp.sent ')));
    const lastFailure = failures[1]!;
    const rest = await pm.events.list({ limit: 500, before: lastFailure.id });
    expect(seen(rest.items)).toEqual(expected.slice(expected.indexOf(seen([lastFailure])[0]!) + 1));
  });

  it('validates the retention and limit options', () => {
    for (const options of [{ eventLogSize: 99 }, { securityLogSize: 10.5 }, { securityLogSize: '1000' }, { otp: { maxPreparesPerMinute: 0 } }, { otp: { maxPreparesPerMinute: 1.5 } }]) {
      expect(() => world.make(options as never, true)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }) as unknown as Error);
    }
  });
});
