/**
 * "Remember this device" and step-up (`maxAge`) on both adapters, real Redis and SMTP: a device
 * remembered after a right code lets a new session of the same user in without a code; the
 * user's forget, the admin's changes and the admin's forget end it; a forged cookie is ignored
 * and cleared; the cookie's attributes; `maxAge` asks a session verified too long ago (or by a
 * device) for a fresh code, saying why.
 */
import type { Response } from 'supertest';
import type { RequestListener } from 'node:http';
import { deviceCookieName } from '../../packages/core/src/guard/device-cookie';
import type { CommonGuardOptions } from '../../packages/core/src/guard/runner';
import { expressApp, expressBase, type ExpressMount } from './harness/express';
import { koaApp, koaBase, type KoaMount } from './harness/koa';
import { adapters, agentOf, BROWSER, csrfFrom, freshUser, http, nextCode, noMail, pageBody, setCookieLine, signIn, useWorld, type FreshUser } from './harness';

jest.setTimeout(30_000);

const env = useWorld();

/** `name=value` of a Set-Cookie line. */
const pairOf = (line: string | undefined): string => (line ?? '').split(';')[0] ?? '';

describe.each(adapters)('$name: remember this device', (adapter) => {
  function app(user: FreshUser, extra: { maxAge?: number; payrollMaxAge?: number; trustProxy?: boolean } = {}) {
    const guard = { protectimus: env.pm, resource: user.resourceName, rememberDevice: { days: 30 }, ...(extra.maxAge ? { maxAge: extra.maxAge } : {}) };
    return adapter.makeApp({
      guard,
      ...(extra.payrollMaxAge ? { payroll: { ...guard, maxAge: extra.payrollMaxAge } } : {}),
      ...(extra.trustProxy ? { trustProxy: true } : {}),
    });
  }

  /** Signs in, types the mailed code with `remember`, and returns the app, the agent and the answer. */
  async function remembered(extra: Parameters<typeof app>[1] = {}) {
    const user = await freshUser(env.pm);
    const server = app(user, extra);
    const agent = agentOf(server);
    await signIn(agent, user.login);
    await agent.get('/billing/invoices').expect(401);
    const res = await agent.post('/billing/_otp/verify').send({ otp: await nextCode(env.world, user.email), remember: true }).expect(200);
    const name = deviceCookieName(user.resourceName);
    return { user, server, agent, res, name, device: pairOf(setCookieLine(res, name)) };
  }

  /** A new session of the same user (a new browser context with the device cookie only). */
  async function newSession(server: ReturnType<typeof app>, user: FreshUser) {
    const agent = agentOf(server);
    await signIn(agent, user.login);
    return agent;
  }

  it('after a right code with remember, a new session of the user skips the code, regenerating the session', async () => {
    const { user, server, res, device } = await remembered();
    expect(res.body).toMatchObject({ ok: true, rememberedUntil: expect.any(String) });
    expect(device).toMatch(/^pm_device_[^=]+=[A-Za-z0-9_-]{43}$/);
    const before = (await env.pm.events.list({ type: 'device.remembered', login: user.login })).items;
    expect(before).toHaveLength(1);

    const agent = await newSession(server, user);
    const passed = await agent.get('/billing/invoices').set('Cookie', device).expect(200);
    expect(passed.body).toEqual(pageBody('/billing/invoices', user.login));
    // A grant like any: a new session id.
    expect(adapter.sessionCookie(passed)).toBeDefined();
    await noMail(env.world, user.email);
    // The session is verified now: no cookie needed any more.
    await agent.get('/billing/invoices').expect(200);
  });

  it('sets the cookie HttpOnly, SameSite=Lax, Path=/, Max-Age of the days; Secure except over http to localhost', async () => {
    const { res, name } = await remembered();
    const line = setCookieLine(res, name) ?? '';
    expect(line).toMatch(/; Max-Age=2592000; Path=\/; HttpOnly; SameSite=Lax$/);
    expect(line).not.toMatch(/Secure/);

    // Behind a proxy saying https (trusted), and on a host that is not this machine: Secure.
    for (const headers of [{ 'X-Forwarded-Proto': 'https' }, { Host: 'app.example.com' }]) {
      const user = await freshUser(env.pm);
      const server = app(user, { trustProxy: true });
      const agent = agentOf(server);
      await signIn(agent, user.login);
      await agent.get('/billing/invoices').expect(401);
      const secured = await agent.post('/billing/_otp/verify').set(headers).send({ otp: await nextCode(env.world, user.email), remember: true }).expect(200);
      expect(setCookieLine(secured, deviceCookieName(user.resourceName))).toMatch(/; HttpOnly; SameSite=Lax; Secure$/);
    }
  });

  it('remembers from the form too (the box ticked), and not without it', async () => {
    const user = await freshUser(env.pm);
    const server = app(user);
    const agent = agentOf(server);
    await signIn(agent, user.login);
    const page = await agent.get('/billing/invoices').set('Accept', BROWSER).expect(401);
    expect(page.text).toContain('Remember this device for 30 days');
    const code = await nextCode(env.world, user.email);
    const posted = await agent.post('/billing/_otp/verify').set('Accept', BROWSER).type('form').send({ otp: code, _csrf: csrfFrom(page.text), remember: 'on' }).expect(303);
    expect(setCookieLine(posted, deviceCookieName(user.resourceName))).toBeDefined();

    const other = await freshUser(env.pm);
    const otherAgent = agentOf(app(other));
    await signIn(otherAgent, other.login);
    const otherPage = await otherAgent.get('/billing/invoices').set('Accept', BROWSER).expect(401);
    const plain = await otherAgent.post('/billing/_otp/verify').set('Accept', BROWSER).type('form').send({ otp: await nextCode(env.world, other.email), _csrf: csrfFrom(otherPage.text) }).expect(303);
    expect(setCookieLine(plain, deviceCookieName(other.resourceName))).toBeUndefined();
  });

  it('ignores and clears a forged cookie: the code is asked, never an error page', async () => {
    const user = await freshUser(env.pm);
    const server = app(user);
    const name = deviceCookieName(user.resourceName);
    for (const value of ['forged', 'x'.repeat(43), '%00%0d%0a']) {
      const agent = await newSession(server, user);
      const res: Response = await agent.get('/billing/invoices').set('Cookie', `${name}=${value}`).set('Accept', BROWSER).expect(401);
      expect(res.text).toContain('Enter your code');
      expect(setCookieLine(res, name)).toMatch(/=; Max-Age=0;/);
    }
  });

  it('the user forgets it (CSRF-checked form or JSON): the next session is asked for a code again', async () => {
    const { user, server, agent, device, name } = await remembered();
    // From a page of the guard's: a form with the session's token (the code page offers it when a device is remembered).
    const refused = await agent.post('/billing/_otp/forget').set('Cookie', device).set('Accept', BROWSER).type('form').send({ _csrf: 'nope' }).expect(403);
    expect(refused.text).toContain('This form has expired');
    const forgot = await agent.post('/billing/_otp/forget').set('Cookie', device).send({}).expect(200);
    expect(forgot.body).toEqual({ ok: true, forgotten: true });
    expect(setCookieLine(forgot, name)).toMatch(/=; Max-Age=0;/);
    const again = await newSession(server, user);
    expect((await again.get('/billing/invoices').set('Cookie', device).expect(401)).body.error).toBe('otp_required');
    const events = (await env.pm.events.list({ type: 'device.forgotten', login: user.login })).items;
    expect(events[0]?.detail).toMatchObject({ by: 'user' });
  });

  it.each([
    ['the user blocked', (u: FreshUser) => env.pm.users.block(u.user.id).then(() => env.pm.users.unblock(u.user.id))],
    ['the token blocked', (u: FreshUser) => env.pm.tokens.block(u.token.id).then(() => env.pm.tokens.unblock(u.token.id))],
    // Taken from its user is for good, even given back (as for a verified session).
    ['the token taken from the user', (u: FreshUser) => env.pm.users.unassignToken(u.user.id, u.token.id).then(() => env.pm.users.assignToken(u.user.id, u.token.id)).then(() => env.pm.resources.assignTokenWithUser(u.resourceName, u.token.id))],
    ['the PIN changed', (u: FreshUser) => env.pm.tokens.update(u.token.id, { pin: '9876', pinPosition: 'before' })],
    ['the address changed', (u: FreshUser) => env.pm.tokens.update(u.token.id, { email: `moved-${u.email}` })],
    ['forgotten by the admin', (u: FreshUser) => env.pm.as('root').devices.forgetAll(u.user.id)],
  ])('no longer skips once %s', async (_what, change) => {
    const { user, server, device } = await remembered();
    await change(user);
    const agent = await newSession(server, user);
    const res = await agent.get('/billing/invoices').set('Cookie', device);
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('otp_required');
  });

  it('no longer skips once the token is unassigned from the resource', async () => {
    const { user, server, device } = await remembered();
    await env.pm.resources.unassign(user.resourceName, user.token.id);
    const agent = await newSession(server, user);
    expect((await agent.get('/billing/invoices').set('Cookie', device).expect(403)).body).toEqual({ error: 'not_assigned' });
  });

  it('no longer skips once the user is deleted', async () => {
    const { user, server, device } = await remembered();
    await env.pm.users.remove(user.user.id);
    const agent = await newSession(server, user);
    expect((await agent.get('/billing/invoices').set('Cookie', device).expect(403)).body).toEqual({ error: 'not_assigned' });
  });

  it('refuses a remember that is not true or false, counting no attempt', async () => {
    const user = await freshUser(env.pm);
    const agent = agentOf(app(user));
    await signIn(agent, user.login);
    await agent.get('/billing/invoices').expect(401);
    const code = await nextCode(env.world, user.email);
    expect((await agent.post('/billing/_otp/verify').send({ otp: code, remember: 'yes please' }).expect(400)).body).toEqual({ error: 'invalid_input' });
    await agent.post('/billing/_otp/verify').send({ otp: code, remember: false }).expect(200);
  });

  it('maxAge: a session verified too long ago is asked for a fresh code with reason stale; the other mount still passes', async () => {
    const { user, agent } = await remembered({ payrollMaxAge: 300 });
    await agent.get('/payroll/invoices').expect(200);
    env.world.clock.advanceSeconds(301);
    await agent.get('/billing/invoices').expect(200);
    const stale = await agent.get('/payroll/invoices').expect(401);
    expect(stale.body).toMatchObject({ error: 'otp_required', reason: 'stale', verifyUrl: '/payroll/_otp/verify' });
    const page = await agent.get('/payroll/invoices').set('Accept', BROWSER).expect(401);
    expect(page.text).toContain('Confirm it&#39;s you: enter a fresh code.');
    await agent.post('/payroll/_otp/verify').send({ otp: await nextCode(env.world, user.email) }).expect(200);
    await agent.get('/payroll/invoices').expect(200);
  });

  it('maxAge: a remembered device does not satisfy it', async () => {
    const { user, server, device } = await remembered({ payrollMaxAge: 300 });
    const agent = await newSession(server, user);
    // The device lets the session in on the plain mount...
    await agent.get('/billing/invoices').set('Cookie', device).expect(200);
    // ...but the step-up mount asks for a code, at once.
    const asked = await agent.get('/payroll/invoices').set('Cookie', device).expect(401);
    expect(asked.body).toMatchObject({ error: 'otp_required', reason: 'stale' });
    const fresh = await newSession(server, user);
    const direct = await fresh.get('/payroll/invoices').set('Cookie', device).expect(401);
    expect(direct.body.error).toBe('otp_required');
    await http(server).get('/me').expect(200);
  });
});

// Every mount a README shows, on its adapter: the guard's own `_otp/forget` reaches it there too.
const MOUNTS: { name: string; base: string; make(guard: Omit<CommonGuardOptions, 'enroll'>): RequestListener }[] = [
  ...(['billing', 'root', 'router', 'nested-router', 'strict', 'area'] as ExpressMount[]).map((mount) => ({
    name: `express ${mount}`,
    base: expressBase(mount),
    make: (guard: Omit<CommonGuardOptions, 'enroll'>) => expressApp({ guard, mount }),
  })),
  ...(['billing', 'root', 'router', 'router-prefix', 'router-param', 'area'] as KoaMount[]).map((mount) => ({
    name: `koa ${mount}`,
    base: koaBase(mount),
    make: (guard: Omit<CommonGuardOptions, 'enroll'>) => koaApp({ guard, mount }).callback(),
  })),
];

describe.each(MOUNTS)('$name: remember, skip and forget at the mount', ({ base, make }) => {
  it('works at the canonical URLs', async () => {
    const user = await freshUser(env.pm);
    const server = make({ protectimus: env.pm, resource: user.resourceName, rememberDevice: { days: 2 } });
    const agent = agentOf(server);
    await signIn(agent, user.login);
    const asked = await agent.get(`${base}/invoices`).expect(401);
    expect(asked.body.verifyUrl).toBe(`${base}/_otp/verify`);
    const res = await agent.post(`${base}/_otp/verify`).send({ otp: await nextCode(env.world, user.email), remember: true }).expect(200);
    const device = pairOf(setCookieLine(res, deviceCookieName(user.resourceName)));
    const other = agentOf(server);
    await signIn(other, user.login);
    await other.get(`${base}/invoices`).set('Cookie', device).expect(200);
    expect((await other.post(`${base}/_otp/forget`).set('Cookie', device).send({}).expect(200)).body).toEqual({ ok: true, forgotten: true });
    const third = agentOf(server);
    await signIn(third, user.login);
    await third.get(`${base}/invoices`).set('Cookie', device).expect(401);
  });
});
