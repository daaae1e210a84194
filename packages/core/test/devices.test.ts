import type { ProtectimusEvent } from '../src/audit';
import { deviceLabel } from '../src/devices';
import { deviceCookieName } from '../src/guard/device-cookie';
import { handleGuard, type GuardOptions, type GuardRequest, type GuardResponse } from '../src/guard/protocol';
import { applyGrant, guardState } from '../src/guard/session';
import type { Protectimus } from '../src/protectimus';
import { MemoryStore } from '../src/stores/memory';
import { RedisStore } from '../src/stores/redis';
import type { Store } from '../src/stores/store';
import { csrfToken } from '../src/web/request';
import { seedUser, STORE_KINDS, startWorld, type World } from './support/protectimus';
import { redisFixture } from './support/redis';
import { refusal } from './support/refusal';
import { BROWSER_ACCEPT } from './support/guard-request';

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

describe.each(['memory', 'redis'] as const)('device records in the %s store', (kind) => {
  const fx = redisFixture();
  let store: Store;
  beforeEach(() => {
    store = kind === 'memory' ? new MemoryStore({ sweepIntervalMs: 0 }) : new RedisStore({ client: fx.client(), prefix: fx.prefix });
  });
  afterEach(() => store.close());
  afterAll(() => fx.cleanup());

  it('puts, reads, rewrites, lists and deletes, only the user\'s own', async () => {
    const now = Date.now();
    await store.putDevice('h1', 'u1', 'one', now + 60_000, now);
    await store.putDevice('h2', 'u1', 'two', now + 60_000, now);
    await store.putDevice('h3', 'u2', 'three', now + 60_000, now);
    expect(await store.getDevice('h1')).toBe('one');
    expect(await store.getDevice('nope')).toBeNull();
    expect(await store.updateDevice('h1', 'one!')).toBe(true);
    expect(await store.updateDevice('gone', 'x')).toBe(false);
    expect(await store.getDevice('gone')).toBeNull();
    expect((await store.listDevices('u1', now)).sort((a, b) => a.hash.localeCompare(b.hash))).toEqual([
      { hash: 'h1', data: 'one!' },
      { hash: 'h2', data: 'two' },
    ]);
    // u1 cannot delete u2's device by naming it.
    expect(await store.deleteDevices('u1', ['h3'])).toBe(0);
    expect(await store.getDevice('h3')).toBe('three');
    expect(await store.deleteDevices('u1', ['h1'])).toBe(1);
    expect(await store.getDevice('h1')).toBeNull();
    expect(await store.deleteDevices('u1')).toBe(1);
    expect(await store.listDevices('u1', now)).toEqual([]);
    expect(await store.listDevices('u2', now)).toEqual([{ hash: 'h3', data: 'three' }]);
  });
});

/** A cookie jar of one name, as a browser keeps the device cookie. */
function cookieOf(res: GuardResponse, name: string): string | null | undefined {
  if (res.action !== 'respond') return undefined;
  const set = res.headers['Set-Cookie'];
  if (set === undefined) return undefined;
  const m = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}=([^;]*)`).exec(set);
  return m ? m[1] || null : undefined;
}

describe.each(STORE_KINDS)('remember this device and step-up on %s store', (kind) => {
  let world: World;
  let pm: Protectimus;
  const events: ProtectimusEvent[] = [];
  beforeAll(async () => {
    world = await startWorld(kind);
    pm = world.make();
    pm.on('*', (e) => events.push(e));
  });
  afterAll(() => world.close());

  async function setup() {
    const seeded = await seedUser(pm);
    const resource = seeded.resource.name;
    const options: GuardOptions = { resource, rememberDevice: { days: 30 } };
    const request = (over: Partial<GuardRequest>): GuardRequest => ({
      method: 'GET',
      path: '/',
      mountPath: '/app',
      originalUrl: '/app',
      headers: { accept: 'application/json', userAgent: FIREFOX },
      body: undefined,
      session: {},
      login: seeded.login,
      ip: '203.0.113.7',
      secure: false,
      hostname: 'localhost',
      ...over,
    });
    /** Asks for a code, types it (remembering when asked), and returns the session and the answer. */
    const signIn = async (remember: boolean, cookie?: string, opts: GuardOptions = options) => {
      const session: Record<string, unknown> = {};
      const headers = { accept: 'application/json', userAgent: FIREFOX, ...(cookie ? { cookie } : {}) };
      const asked = await handleGuard(pm, opts, request({ session, headers }));
      expect(asked.action).toBe('respond');
      const code = world.smtp.codeFrom(await world.smtp.waitForMail(seeded.email));
      const verified = await handleGuard(pm, opts, request({ session, headers: { ...headers, contentType: 'application/json' }, method: 'POST', path: '/_otp/verify', body: { otp: code, remember } }));
      if (verified.action === 'respond' && verified.grant) applyGrant(session, verified.grant);
      return { session, verified };
    };
    return { ...seeded, resource, options, request, signIn, cookieName: deviceCookieName(resource) };
  }

  it('remembers the device after a right code: a new session skips the code, with device.used', async () => {
    const s = await setup();
    const { verified } = await s.signIn(true);
    expect(verified.action).toBe('respond');
    if (verified.action !== 'respond') return;
    expect(verified.status).toBe(200);
    const body = JSON.parse(verified.body) as Record<string, unknown>;
    expect(typeof body.rememberedUntil).toBe('string');
    const set = verified.headers['Set-Cookie'] ?? '';
    expect(set).toMatch(new RegExp(`^${s.cookieName}=[A-Za-z0-9_-]{43}; Max-Age=2592000; Path=/; HttpOnly; SameSite=Lax$`));
    const secret = cookieOf(verified, s.cookieName) as string;
    expect(events.some((e) => e.type === 'device.remembered' && e.login === s.login && e.detail?.label === 'Firefox on Linux')).toBe(true);
    // The store keeps a hash of the id, never the id.
    const [device] = await pm.devices.list(s.user.id);
    expect(device).toMatchObject({ login: s.login, resourceName: s.resource, tokenId: s.token.id, label: 'Firefox on Linux' });
    expect(device?.id).not.toBe(secret);
    expect(JSON.stringify(device)).not.toContain(secret);

    const fresh: Record<string, unknown> = {};
    const passed = await handleGuard(pm, s.options, s.request({ session: fresh, headers: { accept: 'application/json', cookie: `other=1; ${s.cookieName}=${secret}` } }));
    expect(passed.action).toBe('next');
    expect(passed.grant).toMatchObject({ resource: s.resource, login: s.login });
    expect(passed.grant?.verifiedAt).toBeUndefined();
    expect(events.some((e) => e.type === 'device.used' && e.login === s.login)).toBe(true);
    // No mail went out for it.
    await expect(world.smtp.waitForMail(s.email, 200)).rejects.toThrow();
  });

  it('does not remember without the box, nor on a guard without rememberDevice', async () => {
    const s = await setup();
    const { verified } = await s.signIn(false);
    expect(verified.action === 'respond' && verified.headers['Set-Cookie']).toBeFalsy();
    const { verified: plain } = await s.signIn(true, undefined, { resource: s.resource });
    expect(plain.action === 'respond' && plain.headers['Set-Cookie']).toBeFalsy();
    expect(await pm.devices.list(s.user.id)).toEqual([]);
  });

  it('ignores and clears a forged, unknown or someone else\'s cookie, asking for a code', async () => {
    const s = await setup();
    const other = await setup();
    const { verified } = await other.signIn(true);
    const othersSecret = cookieOf(verified, other.cookieName) as string;
    for (const value of ['forged', 'A'.repeat(43), othersSecret, '"x;y"']) {
      const res = await handleGuard(pm, s.options, s.request({ session: {}, headers: { accept: 'application/json', cookie: `${s.cookieName}=${value}` } }));
      expect(res.action).toBe('respond');
      if (res.action !== 'respond') continue;
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body)).toMatchObject({ error: 'otp_required' });
      expect(res.headers['Set-Cookie']).toMatch(new RegExp(`^${s.cookieName}=; Max-Age=0;`));
    }
    await world.smtp.waitForMail(s.email);
    // Another resource's guard does not read this resource's cookie either.
    const res = await handleGuard(pm, s.options, s.request({ session: {}, headers: { accept: 'application/json', cookie: `${other.cookieName}=${othersSecret}` } }));
    expect(res.action).toBe('respond');
  });

  it('is revoked by block, unassign, PIN or address change and user deletion', async () => {
    const changes: [string, (s: Awaited<ReturnType<typeof setup>>) => Promise<unknown>][] = [
      ['user block', async (s) => { await pm.users.block(s.user.id); await pm.users.unblock(s.user.id); }],
      ['token block', async (s) => { await pm.tokens.block(s.token.id); await pm.tokens.unblock(s.token.id); }],
      ['resource unassign', (s) => pm.resources.unassign(s.resource, s.token.id)],
      ['token taken from the user', (s) => pm.users.unassignToken(s.user.id, s.token.id)],
      ['PIN change', (s) => pm.tokens.update(s.token.id, { pin: '4321', pinPosition: 'before' })],
      ['address change', (s) => pm.tokens.update(s.token.id, { email: `new-${s.login}@example.com` })],
      ['user deletion', (s) => pm.users.remove(s.user.id)],
    ];
    for (const [what, change] of changes) {
      const s = await setup();
      const { verified } = await s.signIn(true);
      const secret = cookieOf(verified, s.cookieName) as string;
      await change(s);
      const res = await handleGuard(pm, s.options, s.request({ session: {}, headers: { accept: 'application/json', cookie: `${s.cookieName}=${secret}` } }));
      expect([what, res.action]).toEqual([what, 'respond']);
      if (what !== 'user deletion') expect([what, await pm.devices.list(s.user.id)]).toEqual([what, []]);
    }
    expect(events.some((e) => e.type === 'device.forgotten' && e.detail?.by === 'system')).toBe(true);
  });

  it('forgets the device on the user\'s request (CSRF-checked), clearing the cookie', async () => {
    const s = await setup();
    const { session, verified } = await s.signIn(true);
    const secret = cookieOf(verified, s.cookieName) as string;
    const cookie = `${s.cookieName}=${secret}`;
    const form = { accept: BROWSER_ACCEPT, contentType: 'application/x-www-form-urlencoded', cookie };
    const refused = await handleGuard(pm, s.options, s.request({ session, method: 'POST', path: '/_otp/forget', headers: form, body: { _csrf: 'wrong' } }));
    expect(refused.action === 'respond' && refused.status).toBe(403);
    expect(await pm.devices.list(s.user.id)).toHaveLength(1);
    const done = await handleGuard(pm, s.options, s.request({ session, method: 'POST', path: '/_otp/forget', headers: form, body: { _csrf: csrfToken(session), returnTo: '/app/settings' } }));
    expect(done.action === 'respond' && done.status).toBe(303);
    expect(done.action === 'respond' && done.headers.Location).toBe('/app/settings');
    expect(done.action === 'respond' && done.headers['Set-Cookie']).toMatch(new RegExp(`^${s.cookieName}=; Max-Age=0;`));
    expect(await pm.devices.list(s.user.id)).toEqual([]);
    expect(events.some((e) => e.type === 'device.forgotten' && e.login === s.login && e.detail?.by === 'user')).toBe(true);
    const again = await handleGuard(pm, s.options, s.request({ session: {}, headers: { accept: 'application/json', cookie } }));
    expect(again.action).toBe('respond');
    await world.smtp.waitForMail(s.email);
    // JSON: the answer says whether there was one.
    const json = await handleGuard(pm, s.options, s.request({ session, method: 'POST', path: '/_otp/forget', headers: { accept: 'application/json', contentType: 'application/json', cookie }, body: {} }));
    expect(json.action === 'respond' && JSON.parse(json.body)).toEqual({ ok: true, forgotten: false });
  });

  it('remembering the same browser again replaces its record', async () => {
    const s = await setup();
    const { verified } = await s.signIn(true);
    const first = cookieOf(verified, s.cookieName) as string;
    const { verified: again } = await s.signIn(true, `${s.cookieName}=${first}`, { resource: s.resource, rememberDevice: { days: 30 }, maxAge: 60 });
    const second = cookieOf(again, s.cookieName) as string;
    expect(second).not.toBe(first);
    expect(await pm.devices.list(s.user.id)).toHaveLength(1);
    const stale = await handleGuard(pm, s.options, s.request({ session: {}, headers: { accept: 'application/json', cookie: `${s.cookieName}=${first}` } }));
    expect(stale.action).toBe('respond');
    expect((await handleGuard(pm, s.options, s.request({ session: {}, headers: { accept: 'application/json', cookie: `${s.cookieName}=${second}` } }))).action).toBe('next');
  });

  it('does not let another user forget a device whose cookie they hold', async () => {
    const s = await setup();
    const mallory = await setup();
    const { verified } = await s.signIn(true);
    const secret = cookieOf(verified, s.cookieName) as string;
    const res = await handleGuard(pm, s.options, mallory.request({ session: {}, method: 'POST', path: '/_otp/forget', headers: { accept: 'application/json', contentType: 'application/json', cookie: `${s.cookieName}=${secret}` }, body: {} }));
    expect(res.action === 'respond' && JSON.parse(res.body)).toEqual({ ok: true, forgotten: false });
    expect(await pm.devices.list(s.user.id)).toHaveLength(1);
  });

  it('is refused where or when the resource is closed (403 access_restricted), never revoked by it; an admin list keeps it', async () => {
    const s = await setup();
    const { verified } = await s.signIn(true);
    const secret = cookieOf(verified, s.cookieName) as string;
    const cookie = `${s.cookieName}=${secret}`;
    const use = (ip: string) => handleGuard(pm, s.options, s.request({ session: {}, ip, headers: { accept: 'application/json', cookie } }));
    await pm.resources.update(s.resource, { allowedIps: ['203.0.113.0/24'] });
    // The admin's list reads no request address: the device still holds there.
    expect(await pm.devices.list(s.user.id)).toHaveLength(1);
    const away = await use('198.51.100.1');
    expect(away).toMatchObject({ action: 'respond', status: 403 });
    expect(away.action === 'respond' && JSON.parse(away.body)).toEqual({ error: 'access_restricted' });
    expect(away.action === 'respond' && away.headers['Set-Cookie']).toBeFalsy();

    // Closed at this hour: a day other than today, one minute long.
    const days = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
    const other = days[(new Date(pm.clock.now()).getUTCDay() + 3) % 7] as (typeof days)[number];
    await pm.resources.update(s.resource, { schedule: { timeZone: 'UTC', days: { [other]: [['00:00', '00:01']] } } });
    const closed = await use('203.0.113.7');
    expect(closed).toMatchObject({ action: 'respond', status: 403 });
    expect(closed.action === 'respond' && JSON.parse(closed.body)).toMatchObject({ error: 'access_restricted', timeZone: 'UTC' });
    expect(closed.action === 'respond' && closed.headers['Set-Cookie']).toBeFalsy();
    expect(events.some((e) => e.type === 'access.denied' && e.login === s.login && e.detail?.reason === 'schedule')).toBe(true);
    expect(events.some((e) => e.type === 'device.forgotten' && e.login === s.login)).toBe(false);

    // Open again, from the allowed network: the same cookie skips the code.
    await pm.resources.update(s.resource, { schedule: null });
    expect((await use('203.0.113.7')).action).toBe('next');
    expect(await pm.devices.list(s.user.id)).toHaveLength(1);
  });

  it('lets an admin list and forget one or all devices of a user, as an actor', async () => {
    const s = await setup();
    await s.signIn(true);
    await s.signIn(true);
    const listed = await pm.devices.list(s.user.id);
    expect(listed).toHaveLength(2);
    const admin = pm.as('alice-admin');
    await admin.devices.forget(s.user.id, listed[0]!.id);
    expect(events.some((e) => e.type === 'device.forgotten' && e.actor === 'alice-admin' && e.detail?.by === 'admin')).toBe(true);
    expect((await refusal(admin.devices.forget(s.user.id, listed[0]!.id))).code).toBe('NOT_FOUND');
    const other = await setup();
    expect((await refusal(admin.devices.forget(other.user.id, listed[1]!.id))).code).toBe('NOT_FOUND');
    expect(await admin.devices.forgetAll(s.user.id)).toBe(1);
    expect(await pm.devices.list(s.user.id)).toEqual([]);
    expect((await refusal(pm.devices.list('no-such-user'))).code).toBe('NOT_FOUND');
  });

  it('maxAge: a session verified too long ago is asked again with reason stale; a device never satisfies it', async () => {
    const s = await setup();
    const { session, verified } = await s.signIn(true);
    const secret = cookieOf(verified, s.cookieName) as string;
    const stepUp: GuardOptions = { resource: s.resource, maxAge: 300, rememberDevice: { days: 30 } };
    expect((await handleGuard(pm, stepUp, s.request({ session }))).action).toBe('next');
    world.clock.advanceSeconds(301);
    // The plain guard still lets the session through; the step-up guard asks for a fresh code.
    expect((await handleGuard(pm, s.options, s.request({ session }))).action).toBe('next');
    const stale = await handleGuard(pm, stepUp, s.request({ session }));
    expect(stale.action === 'respond' && stale.status).toBe(401);
    expect(stale.action === 'respond' && JSON.parse(stale.body)).toMatchObject({ error: 'otp_required', reason: 'stale' });
    const code = world.smtp.codeFrom(await world.smtp.waitForMail(s.email));
    const page = await handleGuard(pm, stepUp, s.request({ session, headers: { accept: BROWSER_ACCEPT } }));
    expect(page.action === 'respond' && page.body).toContain('Confirm it&#39;s you: enter a fresh code.');
    const again = await handleGuard(pm, stepUp, s.request({ session, method: 'POST', path: '/_otp/verify', headers: { accept: 'application/json', contentType: 'application/json' }, body: { otp: code } }));
    expect(again.action === 'respond' && again.status).toBe(200);
    if (again.action === 'respond' && again.grant) applyGrant(session, again.grant);
    expect((await handleGuard(pm, stepUp, s.request({ session }))).action).toBe('next');

    // A session the device let in is not fresh for maxAge, and the device does not skip there.
    const viaDevice: Record<string, unknown> = {};
    const passed = await handleGuard(pm, s.options, s.request({ session: viaDevice, headers: { accept: 'application/json', cookie: `${s.cookieName}=${secret}` } }));
    expect(passed.action).toBe('next');
    if (passed.grant) applyGrant(viaDevice, passed.grant);
    expect(guardState(viaDevice).verified[s.resource]?.verifiedAt).toBeUndefined();
    const asked = await handleGuard(pm, stepUp, s.request({ session: viaDevice, headers: { accept: 'application/json', cookie: `${s.cookieName}=${secret}` } }));
    expect(asked.action === 'respond' && JSON.parse(asked.body)).toMatchObject({ error: 'otp_required', reason: 'stale' });
    await world.smtp.waitForMail(s.email);
    const fresh = await handleGuard(pm, stepUp, s.request({ session: {}, headers: { accept: 'application/json', cookie: `${s.cookieName}=${secret}` } }));
    // Not verified at all: no reason to give; the open code is reused, nothing more is mailed.
    expect(fresh.action === 'respond' && JSON.parse(fresh.body)).toMatchObject({ error: 'otp_required' });
    expect(fresh.action === 'respond' && JSON.parse(fresh.body).reason).toBeUndefined();
  });
});

describe('device labels', () => {
  it('name the browser and system only', () => {
    expect(deviceLabel(FIREFOX)).toBe('Firefox on Linux');
    expect(deviceLabel('Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1')).toBe('Safari on iOS');
    expect(deviceLabel('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 Edg/120.0')).toBe('Edge on Windows');
    expect(deviceLabel('<script>alert(1)</script>')).toBe('Unknown browser');
    expect(deviceLabel(undefined)).toBe('Unknown browser');
  });
});

describe('remembered devices when the store fails', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld('memory');
  });
  afterAll(() => world.close());

  it('a store that cannot read the device is 503, never a pass; one that cannot write it costs the device, not the sign-in', async () => {
    let failReads = false;
    let failWrites = false;
    class FlakyStore extends MemoryStore {
      override async getDevice(hash: string): Promise<string | null> {
        if (failReads) throw new Error('connection lost');
        return super.getDevice(hash);
      }
      override async putDevice(hash: string, userId: string, data: string, expiresAt: number, now: number): Promise<void> {
        if (failWrites) throw new Error('connection lost');
        return super.putDevice(hash, userId, data, expiresAt, now);
      }
    }
    const store = new FlakyStore({ sweepIntervalMs: 0 });
    const pm = world.make({ store });
    const seeded = await seedUser(pm);
    const options: GuardOptions = { resource: seeded.resource.name, rememberDevice: { days: 1 }, onError: (err) => reported.push(err) };
    const reported: unknown[] = [];
    const name = deviceCookieName(seeded.resource.name);
    const base = { method: 'GET', path: '/', mountPath: '', originalUrl: '/', body: undefined, login: seeded.login, secure: true, hostname: 'app.example.com' };
    const json = { accept: 'application/json' };
    const signIn = async () => {
      const session: Record<string, unknown> = {};
      await handleGuard(pm, options, { ...base, headers: json, session });
      const otp = world.smtp.codeFrom(await world.smtp.waitForMail(seeded.email));
      const res = await handleGuard(pm, options, { ...base, method: 'POST', path: '/_otp/verify', headers: { ...json, contentType: 'application/json' }, body: { otp, remember: true }, session });
      return res;
    };

    failWrites = true;
    const unremembered = await signIn();
    expect(unremembered.action === 'respond' && unremembered.status).toBe(200);
    expect(unremembered.grant).toBeDefined();
    expect(unremembered.action === 'respond' && unremembered.headers['Set-Cookie']).toBeUndefined();
    expect(unremembered.action === 'respond' && JSON.parse(unremembered.body).rememberedUntil).toBeUndefined();
    expect(reported).toHaveLength(1);

    failWrites = false;
    const remembered = await signIn();
    const secret = cookieOf(remembered, name) as string;
    // Secure: the request was https to another host.
    expect(remembered.action === 'respond' && remembered.headers['Set-Cookie']).toMatch(/; Secure$/);
    failReads = true;
    const down = await handleGuard(pm, options, { ...base, headers: { ...json, cookie: `${name}=${secret}` }, session: {} });
    expect(down.action).toBe('respond');
    expect(down.action === 'respond' && down.status).toBe(503);
    expect(down.action === 'respond' && JSON.parse(down.body)).toEqual({ error: 'unavailable' });
    expect(down.grant).toBeUndefined();
    failReads = false;
    expect((await handleGuard(pm, options, { ...base, headers: { ...json, cookie: `${name}=${secret}` }, session: {} })).action).toBe('next');
  });
});
