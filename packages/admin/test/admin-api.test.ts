import { MemoryStore, ProtectimusError, type Protectimus, type Store } from '@protectimus-mail/core';
import { csrfToken } from '@protectimus-mail/core/adapter';
import { seedUser, STORE_KINDS, startWorld, type World } from '../../core/test/support/protectimus';
import { handleAdmin } from '../src/runner';
import { adminConformance, settle } from './support/admin-conformance';
import { directHttp } from './support/admin-http';

// The admin API's contract through `handleAdmin` itself, on both stores (Redis is a real server).
describe.each(STORE_KINDS)('admin API through handleAdmin, %s store', (kind) => {
  adminConformance('conformance', async () => {
    const world = await startWorld(kind);
    const pm = world.make({}, true);
    const seen: string[] = [];
    return { pm, admin: directHttp(pm, true, seen, {}, 'root'), outsider: directHttp(pm, false, seen), seen, actor: 'root', close: () => world.close() };
  });
});

/** A request as an adapter would build it, authorized, JSON, mounted at /admin. */
function request(session: Record<string, unknown>, over: Partial<Parameters<typeof handleAdmin>[1]> = {}): Parameters<typeof handleAdmin>[1] {
  return { method: 'GET', path: '/api/tokens', mountPath: '/admin', query: {}, headers: { accept: 'application/json' }, session, authorized: true, ...over };
}

describe('admin API: what only the core layer shows', () => {
  let world: World;
  let pm: Protectimus;
  beforeAll(async () => {
    world = await startWorld('redis');
    pm = world.make({}, true);
  });
  afterAll(() => world.close());

  it('counts codes sent, verified and failed per hour over the last 24 hours', async () => {
    const { login, email, resource } = await seedUser(pm, { login: 'stats-user' });
    // Two hours ago: a code sent and verified. One hour ago: a wrong code, then a new code sent.
    world.clock.advance(-2 * 3_600_000);
    await pm.prepare({ resource: resource.id, login, ip: '203.0.113.9' });
    const first = world.smtp.codeFrom(await world.smtp.waitForMail(email));
    await pm.authenticate({ resource: resource.id, login, otp: first, ip: '203.0.113.9' });
    world.clock.advance(3_600_000);
    await pm.prepare({ resource: resource.id, login, ip: '203.0.113.9' });
    const second = world.smtp.codeFrom(await world.smtp.waitForMail(email));
    const wrong = second.slice(0, -1) + String((Number(second.slice(-1)) + 1) % 10);
    await expect(pm.authenticate({ resource: resource.id, login, otp: wrong, ip: '203.0.113.9' })).rejects.toMatchObject({ code: 'INVALID_OTP' });
    world.clock.advance(3_600_000);
    await settle();

    const res = await handleAdmin(pm, request({}, { path: '/api/stats/hourly' }));
    const hours = (JSON.parse(res.body) as { hours: { hour: string; sent: number; verified: number; failed: number }[] }).hours;
    expect(hours).toHaveLength(24);
    const now = world.clock.now();
    expect(Date.parse(hours[23]?.hour ?? '')).toBe(Math.floor(now / 3_600_000) * 3_600_000);
    const counts = hours.map((h) => [h.sent, h.verified, h.failed]);
    expect(counts[21]).toEqual([1, 1, 0]);
    expect(counts[22]).toEqual([1, 0, 1]);
    expect(counts.filter((_, i) => i !== 21 && i !== 22).flat().every((x) => x === 0)).toBe(true);
    // Neither code is in any admin answer: not in the log, not in the chart.
    const log = (await handleAdmin(pm, request({}, { path: '/api/events', query: { limit: '500' } }))).body;
    for (const code of [first, second, wrong]) {
      expect(log).not.toMatch(new RegExp(`(^|\\D)${code}(\\D|$)`));
      expect(res.body).not.toMatch(new RegExp(`(^|\\D)${code}(\\D|$)`));
    }
  });

  it('answers 503 unavailable when the store is unreachable', async () => {
    const down = new MemoryStore();
    const failing = new Proxy(down, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        return typeof value === 'function' && prop !== 'close' ? () => Promise.reject(new Error('ECONNREFUSED')) : value;
      },
    }) as Store;
    const broken = world.make({ store: failing });
    const session: Record<string, unknown> = {};
    for (const over of [{}, { method: 'POST', headers: { contentType: 'application/json', csrf: csrfToken(session) }, body: { name: 'x', email: 'x@example.com' } }]) {
      const res = await handleAdmin(broken, request(session, over));
      expect(res.status).toBe(503);
      expect(JSON.parse(res.body)).toEqual({ error: 'unavailable', message: 'the store is unreachable; try again in a moment' });
    }
    await down.close();
  });

  it('answers 500 with no detail for what it did not expect, and tells onError', async () => {
    const session: Record<string, unknown> = {};
    const errors: unknown[] = [];
    const res = await handleAdmin(
      pm,
      request(session, {
        method: 'POST',
        headers: { contentType: 'application/json', csrf: csrfToken(session) },
        readRawBody: () => Promise.reject(new TypeError('socket exploded at 0xdeadbeef')),
      }),
      { onError: (err) => errors.push(err) },
    );
    expect(res.status).toBe(500);
    expect(JSON.parse(res.body)).toEqual({ error: 'internal_error', message: 'something went wrong; the server log has the details' });
    expect(res.body).not.toContain('deadbeef');
    expect(errors).toHaveLength(1);
    // Refusals are answers, not errors: nothing reported.
    await handleAdmin(pm, request(session, { path: '/api/tokens/tok_nothere' }), { onError: (err) => errors.push(err) });
    await handleAdmin(pm, request(session, { authorized: false }), { onError: (err) => errors.push(err) });
    expect(errors).toHaveLength(1);
  });

  it('takes a body the app already parsed, as an object or as text', async () => {
    const session: Record<string, unknown> = {};
    const csrf = csrfToken(session);
    const parsed = await handleAdmin(pm, request(session, { method: 'POST', headers: { contentType: 'application/json', csrf }, body: { name: 'Parsed', email: 'parsed@example.com' } }));
    expect(parsed.status).toBe(201);
    const text = await handleAdmin(pm, request(session, { method: 'POST', path: '/api/users/import', headers: { contentType: 'text/csv', csrf }, body: 'texty,texty@example.com,,,,Texty mail' }));
    expect(JSON.parse(text.body)).toEqual({ created: 1, errors: [] });
    const bytes = await handleAdmin(pm, request(session, { method: 'POST', path: '/api/users', headers: { contentType: 'application/json', csrf }, body: Buffer.from('{"login":"bytes"}') }));
    expect(bytes.status).toBe(201);
    // An app parser's array is not an object; a parsed form is not JSON.
    const array = await handleAdmin(pm, request(session, { method: 'POST', headers: { contentType: 'application/json', csrf }, body: [] }));
    expect(array.status).toBe(400);
    const form = await handleAdmin(pm, request(session, { method: 'POST', headers: { contentType: 'application/x-www-form-urlencoded', csrf }, body: { name: 'Form', email: 'form@example.com' } }));
    expect(form.status).toBe(400);
  });

  it('links the pages under the mount point, escaped, and keeps one CSRF token per session', async () => {
    const session: Record<string, unknown> = {};
    const page = await handleAdmin(pm, request(session, { path: '/users/', mountPath: '/a"b/', headers: { accept: 'text/html' } }));
    expect(page.status).toBe(200);
    expect(page.body).toContain('href="/a&quot;b/resources"');
    expect(page.body).toContain('data-base="/a&quot;b"');
    expect(page.body).not.toContain('"/a"b');
    const root = await handleAdmin(pm, request(session, { path: '', headers: { accept: 'text/html' } }));
    expect(root.body).toContain('<h1>Tokens</h1>');
    expect(root.body).toContain(`data-csrf="${csrfToken(session)}"`);
    const head = await handleAdmin(pm, request(session, { method: 'HEAD', path: '/api/tokens' }));
    expect(head.status).toBe(200);
  });

  it('shows a token pending confirmation as such, and leaves it out of the picker until its first right code', async () => {
    const session: Record<string, unknown> = {};
    const get = async (path: string, query: Record<string, string> = {}) => JSON.parse((await handleAdmin(pm, request(session, { path, query }))).body);
    const home = await pm.resources.create({ name: 'pending-home', enrollment: 'allowed' });
    const elsewhere = await pm.resources.create({ name: 'pending-elsewhere' });
    const prepared = await pm.prepare({ resource: home.name, login: 'penny', ip: '203.0.113.5', enroll: { email: 'penny@example.com' } });
    const token = await get(`/api/tokens/${prepared.tokenId}`);
    expect(token).toMatchObject({ name: 'penny', userLogin: 'penny', confirmedAt: null });
    const offered = async () => (await get('/api/tokens', { assignableTo: elsewhere.id, q: 'penny' })).items.map((t: { id: string }) => t.id);
    expect(await offered()).toEqual([]);
    const refusedAssign = await handleAdmin(pm, request(session, { method: 'POST', path: `/api/resources/${elsewhere.id}/assignments`, headers: { contentType: 'application/json', csrf: csrfToken(session) }, body: { tokenId: token.id } }));
    expect(refusedAssign.status).toBe(400);
    // The first right code confirms the address: then the token is offered elsewhere too.
    const code = world.smtp.codeFrom(await world.smtp.waitForMail('penny@example.com'));
    await pm.authenticate({ resource: home.name, login: 'penny', otp: code, ip: '203.0.113.5' });
    expect((await get(`/api/tokens/${token.id}`)).confirmedAt).not.toBeNull();
    expect(await offered()).toEqual([token.id]);
    // Enrollment and confirmation are logged with the token's name, and name no administrator.
    await settle();
    const events = (await get('/api/events', { tokenId: token.id })).items as { type: string; tokenName?: string; actor?: unknown }[];
    expect(events.map((e) => [e.type, e.tokenName, 'actor' in e])).toEqual([
      ['token.confirmed', 'penny', false],
      ['otp.verified', 'penny', false],
      ['otp.sent', 'penny', false],
      ['token.enrolled', 'penny', false],
    ]);
  });

  it('names the token of entries written before events carried its name, while the token exists', async () => {
    const kept = await pm.tokens.createMail({ name: 'Old entry mail', email: 'old.entry@example.com' });
    const gone = await pm.tokens.createMail({ name: 'Gone mail', email: 'gone.entry@example.com' });
    await pm.tokens.remove(gone.id);
    const at = new Date(world.clock.now()).toISOString();
    await pm.store.appendEvents(
      [kept.id, gone.id].map((tokenId) => ({ log: 'security' as const, data: JSON.stringify({ type: 'token.updated', at, tokenId }) })),
      { security: 10_000, activity: 10_000 },
    );
    const read = async (tokenId: string) => {
      const res = await handleAdmin(pm, request({}, { path: '/api/events', query: { tokenId, type: 'token.updated' } }));
      return (JSON.parse(res.body).items as { tokenName?: string }[])[0];
    };
    expect((await read(kept.id))?.tokenName).toBe('Old entry mail');
    expect((await read(gone.id))?.tokenName).toBeUndefined();
  });

  it('keeps the actor a short name: trimmed, control characters dropped, cut at 100; pm.as refuses a bad one', async () => {
    const session: Record<string, unknown> = {};
    const create = (login: string, actor: unknown) =>
      handleAdmin(pm, request(session, { method: 'POST', path: '/api/users', headers: { contentType: 'application/json', csrf: csrfToken(session) }, body: { login }, actor: actor as string }));
    expect((await create('actor-long', `  ${'a'.repeat(99)}\u{1F600}tail`)).status).toBe(201);
    expect((await create('actor-blank', ' \n\t ')).status).toBe(201);
    expect((await create('actor-number', 42)).status).toBe(201);
    await settle();
    const actorOf = async (login: string) => (await pm.events.list({ login, type: 'user.created' })).items[0]?.actor;
    expect(await actorOf('actor-long')).toBe('a'.repeat(99));
    expect(await actorOf('actor-blank')).toBeNull();
    expect(await actorOf('actor-number')).toBeNull();
    expect(() => pm.as('x'.repeat(101))).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', field: 'actor' }));
    expect(() => pm.as('bell\u0007')).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => pm.as(3 as unknown as string)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    const ada = pm.as(' Ada ');
    expect(ada.actor).toBe('Ada');
    const res = await ada.resources.create({ name: 'as-ada' });
    await ada.resources.remove(res.id);
    await settle();
    expect((await pm.events.list({ resourceId: res.id })).items.map((e) => [e.type, e.actor])).toEqual([
      ['resource.removed', 'Ada'],
      ['resource.created', 'Ada'],
    ]);
  });

  it('turns an assign-new token refusal into an answer and keeps no half-made token', async () => {
    const session: Record<string, unknown> = {};
    const csrf = csrfToken(session);
    const user = await pm.users.create({ login: 'halfway' });
    const before = (await pm.tokens.list({ limit: 200 })).items.length;
    const res = await handleAdmin(pm, request(session, { method: 'POST', path: `/api/users/${user.id}/tokens`, headers: { contentType: 'application/json', csrf }, body: { token: { name: 'Halfway', email: 'bad address' } } }));
    expect(res.status).toBe(400);
    expect((await pm.tokens.list({ limit: 200 })).items.length).toBe(before);
    expect(new ProtectimusError('NOT_FOUND', 'x').status).toBe(404);
  });
});
