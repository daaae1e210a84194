import Koa from 'koa';
import type { Protectimus } from '../../core/src/protectimus';
import { applyGrant } from '../../core/src/http/session-state';
import { protectimusMail } from '../src';
import { agentOf, baseOf, http, makeApp, MemorySessionStore, sessionCookie, sessionId, signIn, type Mount, type Parsers } from './support/app';
import { freshUser, nextCode, startWorld, type World } from './support/world';

let world: World;
let pm: Protectimus;
beforeAll(async () => {
  world = await startWorld('redis');
  pm = world.make();
});
afterAll(() => world.close());

describe('guard: the session', () => {
  it('changes the session id when the factor is granted; the koa-passport login survives, the old id is dead', async () => {
    const user = await freshUser(pm);
    const store = new MemorySessionStore();
    const app = makeApp({ guard: { protectimus: pm, resource: user.resourceName }, store });
    const agent = agentOf(app);
    const before = sessionCookie(await signIn(agent, user.login));
    expect(sessionId(before)).toBeDefined();
    await agent.get('/billing/invoices').expect(401);
    const verified = await agent.post('/billing/_otp/verify').send({ otp: await nextCode(world, user.email) }).expect(200);
    const after = sessionCookie(verified);
    expect(sessionId(after)).toBeDefined();
    expect(sessionId(after)).not.toBe(sessionId(before));
    // The old id is gone from the store, the new one holds the login and the verification.
    expect(store.sessions.has(sessionId(before)!)).toBe(false);
    expect(store.sessions.get(sessionId(after)!)).toMatchObject({ passport: { user: user.login }, protectimus: { verified: { [user.resourceName]: { login: user.login } } } });

    expect((await agent.get('/me').expect(200)).body).toEqual({ user: user.login });
    expect((await agent.get('/billing/invoices').expect(200)).body).toEqual({ page: '/billing/invoices', user: user.login });
    // Whoever held the id from before the second factor holds nothing now.
    expect((await http(app).get('/me').set('Cookie', before!).expect(200)).body).toEqual({ user: null });
    expect((await http(app).get('/billing/invoices').set('Cookie', before!).expect(401)).body).toEqual({ error: 'unauthenticated' });
  });

  it("works with koa-session's cookie mode (the cookie is the data; it is rewritten)", async () => {
    const user = await freshUser(pm);
    const agent = agentOf(makeApp({ guard: { protectimus: pm, resource: user.resourceName }, sessions: 'cookie' }));
    await signIn(agent, user.login);
    await agent.get('/billing/invoices').expect(401);
    const verified = await agent.post('/billing/_otp/verify').send({ otp: await nextCode(world, user.email) }).expect(200);
    expect(sessionCookie(verified)).toBeDefined();
    expect((await agent.get('/billing/invoices').expect(200)).body).toEqual({ page: '/billing/invoices', user: user.login });
  });

  it("carries the data over when the session middleware regenerates into an empty session (koa-generic-session's ctx.regenerateSession)", async () => {
    const user = await freshUser(pm);
    // A minimal session middleware with koa-generic-session's contract: `ctx.session` a plain
    // object per `sid` cookie; `ctx.regenerateSession()` drops it and starts an empty one.
    const sessions = new Map<string, Record<string, unknown>>();
    let nextSid = 1;
    const app = new Koa();
    app.silent = true;
    app.use(async (ctx, next) => {
      const c = ctx as unknown as { session: Record<string, unknown>; regenerateSession(): Promise<void>; state: { user?: unknown } };
      let sid = ctx.cookies.get('sid') ?? '';
      c.session = sessions.get(sid) ?? { cookie: { path: '/' } };
      c.regenerateSession = async () => {
        sessions.delete(sid);
        sid = '';
        c.session = { cookie: { path: '/' } };
      };
      if (ctx.path === '/login') c.session.login = user.login;
      c.state.user = c.session.login ? { login: c.session.login } : undefined;
      await next();
      if (!sid) sid = String(nextSid++);
      sessions.set(sid, c.session);
      ctx.cookies.set('sid', sid, { signed: false });
    });
    app.use(protectimusMail({ protectimus: pm, resource: user.resourceName }));
    app.use((ctx) => {
      ctx.body = { ok: true };
    });
    const agent = agentOf(app);
    await agent.get('/login').expect(401);
    const before = [...sessions.keys()];
    await agent.post('/_otp/verify').send({ otp: await nextCode(world, user.email) }).expect(200);
    const fresh = [...sessions.entries()].filter(([sid]) => !before.includes(sid));
    expect(fresh).toHaveLength(1);
    expect(fresh[0]?.[1]).toMatchObject({ login: user.login, cookie: { path: '/' }, protectimus: { verified: { [user.resourceName]: { login: user.login } } } });
    await agent.get('/anything').expect(200);
  });

  it('keeps the verification per resource: a second guard in the same session asks again', async () => {
    const user = await freshUser(pm);
    const payroll = await pm.resources.create({ name: `payroll-${user.login}` });
    await pm.resources.assignTokenWithUser(payroll.id, user.token.id);
    const app = makeApp({ guard: { protectimus: pm, resource: user.resourceName }, payroll: { protectimus: pm, resource: payroll.name } });
    const agent = agentOf(app);
    await signIn(agent, user.login);
    await agent.get('/billing/invoices').expect(401);
    await agent.post('/billing/_otp/verify').send({ otp: await nextCode(world, user.email) }).expect(200);
    await agent.get('/billing/invoices').expect(200);
    const asked = await agent.get('/payroll/invoices').expect(401);
    expect(asked.body).toMatchObject({ error: 'otp_required', resource: payroll.name, verifyUrl: '/payroll/_otp/verify' });
    await agent.post('/payroll/_otp/verify').send({ otp: await nextCode(world, user.email) }).expect(200);
    await agent.get('/payroll/invoices').expect(200);
    await agent.get('/billing/invoices').expect(200);
  });

  it('answers 503 unavailable and says why when there is no session middleware', async () => {
    const errors: unknown[] = [];
    const user = await freshUser(pm);
    const app = makeApp({ sessions: 'none', guard: { protectimus: pm, resource: user.resourceName, onError: (e) => errors.push(e) } });
    const res = await http(app).get('/billing/invoices').expect(503);
    expect(res.body).toEqual({ error: 'unavailable' });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe('protectimusMail needs koa-session (app.use(session(app))) or another session middleware before it');
  });

  it('answers 503 and grants nothing when the session store fails to regenerate', async () => {
    const user = await freshUser(pm);
    const store = new MemorySessionStore();
    const errors: unknown[] = [];
    const agent = agentOf(makeApp({ guard: { protectimus: pm, resource: user.resourceName, onError: (e) => errors.push(e) }, store }));
    await signIn(agent, user.login);
    await agent.get('/billing/invoices').expect(401);
    const code = await nextCode(world, user.email);
    const destroy = jest.spyOn(store, 'destroy').mockRejectedValueOnce(new Error('session store down'));
    try {
      expect((await agent.post('/billing/_otp/verify').send({ otp: code }).expect(503)).body).toEqual({ error: 'unavailable' });
    } finally {
      destroy.mockRestore();
    }
    expect(errors.map((e) => (e as Error).message)).toEqual(['session store down']);
    expect((await agent.get('/billing/invoices').expect(401)).body.error).toBe('otp_required');
  });

  it('reports an unexpected failure once, on one line by default, and answers 503', async () => {
    const user = await freshUser(pm);
    const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const app = makeApp({
        guard: {
          protectimus: pm,
          resource: user.resourceName,
          user: () => {
            throw new Error('the user directory is down\nsecond line');
          },
        },
      });
      expect((await http(app).get('/billing/invoices').expect(503)).body).toEqual({ error: 'unavailable' });
      expect(spy).toHaveBeenCalledTimes(1);
      expect(spy).toHaveBeenCalledWith('protectimus-mail: Error: the user directory is down');
    } finally {
      spy.mockRestore();
    }
  });

  it("reads the login with the app's `user` option instead of ctx.state.user", async () => {
    const user = await freshUser(pm);
    const app = makeApp({ sessions: 'store', guard: { protectimus: pm, resource: user.resourceName, user: (ctx) => ctx.get('x-test-login') || null } });
    const res = await agentOf(app).get('/billing/invoices').set('X-Test-Login', user.login).expect(401);
    expect(res.body.error).toBe('otp_required');
  });

  it("lets the app's own errors through as the app's (Koa's 500), not as the guard's 503", async () => {
    const user = await freshUser(pm);
    const app = new Koa();
    app.silent = true;
    const errors: unknown[] = [];
    // A session already verified for this user: the guard passes, then the app throws.
    const verified: Record<string, unknown> = {};
    applyGrant(verified, { resource: user.resourceName, login: user.login, until: world.clock.now() + 60_000 });
    app.use(async (ctx, next) => {
      (ctx as unknown as { session: object }).session = verified;
      await next();
    });
    app.use(protectimusMail({ protectimus: pm, resource: user.resourceName, user: () => user.login, onError: (e) => errors.push(e) }));
    app.use(() => {
      throw new Error('downstream');
    });
    await http(app).get('/x').expect(500);
    expect(errors).toEqual([]);
  });

  it('rejects options that cannot work when the guard is made', () => {
    expect(() => protectimusMail({ protectimus: pm, verifiedFor: 0 })).toThrow(/verifiedFor/);
    expect(() => protectimusMail({ protectimus: pm, resource: '' })).toThrow(/resource/);
    expect(() => protectimusMail({ protectimus: pm, mountPath: 'billing' })).toThrow(/mountPath/);
    expect(() => protectimusMail({ protectimus: pm, mountPath: '/billing?x' })).toThrow(/mountPath/);
  });
});

describe.each(['root', 'koa-mount', 'router', 'router-prefix', 'router-param'] as Mount[])('guard mounted as %s', (mount) => {
  const base = baseOf(mount);

  it('gives verify and resend URLs under its mount point, and they work there', async () => {
    const user = await freshUser(pm);
    const app = makeApp({ guard: { protectimus: pm, resource: user.resourceName }, mount });
    const agent = agentOf(app);
    await signIn(agent, user.login);
    const asked = await agent.get(`${base}/invoices`).expect(401);
    expect(asked.body).toMatchObject({ verifyUrl: `${base}/_otp/verify`, resendUrl: `${base}/_otp/resend` });
    expect((await agent.post(`${base}/_otp/resend`).send({}).expect(429)).body.error).toBe('rate_limited');
    await agent.post(`${base}/_otp/verify`).send({ otp: await nextCode(world, user.email) }).expect(200);
    expect((await agent.get(`${base}/invoices`).expect(200)).body).toEqual({ page: `${base}/invoices`, user: user.login });
  });
});

describe('guard: a mountPath that does not match where it runs', () => {
  it('answers 503 and says so rather than build URLs nobody routes', async () => {
    const user = await freshUser(pm);
    const errors: unknown[] = [];
    const app = makeApp({ guard: { protectimus: pm, resource: user.resourceName, mountPath: '/elsewhere', onError: (e) => errors.push(e) } });
    const agent = agentOf(app);
    await signIn(agent, user.login);
    expect((await agent.get('/billing/invoices').expect(503)).body).toEqual({ error: 'unavailable' });
    expect((errors[0] as Error).message).toMatch(/mountPath '\/elsewhere' is not a prefix/);
  });
});

describe.each(['none', 'json', 'form', 'both'] as Parsers[])('guard with @koa/bodyparser: %s', (parsers) => {
  async function asked() {
    const user = await freshUser(pm);
    const agent = agentOf(makeApp({ guard: { protectimus: pm, resource: user.resourceName }, parsers }));
    await signIn(agent, user.login);
    await agent.get('/billing/invoices').expect(401);
    return { user, agent, code: await nextCode(world, user.email) };
  }

  it('accepts the code posted as JSON', async () => {
    const { agent, code } = await asked();
    await agent.post('/billing/_otp/verify').send({ otp: code }).expect(200);
    await agent.get('/billing/invoices').expect(200);
  });

  it('refuses a form post without a CSRF token, even from a script asking for JSON', async () => {
    const { agent, code } = await asked();
    expect((await agent.post('/billing/_otp/verify').set('Accept', 'application/json').type('form').send({ otp: code }).expect(403)).body).toEqual({
      error: 'csrf_failed',
    });
    await agent.post('/billing/_otp/verify').send({ otp: code }).expect(200);
  });

  it('answers 400 to a body that is not an object with a string otp', async () => {
    const { agent, code } = await asked();
    expect((await agent.post('/billing/_otp/verify').send({ otp: 123 }).expect(400)).body).toEqual({ error: 'invalid_input' });
    expect((await agent.post('/billing/_otp/verify').send({ otp: [code] }).expect(400)).body).toEqual({ error: 'invalid_input' });
    await agent.post('/billing/_otp/verify').send({ otp: code }).expect(200);
  });
});
