import { createProtectimus, type Protectimus } from '@protectimus-mail/core';
import { SECRET } from '../../../core/test/support/protectimus';
import { ADMIN_CSP } from '@protectimus-mail/core/adapter';
import type { AdminAnswer, AdminHttp, AdminInit } from './admin-http';

/** What the shared admin suite runs against: an instance, two clients, and every answer's text. */
export interface AdminWorld {
  pm: Protectimus;
  /** A session `authorize` lets in. */
  admin: AdminHttp;
  /** A session `authorize` refuses. */
  outsider: AdminHttp;
  /** The text of every answer either client got, to prove no secret ever left. */
  seen: string[];
  /** The name the audit log records on the changes `admin` makes (its `actor`). */
  actor: string;
  close(): Promise<void>;
}

/** The PIN the suite sets; it must never come back. */
export const SUITE_PIN = 'Pin4242x';
const MUTATING = new Set(['POST', 'PATCH', 'DELETE']);
const TOKEN_KEYS = ['blocked', 'blockedUntil', 'confirmedAt', 'createdAt', 'email', 'hasPin', 'id', 'name', 'otpLength', 'pinPosition', 'type', 'userId', 'userLogin'];

/** Everything an admin can list, to prove a refused request changed nothing. */
export async function adminSnapshot(pm: Protectimus): Promise<string> {
  const [tokens, users, resources] = await Promise.all([pm.tokens.list({ limit: 200 }), pm.users.list({ limit: 200 }), pm.resources.list({ limit: 200 })]);
  const assignments = await Promise.all(resources.items.map((r) => pm.resources.assignments(r.id)));
  const owned = await Promise.all(users.items.map((u) => pm.users.tokensOf(u.id)));
  return JSON.stringify({ tokens, users, resources, assignments, owned });
}

/** The audit log is written without waiting; give it a moment before reading it. */
export const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));

/**
 * The admin API's contract (docs/design.md "Admin"), run the same over `handleAdmin` directly and
 * over each adapter: every operation, every refusal, nothing stored changed by a refused
 * request, CSRF, the CSV import, the pages and their CSP.
 */
export function adminConformance(label: string, start: () => Promise<AdminWorld>): void {
  describe(label, () => {
    let w: AdminWorld;
    let csrf: string;
    let n = 0;
    /** A name no other test of the file uses. */
    const uniq = (prefix: string) => `${prefix}-${++n}-${Math.random().toString(36).slice(2, 7)}`;

    beforeAll(async () => {
      w = await start();
      const res = await w.admin.send('GET', 'api/csrf');
      expect(res.status).toBe(200);
      csrf = res.body.csrf;
      expect(csrf).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    });
    afterAll(() => w.close());

    /** A request as the admin, with the CSRF token on changes unless `init.csrf` says otherwise. */
    const call = (method: string, path: string, init: AdminInit = {}): Promise<AdminAnswer> =>
      w.admin.send(method, path, MUTATING.has(method) && init.csrf === undefined ? { ...init, csrf } : init);
    const post = (path: string, json?: unknown) => call('POST', path, json === undefined ? {} : { json });
    const patch = (path: string, json: unknown) => call('PATCH', path, { json });

    /** Runs a request that must be refused with `status`/`error`, and checks nothing stored changed. */
    async function refused(run: () => Promise<AdminAnswer>, status: number, error: string, field?: string): Promise<AdminAnswer> {
      const before = await adminSnapshot(w.pm);
      const res = await run();
      expect({ status: res.status, error: res.body?.error }).toEqual({ status, error });
      expect(typeof res.body.message).toBe('string');
      if (field !== undefined) expect(res.body.field).toBe(field);
      expect(await adminSnapshot(w.pm)).toBe(before);
      return res;
    }

    async function newToken(extra: Record<string, unknown> = {}) {
      const name = uniq('Tok');
      return w.pm.tokens.createMail({ name, email: `${name.toLowerCase()}@example.com`, ...extra });
    }

    it('answers 403 forbidden to every request authorize did not allow, reading and changing nothing', async () => {
      const t = await newToken();
      const u = await w.pm.users.create({ login: uniq('out') });
      const r = await w.pm.resources.create({ name: uniq('out-res') });
      const routes: [string, string, unknown?][] = [
        ['GET', 'api/tokens'],
        ['POST', 'api/tokens', { name: 'Intruder', email: 'intruder@example.com' }],
        ['GET', `api/tokens/${t.id}`],
        ['PATCH', `api/tokens/${t.id}`, { name: 'Renamed' }],
        ['DELETE', `api/tokens/${t.id}`],
        ['POST', `api/tokens/${t.id}/block`, {}],
        ['POST', `api/tokens/${t.id}/unblock`],
        ['GET', 'api/users'],
        ['POST', 'api/users', { login: 'intruder' }],
        ['DELETE', `api/users/${u.id}`],
        ['POST', `api/users/${u.id}/block`, {}],
        ['POST', `api/users/${u.id}/tokens`, { tokenId: t.id }],
        ['POST', 'api/users/import', { csv: 'mallory,m@example.com' }],
        ['GET', 'api/resources'],
        ['POST', 'api/resources', { name: 'intruder' }],
        ['DELETE', `api/resources/${r.id}`],
        ['POST', `api/resources/${r.id}/assignments`, { tokenId: t.id }],
        ['GET', 'api/events'],
        ['GET', 'api/stats/hourly'],
        ['GET', 'api/csrf'],
        ['GET', ''],
        ['GET', 'users'],
        ['GET', 'assets/panel.js'],
        ['GET', 'no/such/page'],
      ];
      const before = await adminSnapshot(w.pm);
      for (const [method, path, json] of routes) {
        const res = await w.outsider.send(method, path, { ...(json === undefined ? {} : { json }), csrf });
        expect([method, path, res.status, res.body?.error]).toEqual([method, path, 403, 'forbidden']);
      }
      expect(await adminSnapshot(w.pm)).toBe(before);
      // A browser gets a page saying so, under a CSP, with no data in it.
      const page = await w.outsider.send('GET', '', { accept: 'text/html' });
      expect(page.status).toBe(403);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.headers['content-security-policy']).toContain("default-src 'none'");
      expect(page.text).not.toContain(t.name);
    });

    it('refuses every change without the session\'s CSRF token (403 csrf_failed), changing nothing', async () => {
      const t = await newToken();
      const u = await w.pm.users.create({ login: uniq('csrf') });
      const r = await w.pm.resources.create({ name: uniq('csrf-res') });
      const changes: [string, string, unknown?][] = [
        ['POST', 'api/tokens', { name: uniq('Forged'), email: 'forged@example.com' }],
        ['PATCH', `api/tokens/${t.id}`, { name: 'Forged' }],
        ['DELETE', `api/tokens/${t.id}`],
        ['POST', `api/tokens/${t.id}/block`, {}],
        ['POST', 'api/users', { login: uniq('forged') }],
        ['PATCH', `api/users/${u.id}`, { firstName: 'Forged' }],
        ['DELETE', `api/users/${u.id}`],
        ['POST', `api/users/${u.id}/block`, {}],
        ['POST', `api/users/${u.id}/tokens`, { tokenId: t.id }],
        ['POST', 'api/users/import', { csv: `${uniq('forged')},f@example.com` }],
        ['POST', 'api/resources', { name: uniq('forged') }],
        ['PATCH', `api/resources/${r.id}`, { lockMinutes: 9 }],
        ['DELETE', `api/resources/${r.id}`],
      ];
      for (const [method, path, json] of changes) {
        for (const token of [null, 'x'.repeat(43), `${csrf}x`]) {
          await refused(() => call(method, path, { ...(json === undefined ? {} : { json }), csrf: token }), 403, 'csrf_failed');
        }
      }
      // The token the API hands out is the one the pages carry.
      expect((await call('GET', '', { accept: 'text/html' })).text).toContain(`data-csrf="${csrf}"`);
    });

    it('creates, reads, finds, updates and deletes a mail token, never showing its PIN, secret or counter', async () => {
      const name = uniq('Alice mail');
      const created = await post('api/tokens', { type: 'mail', name, email: `${name.replace(/ /g, '.')}@example.com`, otpLength: 8, pin: SUITE_PIN, pinPosition: 'after' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ type: 'mail', name, otpLength: 8, hasPin: true, pinPosition: 'after', userId: null, userLogin: null, blocked: null });
      expect(Object.keys(created.body).sort()).toEqual(TOKEN_KEYS);
      const id: string = created.body.id;
      expect((await call('GET', `api/tokens/${id}`)).body).toEqual(created.body);
      const found = await call('GET', `api/tokens?q=${encodeURIComponent(name.toUpperCase())}`);
      expect(found.body.items.map((t: { id: string }) => t.id)).toEqual([id]);
      const updated = await patch(`api/tokens/${id}`, { name: `${name} 2`, otpLength: 6, pin: null });
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({ name: `${name} 2`, otpLength: 6, hasPin: false, pinPosition: null });
      const deleted = await call('DELETE', `api/tokens/${id}`);
      expect(deleted.status).toBe(204);
      expect(deleted.text).toBe('');
      await refused(() => call('GET', `api/tokens/${id}`), 404, 'not_found');
    });

    it('refuses bad token input (400 with the field), duplicates (409) and unknown ids (404), changing nothing', async () => {
      const existing = await newToken();
      const ok = { name: uniq('Fine'), email: 'fine@example.com' };
      const bad: [unknown, string][] = [
        [{ ...ok, name: '' }, 'name'],
        [{ ...ok, name: 'x'.repeat(51) }, 'name'],
        [{ ...ok, email: 'not-an-address' }, 'email'],
        [{ ...ok, email: 'a@example.com\r\nBcc: victim@example.com' }, 'email'],
        [{ ...ok, otpLength: 7 }, 'otpLength'],
        [{ ...ok, otpLength: '6' }, 'otpLength'],
        [{ ...ok, pin: '123' }, 'pin'],
        [{ ...ok, pin: '12 34' }, 'pin'],
        [{ ...ok, pin: '1234', pinPosition: 'middle' }, 'pinPosition'],
        [{ ...ok, type: 'hardware' }, 'type'],
        [{ ...ok, secret: 'mine' }, 'secret'],
        [{ ...ok, counter: 0 }, 'counter'],
        [[ok], 'body'],
        ['token', 'body'],
      ];
      for (const [json, field] of bad) await refused(() => post('api/tokens', json), 400, 'invalid_input', field);
      await refused(() => call('POST', 'api/tokens', { raw: '{"name":', contentType: 'application/json' }), 400, 'invalid_input', 'body');
      await refused(() => call('POST', 'api/tokens', { raw: 'name=x&email=x%40example.com', contentType: 'application/x-www-form-urlencoded' }), 400, 'invalid_input', 'body');
      await refused(() => call('POST', 'api/tokens', { raw: JSON.stringify(ok), contentType: 'text/plain' }), 400, 'invalid_input', 'body');
      await refused(() => call('POST', 'api/tokens'), 400, 'invalid_input', 'body');
      await refused(() => post('api/tokens', { ...ok, name: existing.name.toUpperCase() }), 409, 'already_exists', 'name');
      await refused(() => post('api/tokens', { ...ok, email: existing.email.toUpperCase() }), 409, 'already_exists', 'email');
      const other = await newToken();
      await refused(() => patch(`api/tokens/${other.id}`, { name: existing.name }), 409, 'already_exists', 'name');
      await refused(() => patch(`api/tokens/${other.id}`, { otpLength: 10 }), 400, 'invalid_input', 'otpLength');
      await refused(() => patch('api/tokens/tok_nothere', { name: 'x' }), 404, 'not_found');
      await refused(() => call('DELETE', 'api/tokens/tok_nothere'), 404, 'not_found');
      await refused(() => call('GET', 'api/tokens/not%20an%20id'), 400, 'invalid_input', 'tokenId');
      await refused(() => post('api/tokens/tok_nothere/block', {}), 404, 'not_found');
    });

    it('pages through lists and filters tokens by owner and block, users by block', async () => {
      const tag = uniq('Paged');
      const [a, b, c] = [await newToken({ name: `${tag} a`, email: `${tag}a@example.com` }), await newToken({ name: `${tag} b`, email: `${tag}b@example.com` }), await newToken({ name: `${tag} c`, email: `${tag}c@example.com` })];
      const first = await call('GET', `api/tokens?q=${encodeURIComponent(tag)}&limit=2`);
      expect(first.body.items.map((t: { id: string }) => t.id)).toEqual([a.id, b.id]);
      expect(typeof first.body.next).toBe('string');
      const second = await call('GET', `api/tokens?q=${encodeURIComponent(tag)}&limit=2&cursor=${first.body.next}`);
      expect(second.body).toMatchObject({ items: [{ id: c.id }], next: null });

      const owner = await w.pm.users.create({ login: uniq('owner') });
      await w.pm.users.assignToken(owner.id, a.id);
      await w.pm.tokens.block(b.id);
      const ids = async (query: string) => (await call('GET', `api/tokens?q=${encodeURIComponent(tag)}&${query}`)).body.items.map((t: { id: string }) => t.id);
      expect(await ids('owner=none')).toEqual([b.id, c.id]);
      expect(await ids('owner=any')).toEqual([a.id]);
      expect(await ids('blocked=true')).toEqual([b.id]);
      expect(await ids('blocked=false&owner=none')).toEqual([c.id]);
      expect(await ids('owner=none&limit=1')).toEqual([b.id]);
      const paged = await call('GET', `api/tokens?q=${encodeURIComponent(tag)}&owner=none&limit=1`);
      expect((await call('GET', `api/tokens?q=${encodeURIComponent(tag)}&owner=none&limit=1&cursor=${paged.body.next}`)).body.items.map((t: { id: string }) => t.id)).toEqual([c.id]);
      expect((await call('GET', `api/tokens/${a.id}`)).body.userLogin).toBe(owner.login);

      await w.pm.users.block(owner.id);
      const blockedUsers = (await call('GET', `api/users?q=${encodeURIComponent(owner.login)}&blocked=true`)).body.items;
      expect(blockedUsers.map((u: { id: string }) => u.id)).toEqual([owner.id]);
      expect(blockedUsers[0].tokens).toEqual([{ id: a.id, name: a.name, blocked: null }]);
      for (const query of ['owner=nobody', 'blocked=yes', 'limit=0', 'limit=201', 'limit=two', `q=${'x'.repeat(101)}`, 'cursor=%%%']) {
        await refused(() => call('GET', `api/tokens?${query}`), 400, 'invalid_input');
      }
      await refused(() => call('GET', 'api/users?limit=-1'), 400, 'invalid_input');
      await refused(() => call('GET', 'api/resources?limit=1000'), 400, 'invalid_input');
    });

    it('blocks and unblocks tokens and users, for a time or until unblocked, with the reason', async () => {
      const t = await newToken();
      const forAWhile = await post(`api/tokens/${t.id}/block`, { minutes: 30 });
      expect(forAWhile.status).toBe(200);
      expect(forAWhile.body).toMatchObject({ id: t.id, blocked: 'admin' });
      expect(Date.parse(forAWhile.body.blockedUntil) - w.pm.clock.now()).toBe(30 * 60_000);
      expect((await post(`api/tokens/${t.id}/unblock`)).body).toMatchObject({ blocked: null, blockedUntil: null });
      // No body at all: blocked until an administrator unblocks.
      const forGood = await call('POST', `api/tokens/${t.id}/block`);
      expect(forGood.body).toMatchObject({ blocked: 'admin', blockedUntil: null });
      expect((await call('GET', `api/tokens/${t.id}`)).body.blocked).toBe('admin');
      await post(`api/tokens/${t.id}/unblock`);
      for (const json of [{ minutes: 0 }, { minutes: 1.5 }, { minutes: '5' }, { minutes: 5, reason: 'x' }]) {
        await refused(() => post(`api/tokens/${t.id}/block`, json), 400, 'invalid_input');
      }
      await refused(() => call('POST', `api/tokens/${t.id}/block`, { raw: 'minutes=5', contentType: 'application/x-www-form-urlencoded' }), 400, 'invalid_input');

      const u = await w.pm.users.create({ login: uniq('blockme') });
      expect((await post(`api/users/${u.id}/block`, { minutes: 10 })).body).toMatchObject({ blocked: 'admin' });
      expect((await call('GET', `api/users/${u.id}`)).body.blockedUntil).not.toBeNull();
      expect((await post(`api/users/${u.id}/unblock`)).body).toMatchObject({ blocked: null, blockedUntil: null });
      await refused(() => post('api/users/usr_nothere/unblock'), 404, 'not_found');
    });

    it('creates, reads, finds, updates and deletes users, and refuses bad ones', async () => {
      const login = uniq('carol');
      const created = await post('api/users', { login, email: `${login}@example.com`, firstName: 'Carol', secondName: 'Jones' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ login, email: `${login}@example.com`, firstName: 'Carol', secondName: 'Jones', locale: null, blocked: null, tokens: [] });
      const id: string = created.body.id;
      expect((await call('GET', `api/users/${id}`)).body).toEqual(created.body);
      expect((await call('GET', `api/users?q=${login}`)).body.items.map((u: { id: string }) => u.id)).toEqual([id]);
      expect((await patch(`api/users/${id}`, { firstName: null, secondName: 'Smith' })).body).toMatchObject({ firstName: null, secondName: 'Smith' });
      // The user's mail language (docs/design.md, "Languages"): a BCP 47 tag, canonical; null for the page's.
      expect((await patch(`api/users/${id}`, { locale: 'de-at' })).body).toMatchObject({ locale: 'de-AT', secondName: 'Smith' });
      await refused(() => patch(`api/users/${id}`, { locale: 'not a tag' }), 400, 'invalid_input', 'locale');
      expect((await call('GET', `api/users/${id}`)).body).toMatchObject({ locale: 'de-AT' });
      expect((await patch(`api/users/${id}`, { locale: null })).body).toMatchObject({ locale: null });
      expect((await post('api/users', { login: uniq('lang'), locale: 'uk' })).body).toMatchObject({ locale: 'uk' });
      await refused(() => post('api/users', { login: login.toUpperCase() }), 409, 'already_exists', 'login');
      await refused(() => post('api/users', { login: 'has space' }), 400, 'invalid_input', 'login');
      await refused(() => post('api/users', { login: uniq('ok'), email: 'nope' }), 400, 'invalid_input', 'email');
      await refused(() => post('api/users', { login: uniq('ok'), role: 'admin' }), 400, 'invalid_input', 'role');
      await refused(() => post('api/users', {}), 400, 'invalid_input', 'login');
      await refused(() => patch('api/users/usr_nothere', { firstName: 'x' }), 404, 'not_found');
      expect((await call('DELETE', `api/users/${id}`)).status).toBe(204);
      await refused(() => call('GET', `api/users/${id}`), 404, 'not_found');
    });

    it('assigns a token to a user (existing or new), lists and takes it back', async () => {
      const u = await w.pm.users.create({ login: uniq('dave'), email: 'dave@example.com' });
      const t = await newToken();
      const assigned = await post(`api/users/${u.id}/tokens`, { tokenId: t.id });
      expect(assigned.status).toBe(200);
      expect(assigned.body).toMatchObject({ id: t.id, userId: u.id, userLogin: u.login });
      const name = uniq('Dave new');
      const fresh = await post(`api/users/${u.id}/tokens`, { token: { type: 'mail', name, email: `${name.replace(/ /g, '')}@example.com`, otpLength: 6, pin: SUITE_PIN, pinPosition: 'before' } });
      expect(fresh.status).toBe(201);
      expect(fresh.body).toMatchObject({ name, userId: u.id, userLogin: u.login, hasPin: true, pinPosition: 'before' });
      expect(Object.keys(fresh.body).sort()).toEqual(TOKEN_KEYS);
      const owned = await call('GET', `api/users/${u.id}/tokens`);
      expect(owned.body.items.map((x: { id: string }) => x.id).sort()).toEqual([t.id, fresh.body.id].sort());
      expect((await call('GET', `api/users/${u.id}`)).body.tokens.map((x: { name: string }) => x.name).sort()).toEqual([t.name, name].sort());

      const other = await w.pm.users.create({ login: uniq('erin') });
      await refused(() => post(`api/users/${other.id}/tokens`, { tokenId: t.id }), 409, 'already_exists', 'tokenId');
      await refused(() => post(`api/users/${other.id}/tokens`, { tokenId: t.id, token: {} }), 400, 'invalid_input', 'body');
      await refused(() => post(`api/users/${other.id}/tokens`, {}), 400, 'invalid_input', 'body');
      await refused(() => post(`api/users/${other.id}/tokens`, { token: 'mail' }), 400, 'invalid_input', 'token');
      await refused(() => post(`api/users/${other.id}/tokens`, { token: { name: uniq('x'), email: 'x@example.com', otpLength: 5 } }), 400, 'invalid_input', 'otpLength');
      await refused(() => post(`api/users/${other.id}/tokens`, { token: { name: t.name, email: 'y@example.com' } }), 409, 'already_exists', 'name');
      await refused(() => post(`api/users/${other.id}/tokens`, { tokenId: 'tok_nothere' }), 404, 'not_found');
      await refused(() => post('api/users/usr_nothere/tokens', { tokenId: t.id }), 404, 'not_found');
      await refused(() => call('DELETE', `api/users/${other.id}/tokens/${t.id}`), 404, 'not_assigned');

      expect((await call('DELETE', `api/users/${u.id}/tokens/${t.id}`)).status).toBe(204);
      expect((await call('GET', `api/tokens/${t.id}`)).body).toMatchObject({ userId: null, userLogin: null });
      await refused(() => call('DELETE', `api/users/${u.id}/tokens/${t.id}`), 404, 'not_assigned');
    });

    it('creates, reads, updates and deletes resources, and assigns and unassigns tokens with users', async () => {
      const name = uniq('billing');
      const created = await post('api/resources', { name, failedAttemptsBeforeLock: 4, lockMinutes: 10, allowedIps: ['10.0.0.0/8', '2001:db8::1'] });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ name, failedAttemptsBeforeLock: 4, lockMinutes: 10, allowedIps: ['10.0.0.0/8', '2001:db8::1/128'] });
      const id: string = created.body.id;
      expect((await call('GET', `api/resources/${encodeURIComponent(name)}`)).body).toEqual(created.body);
      expect((await call('GET', `api/resources?q=${name}`)).body.items.map((r: { id: string }) => r.id)).toEqual([id]);
      expect((await patch(`api/resources/${id}`, { lockMinutes: 15, allowedIps: [] })).body).toMatchObject({ lockMinutes: 15, allowedIps: [] });
      await refused(() => post('api/resources', { name }), 409, 'already_exists', 'name');
      await refused(() => post('api/resources', { name: uniq('r'), failedAttemptsBeforeLock: 11 }), 400, 'invalid_input', 'failedAttemptsBeforeLock');
      await refused(() => post('api/resources', { name: uniq('r'), allowedIps: ['not an ip'] }), 400, 'invalid_input', 'allowedIps');
      await refused(() => post('api/resources', { lockMinutes: 5 }), 400, 'invalid_input', 'name');
      // The display name people read in the guard's page and the mail: kept trimmed, checked, removable.
      expect((await patch(`api/resources/${id}`, { displayName: '  Billing <Pro>  ' })).body).toMatchObject({ name, displayName: 'Billing <Pro>' });
      expect((await call('GET', `api/resources/${id}`)).body.displayName).toBe('Billing <Pro>');
      await refused(() => patch(`api/resources/${id}`, { displayName: 'x'.repeat(81) }), 400, 'invalid_input', 'displayName');
      await refused(() => post('api/resources', { name: uniq('r'), displayName: 'a\u0007b' }), 400, 'invalid_input', 'displayName');
      expect((await patch(`api/resources/${id}`, { displayName: '' })).body).not.toHaveProperty('displayName');
      await refused(() => patch('api/resources/res_nothere', { lockMinutes: 5 }), 404, 'not_found');

      const u = await w.pm.users.create({ login: uniq('frank') });
      const t = await newToken();
      const spare = await newToken();
      const unowned = await newToken();
      await w.pm.users.assignToken(u.id, t.id);
      await w.pm.users.assignToken(u.id, spare.id);
      const assigned = await post(`api/resources/${id}/assignments`, { tokenId: t.id });
      expect(assigned.status).toBe(201);
      expect(assigned.body).toEqual({ resourceId: id, userId: u.id, tokenId: t.id, login: u.login, tokenName: t.name });
      expect((await call('GET', `api/resources/${id}/assignments`)).body.items).toEqual([assigned.body]);
      await refused(() => post(`api/resources/${id}/assignments`, { tokenId: unowned.id }), 400, 'invalid_input', 'tokenId');
      await refused(() => post(`api/resources/${id}/assignments`, { tokenId: spare.id }), 409, 'already_exists', 'tokenId');
      await refused(() => post(`api/resources/${id}/assignments`, { tokenId: 'tok_nothere' }), 404, 'not_found');
      await refused(() => post(`api/resources/${id}/assignments`, {}), 400, 'invalid_input', 'tokenId');
      await refused(() => post('api/resources/res_nothere/assignments', { tokenId: t.id }), 404, 'not_found');
      await refused(() => call('DELETE', `api/resources/${id}/assignments/${spare.id}`), 404, 'not_assigned');
      expect((await call('DELETE', `api/resources/${id}/assignments/${t.id}`)).status).toBe(204);
      expect((await call('GET', `api/resources/${id}/assignments`)).body.items).toEqual([]);
      expect((await call('DELETE', `api/resources/${id}`)).status).toBe(204);
      await refused(() => call('GET', `api/resources/${id}`), 404, 'not_found');
    });

    it('takes and shows a resource\'s time window, removes it with null, and refuses a bad one (400 field schedule), changing nothing', async () => {
      const schedule = { timeZone: 'Europe/Kyiv', days: { mon: [['13:00', '19:00'], ['08:00', '12:00']], sat: [['22:00', '06:00']] } };
      const sorted = { timeZone: 'Europe/Kyiv', days: { mon: [['08:00', '12:00'], ['13:00', '19:00']], sat: [['22:00', '06:00']] } };
      const created = await post('api/resources', { name: uniq('hours'), schedule });
      expect(created.status).toBe(201);
      expect(created.body.schedule).toEqual(sorted);
      const id: string = created.body.id;
      expect((await call('GET', `api/resources/${id}`)).body.schedule).toEqual(sorted);
      expect((await call('GET', `api/resources?q=${encodeURIComponent(created.body.name)}`)).body.items[0].schedule).toEqual(sorted);
      const bad: [unknown, RegExp][] = [
        [{ timeZone: 'Mars/Olympus', days: {} }, /IANA/],
        [{ timeZone: 'UTC', days: { mon: [['08:00', '25:00']] } }, /25:00/],
        [{ timeZone: 'UTC', days: { mon: [['08:00', '08:00']] } }, /empty/],
        [{ timeZone: 'UTC', days: { mon: [['08:00', '12:00'], ['11:00', '13:00']] } }, /overlap/],
        [{ timeZone: 'UTC', days: { someday: [] } }, /weekday/],
        ['Europe/Kyiv mon-fri 08:00-19:00', /timeZone, days/],
      ];
      for (const [value, message] of bad) {
        expect((await refused(() => patch(`api/resources/${id}`, { schedule: value, lockMinutes: 9 }), 400, 'invalid_input', 'schedule')).body.message).toMatch(message);
        await refused(() => post('api/resources', { name: uniq('bad-hours'), schedule: value }), 400, 'invalid_input', 'schedule');
      }
      expect((await patch(`api/resources/${id}`, { schedule: null })).body.schedule).toBeNull();
      expect((await call('GET', `api/resources/${id}`)).body.schedule).toBeNull();
    });

    it('reads the event log newest first, filtered and paged', async () => {
      const login = uniq('gina');
      const u = await post('api/users', { login });
      await post(`api/users/${u.body.id}/block`, {});
      await post(`api/users/${u.body.id}/unblock`);
      await settle();
      const mine = (await call('GET', `api/events?login=${login}`)).body;
      expect(mine.items.map((e: { type: string }) => e.type)).toEqual(['user.unblocked', 'user.blocked', 'user.created']);
      expect(mine.items.every((e: { login: string }) => e.login === login)).toBe(true);
      expect((await call('GET', `api/events?login=${login}&type=user.blocked`)).body.items).toHaveLength(1);
      const page1 = (await call('GET', `api/events?login=${login}&limit=1`)).body;
      expect(page1.items.map((e: { type: string }) => e.type)).toEqual(['user.unblocked']);
      const page2 = (await call('GET', `api/events?login=${login}&limit=1&before=${page1.next}`)).body;
      expect(page2.items.map((e: { type: string }) => e.type)).toEqual(['user.blocked']);
      const all = (await call('GET', 'api/events?limit=500')).body.items as { at: string }[];
      expect(all.length).toBeGreaterThan(3);
      for (let i = 1; i < all.length; i++) expect(Date.parse(all[i - 1]?.at ?? '')).toBeGreaterThanOrEqual(Date.parse(all[i]?.at ?? ''));
      for (const query of ['type=user.exploded', 'limit=0', 'limit=501', 'before=a%20b', `login=${'x'.repeat(65)}`]) {
        await refused(() => call('GET', `api/events?${query}`), 400, 'invalid_input');
      }
      const stats = (await call('GET', 'api/stats/hourly')).body;
      expect(stats.hours).toHaveLength(24);
      expect(Object.keys(stats.hours[0]).sort()).toEqual(['failed', 'hour', 'sent', 'verified']);
    });

    it('records the acting admin and the token names on events; made through core, actor is null', async () => {
      const name = uniq('Logged mail');
      const t = await post('api/tokens', { name, email: `${uniq('logged')}@example.com` });
      const login = uniq('logan');
      const u = await post('api/users', { login });
      const r = await post('api/resources', { name: uniq('logged-res') });
      expect((await post(`api/users/${u.body.id}/tokens`, { tokenId: t.body.id })).status).toBe(200);
      expect((await post(`api/resources/${r.body.id}/assignments`, { tokenId: t.body.id })).status).toBe(201);
      await patch(`api/tokens/${t.body.id}`, { otpLength: 8 });
      await post(`api/tokens/${t.body.id}/block`, {});
      await post(`api/tokens/${t.body.id}/unblock`);
      expect((await call('DELETE', `api/resources/${r.body.id}/assignments/${t.body.id}`)).status).toBe(204);
      await patch(`api/resources/${r.body.id}`, { enrollment: 'allowed' });
      await post(`api/users/${u.body.id}/block`, {});
      // The same kind of change made through core's own operations names no one.
      await w.pm.tokens.update(t.body.id, { otpLength: 6 });
      await settle();

      type Entry = { type: string; actor?: string | null; tokenId?: string; tokenName?: string; detail?: Record<string, unknown> };
      const byToken = (await call('GET', `api/events?tokenId=${t.body.id}`)).body.items as Entry[];
      expect(byToken.map((e) => [e.type, e.actor, e.tokenName])).toEqual([
        ['token.updated', null, name],
        ['assignment.removed', w.actor, name],
        ['token.unblocked', w.actor, name],
        ['token.blocked', w.actor, name],
        ['token.updated', w.actor, name],
        ['assignment.created', w.actor, name],
        ['token.updated', w.actor, name],
        ['token.created', w.actor, name],
      ]);
      expect(byToken.find((e) => e.type === 'token.blocked')?.detail).toEqual({ reason: 'admin' });
      const byUser = (await call('GET', `api/events?login=${login}`)).body.items as Entry[];
      expect(byUser.map((e) => [e.type, e.actor])).toEqual([['user.blocked', w.actor], ['assignment.created', w.actor], ['user.created', w.actor]]);
      const byResource = (await call('GET', `api/events?resourceId=${r.body.id}`)).body.items as Entry[];
      expect(byResource.map((e) => [e.type, e.actor])).toEqual([
        ['resource.updated', w.actor],
        ['assignment.removed', w.actor],
        ['assignment.created', w.actor],
        ['resource.created', w.actor],
      ]);
      // A token renamed later: each entry keeps the name it had when it was made.
      const renamed = uniq('Renamed mail');
      await patch(`api/tokens/${t.body.id}`, { name: renamed });
      await settle();
      const after = (await call('GET', `api/events?tokenId=${t.body.id}&limit=2`)).body.items as Entry[];
      expect(after.map((e) => e.tokenName)).toEqual([renamed, name]);
    });

    it('offers for "Assign -> Token with User" only the tokens the resource would take (assignableTo)', async () => {
      const r = await post('api/resources', { name: uniq('picker-res') });
      const owner = await post('api/users', { login: uniq('picker-owner') });
      const other = await post('api/users', { login: uniq('picker-other') });
      const tag = uniq('pick');
      const token = async (suffix: string, userId?: string) => {
        const t = await post('api/tokens', { name: `${tag} ${suffix}`, email: `${tag}-${suffix}@example.com` });
        if (userId) await post(`api/users/${userId}/tokens`, { tokenId: t.body.id });
        return t.body.id as string;
      };
      const first = await token('first', owner.body.id);
      const second = await token('second', owner.body.id);
      const others = await token('others', other.body.id);
      await token('unowned');
      const names = async (resource: string) =>
        ((await call('GET', `api/tokens?q=${encodeURIComponent(tag)}&assignableTo=${encodeURIComponent(resource)}`)).body.items as { name: string }[]).map((t) => t.name);
      expect(await names(r.body.id)).toEqual([`${tag} first`, `${tag} others`, `${tag} second`]);
      await post(`api/resources/${r.body.id}/assignments`, { tokenId: first });
      // The owner has a token there now: neither of theirs is offered; by name works as by id.
      expect(await names(r.body.id)).toEqual([`${tag} others`]);
      expect(await names(r.body.name)).toEqual([`${tag} others`]);
      // What the picker leaves out is what the server refuses.
      await refused(() => post(`api/resources/${r.body.id}/assignments`, { tokenId: second }), 409, 'already_exists', 'tokenId');
      expect((await post(`api/resources/${r.body.id}/assignments`, { tokenId: others })).status).toBe(201);
      expect(await names(r.body.id)).toEqual([]);
      await refused(() => call('GET', 'api/tokens?assignableTo=res_nothere'), 404, 'not_found');
      await refused(() => call('GET', `api/tokens?assignableTo=${'x'.repeat(65)}`), 400, 'invalid_input', 'assignableTo');
    });

    it('imports users from CSV: good rows kept whole, each bad row reported by line and kept not at all', async () => {
      const tag = uniq('imp');
      const res = await w.pm.resources.create({ name: `${tag}-res` });
      const shared = await w.pm.tokens.createMail({ name: `${tag} shared`, email: `${tag}.shared@example.com` });
      const owner = await w.pm.users.create({ login: `${tag}-owner` });
      const owned = await w.pm.tokens.createMail({ name: `${tag} owned`, email: `${tag}.owned@example.com` });
      await w.pm.users.assignToken(owner.id, owned.id);
      const csv = [
        'login,email,firstName,secondName,resourceName1,tokenName1,resourceName2,tokenName2',
        `${tag}-ann,${tag}.ann@example.com,Ann,Lee,${tag}-res,${tag} ann`,
        `${tag}-bob,${tag}.bob@example.com,"Bob, Jr.",,${tag}-res,${tag} shared,,`,
        `${tag}-cat,${tag}.cat@example.com,Cat,,${tag}-res,${tag} cat,${tag}-nowhere,${tag} cat`,
        `has space,${tag}.x@example.com`,
        `${tag}-ann,${tag}.ann2@example.com`,
        `${tag}-dan,${tag}.dan@example.com,,,${tag}-res,${tag} owned`,
        `${tag}-eve,${tag}.eve@example.com,"Eve`,
        `Two lines",,${tag}-res,${tag} eve`,
        `${tag}-fay,,,,${tag}-res,${tag} fay`,
        `${tag}-gus,${tag}.gus@example.com,,,${tag}-res`,
        '',
        ',,,',
        `"${tag}-hal",${tag}.hal@example.com,Hal,,,${tag} hal`,
      ].join('\r\n');
      const before = await adminSnapshot(w.pm);
      const answer = await call('POST', 'api/users/import', { raw: csv, contentType: 'text/csv; charset=utf-8' });
      expect(answer.status).toBe(200);
      expect(answer.body.created).toBe(3);
      expect(answer.body.errors.map((e: { line: number; error: string }) => [e.line, e.error])).toEqual([
        [4, 'not_found'],
        [5, 'invalid_input'],
        [6, 'already_exists'],
        [7, 'already_exists'],
        [8, 'invalid_input'],
        [10, 'invalid_input'],
        [11, 'invalid_input'],
      ]);
      expect(answer.body.errors[0].message).toContain(`${tag}-nowhere`);
      expect(answer.body.errors[3].message).toContain(`${tag} owned`);
      expect(answer.body.errors.every((e: { message: string }) => typeof e.message === 'string' && e.message.length > 0)).toBe(true);

      const logins = (await call('GET', `api/users?q=${tag}&limit=200`)).body.items.map((u: { login: string }) => u.login).sort();
      expect(logins).toEqual([`${tag}-ann`, `${tag}-bob`, `${tag}-hal`, `${tag}-owner`]);
      const tokens = (await call('GET', `api/tokens?q=${encodeURIComponent(tag)}&limit=200`)).body.items as { name: string; userLogin: string | null }[];
      expect(tokens.map((t) => [t.name, t.userLogin]).sort()).toEqual(
        [[`${tag} ann`, `${tag}-ann`], [`${tag} hal`, `${tag}-hal`], [`${tag} owned`, `${tag}-owner`], [`${tag} shared`, `${tag}-bob`]].sort(),
      );
      const assignments = (await call('GET', `api/resources/${res.id}/assignments`)).body.items.map((a: { login: string; tokenName: string }) => [a.login, a.tokenName]).sort();
      expect(assignments).toEqual([[`${tag}-ann`, `${tag} ann`], [`${tag}-bob`, `${tag} shared`]]);
      const bob = (await call('GET', `api/users?q=${tag}-bob`)).body.items[0];
      expect(bob.firstName).toBe('Bob, Jr.');
      expect((await call('GET', `api/tokens/${shared.id}`)).body.userLogin).toBe(`${tag}-bob`);

      // JSON { csv } works too; a refused upload changes nothing.
      const viaJson = await post('api/users/import', { csv: `${tag}-ivy,${tag}.ivy@example.com` });
      expect(viaJson.body).toEqual({ created: 1, errors: [] });
      expect(before).not.toBe(await adminSnapshot(w.pm));
      await refused(() => call('POST', 'api/users/import', { raw: `${tag}-jon,${tag}.jon@example.com`, contentType: 'text/plain' }), 400, 'invalid_input', 'body');
      await refused(() => call('POST', 'api/users/import', { raw: `${tag}-jon,x\n`.repeat(30_000), contentType: 'text/csv' }), 400, 'invalid_input', 'body');
      await refused(() => post('api/users/import', { csv: 1 }), 400, 'invalid_input', 'csv');
      await refused(() => call('POST', 'api/users/import', { raw: `${tag}-jon,${tag}.jon@example.com`, contentType: 'text/csv', csrf: null }), 403, 'csrf_failed');
    });

    it('imports resources from CSV at api/import: created or updated with their time window, a bad schedule refused by line and field', async () => {
      const tag = uniq('rimp');
      const old = await w.pm.resources.create({ name: `${tag}-old`, lockMinutes: 30 });
      const csv = [
        'resource,lock_minutes,enrollment,schedule',
        `${tag}-new,15,allowed,"Europe/Kyiv mon-fri 08:00-12:00, 13:00-19:00; sat 10:00-14:00"`,
        `${tag}-old,,,America/New_York sun 22:00-06:00`,
        `${tag}-bad,,,Europe/Kyiv mon 08:00-08:00`,
      ].join('\r\n');
      const answer = await call('POST', 'api/import', { raw: csv, contentType: 'text/csv' });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ kind: 'resources', created: 1, updated: 1 });
      expect(answer.body.errors).toEqual([{ line: 4, error: 'invalid_input', field: 'schedule', message: expect.stringContaining('schedule') }]);
      const listed = (await call('GET', `api/resources?q=${tag}`)).body.items as { name: string; lockMinutes: number; enrollment: string; schedule: unknown }[];
      expect(listed.map((r) => r.name).sort()).toEqual([`${tag}-new`, `${tag}-old`]);
      expect(listed.find((r) => r.name === `${tag}-new`)).toMatchObject({ lockMinutes: 15, enrollment: 'allowed', schedule: { timeZone: 'Europe/Kyiv', days: { sat: [['10:00', '14:00']] } } });
      expect((await call('GET', `api/resources/${old.id}`)).body).toMatchObject({ lockMinutes: 30, schedule: { timeZone: 'America/New_York', days: { sun: [['22:00', '06:00']] } } });

      // A users file at api/import says so; a resources file at users/import, an unknown column, or no CSRF token change nothing.
      expect((await post('api/import', { csv: `login,email\n${tag}-u,${tag}.u@example.com` })).body).toEqual({ kind: 'users', created: 1, errors: [] });
      await refused(() => post('api/users/import', { csv: `resource,schedule\n${tag}-x,none` }), 400, 'invalid_input', 'csv');
      await refused(() => post('api/import', { csv: `resource,colour\n${tag}-x,X` }), 400, 'invalid_input', 'csv');
      await refused(() => call('POST', 'api/import', { raw: `resource\n${tag}-x`, contentType: 'text/csv', csrf: null }), 403, 'csrf_failed');
      await refused(() => call('POST', 'api/import', { raw: `resource\n${tag}-x`, contentType: 'text/plain' }), 400, 'invalid_input', 'body');
    });

    it('answers 404 for unknown addresses and 405 with Allow for a wrong method', async () => {
      await refused(() => call('GET', 'api/nothing'), 404, 'not_found');
      await refused(() => call('GET', 'api'), 404, 'not_found');
      const wrong = await refused(() => call('PUT', 'api/tokens', { json: {} }), 405, 'method_not_allowed');
      expect(wrong.headers.allow).toBe('GET, POST');
      expect((await call('DELETE', 'api/stats/hourly')).headers.allow).toBe('GET');
      await refused(() => call('GET', 'api/tokens/%E0%A4%A'), 400, 'invalid_input');
      expect((await call('POST', '', { json: {} })).status).toBe(405);
      expect((await call('GET', 'settings', { accept: 'text/html' })).status).toBe(404);
    });

    it('serves the panel pages under a strict CSP with no inline script or style, and its two files', async () => {
      const pages: [string, string, string[]][] = [
        ['', 'Tokens', ['Add Token', 'Software tokens', 'Protectimus MAIL', 'Token Name', 'Email Address', 'One-time Password Length', 'PIN before the OTP', 'PIN after the OTP', 'Save']],
        ['users', 'Users', ['Assign Token', 'New', 'Existing', 'Import CSV']],
        ['resources', 'Resources', ['Assign', 'Token with User', 'Import CSV', 'Resources</strong>: A header line first']],
        ['events', 'Event log', ['Codes per hour', 'otp.verified']],
      ];
      let scriptUrl = '';
      for (const [path, title, words] of pages) {
        const res = await call('GET', path, { accept: 'text/html' });
        expect(res.status).toBe(200);
        expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
        expect(res.headers['content-security-policy']).toBe(ADMIN_CSP);
        expect(res.headers['x-frame-options']).toBe('DENY');
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.text).toContain(`<h1>${title}</h1>`);
        for (const word of words) expect(res.text).toContain(word);
        expect(res.text).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
        expect(res.text).not.toMatch(/\sstyle=|<style|\son[a-z]+=/i);
        expect(res.text).toContain('href="/admin/users"');
        scriptUrl = /<script src="\/admin\/([^"]+)"/.exec(res.text)?.[1] ?? '';
      }
      expect(ADMIN_CSP).toBe("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
      const js = await call('GET', scriptUrl.replace('&amp;', '&'));
      expect(js.status).toBe(200);
      expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(js.headers['cache-control']).toContain('immutable');
      expect(js.text).toContain("'use strict'");
      expect(js.text).not.toContain('innerHTML');
      const css = await call('GET', 'assets/panel.css');
      expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
      expect(css.headers['cache-control']).toBe('no-store');
    });

    /**
     * Remembers a device for `login` on `resource` as the guard would after a right code: an
     * instance over the same store, secret and clock, whose mails stay in memory.
     */
    async function rememberDevice(login: string, resource: string): Promise<string> {
      const codes: string[] = [];
      const sibling = createProtectimus({ store: w.pm.store, secret: SECRET, clock: w.pm.clock, mail: { send: async (m) => void codes.push(m.code) } });
      try {
        await sibling.prepare({ resource, login });
        const { stamp } = await sibling.authenticate({ resource, login, otp: codes[0] ?? '' });
        const remembered = await sibling.devices.remember({ resource, login, stamp, days: 30, userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0' });
        if (!remembered) throw new Error('not remembered');
        return remembered.secret;
      } finally {
        await sibling.close();
      }
    }

    it('lists a user\'s remembered devices and forgets one or all, as the actor; refuses what is not theirs', async () => {
      const login = uniq('dev');
      const user = await w.pm.users.create({ login });
      const token = await newToken();
      await w.pm.users.assignToken(user.id, token.id);
      const resource = await w.pm.resources.create({ name: uniq('devres') });
      await w.pm.resources.assignTokenWithUser(resource.id, token.id);
      const secrets = [await rememberDevice(login, resource.name), await rememberDevice(login, resource.name)];

      const listed = await call('GET', `api/users/${user.id}/devices`);
      expect(listed.status).toBe(200);
      expect(listed.body.items).toHaveLength(2);
      for (const device of listed.body.items) {
        expect(Object.keys(device).sort()).toEqual(['createdAt', 'expiresAt', 'id', 'label', 'lastUsedAt', 'login', 'resourceId', 'resourceName', 'tokenId', 'tokenName', 'userId']);
        expect(device).toMatchObject({ login, resourceName: resource.name, tokenName: token.name, label: 'Firefox on Linux' });
        for (const secret of secrets) expect(JSON.stringify(device)).not.toContain(secret);
      }
      const [first, second] = listed.body.items as { id: string }[];

      expect((await call('DELETE', `api/users/${user.id}/devices/${first!.id}`, { csrf: null })).body.error).toBe('csrf_failed');
      const other = await w.pm.users.create({ login: uniq('other') });
      expect((await call('DELETE', `api/users/${other.id}/devices/${first!.id}`)).status).toBe(404);
      expect((await call('DELETE', `api/users/${user.id}/devices/${first!.id}`)).status).toBe(204);
      expect((await call('DELETE', `api/users/${user.id}/devices/${first!.id}`)).body.error).toBe('not_found');
      expect((await call('GET', `api/users/${user.id}/devices`)).body.items.map((d: { id: string }) => d.id)).toEqual([second!.id]);
      expect((await call('DELETE', `api/users/${user.id}/devices`)).body).toEqual({ forgotten: 1 });
      expect((await call('GET', `api/users/${user.id}/devices`)).body.items).toEqual([]);
      expect((await call('GET', 'api/users/no-such-user/devices')).body.error).toBe('not_found');
      await settle();
      const forgotten = (await w.pm.events.list({ type: 'device.forgotten', login })).items;
      expect(forgotten.map((e) => [e.actor, e.detail?.by])).toEqual([[w.actor, 'admin'], [w.actor, 'admin']]);
    });

    it('never answers with a PIN, a secret, a counter or a PIN hash', () => {
      expect(w.seen.length).toBeGreaterThan(100);
      for (const text of w.seen) {
        expect(text).not.toContain(SUITE_PIN);
        expect(text).not.toMatch(/"(secret|counter|pinHash|pin)"\s*:/);
      }
    });
  });
}
