/**
 * What only the Koa adapter has to get right; the protocol itself, the same in Express and Koa,
 * is tested once for both in test/conformance (where Koa's guard sits under koa-mount's prefix
 * stripping, or app-wide). Here: @koa/router mounts with `mountPath`, and the session
 * middlewares' ways to regenerate (koa-session with a store or in cookie mode,
 * koa-generic-session's `ctx.regenerateSession`, a store that fails).
 */
import Koa from 'koa';
import { agentOf, expectGuardWorksAt, freshUser, nextCode, pageBody, signIn, useWorld } from '../../../test/conformance/harness';
import { koaApp, koaBase, koaSessionCookie, koaSessionId, MemorySessionStore, type KoaMount } from '../../../test/conformance/harness/koa';
import { protectimusMail } from '../src';

const env = useWorld();

describe.each(['router', 'router-prefix', 'router-param'] as KoaMount[])('guard under @koa/router (%s) with mountPath', (mount) => {
  it('gives verify and resend URLs under its mount point, and they work there', async () => {
    const user = await freshUser(env.pm);
    const agent = agentOf(koaApp({ guard: { protectimus: env.pm, resource: user.resourceName }, mount }).callback());
    await signIn(agent, user.login);
    await expectGuardWorksAt(env.world, agent, koaBase(mount), user);
  });
});

describe('guard: a mountPath that does not match where it runs', () => {
  it('answers 503 and says so rather than build URLs nobody routes', async () => {
    const user = await freshUser(env.pm);
    const errors: unknown[] = [];
    const agent = agentOf(koaApp({ guard: { protectimus: env.pm, resource: user.resourceName, mountPath: '/elsewhere', onError: (e) => errors.push(e) }, mount: 'router' }).callback());
    await signIn(agent, user.login);
    expect((await agent.get('/billing/invoices').expect(503)).body).toEqual({ error: 'unavailable' });
    expect((errors[0] as Error).message).toMatch(/mountPath '\/elsewhere' is not a prefix/);
  });

  it('rejects a mountPath that is no path when the guard is made', () => {
    expect(() => protectimusMail({ protectimus: env.pm, mountPath: 'billing' })).toThrow(/mountPath/);
    expect(() => protectimusMail({ protectimus: env.pm, mountPath: '/billing?x' })).toThrow(/mountPath/);
  });

  it('rejects area and mountPath together: one says app-wide, the other in a router', () => {
    expect(() => protectimusMail({ protectimus: env.pm, area: '/billing', mountPath: '/billing' })).toThrow(/area .* or mountPath .*, not both/);
  });
});

describe('guard under @koa/router, handed another spelling of its mountPath', () => {
  it('guards it as a page, with the canonical URLs, and neither fails nor reports it', async () => {
    const user = await freshUser(env.pm);
    const errors: unknown[] = [];
    // A prefix with a parameter is matched in any case by the guard's `use` and by the routes alike.
    const agent = agentOf(koaApp({ guard: { protectimus: env.pm, resource: user.resourceName, onError: (e) => errors.push(e) }, mount: 'router-param' }).callback());
    await signIn(agent, user.login);
    const asked = await agent.get('/ORGS/acme/BILLING/invoices').expect(401);
    expect(asked.body).toMatchObject({ error: 'otp_required', verifyUrl: '/orgs/acme/billing/_otp/verify' });
    // Not one of the guard's own URLs under that spelling: a page, which a POST does not verify.
    expect((await agent.post('/ORGS/acme/BILLING/_otp/verify').send({ otp: await nextCode(env.world, user.email) }).expect(401)).body.error).toBe('otp_required');
    expect(errors).toEqual([]);
  });
});

describe('guard and the session middleware', () => {
  it("regenerates koa-session's external key: the old one destroyed in the store, the new one holding the login and the verification", async () => {
    const user = await freshUser(env.pm);
    const store = new MemorySessionStore();
    const agent = agentOf(koaApp({ guard: { protectimus: env.pm, resource: user.resourceName }, store }).callback());
    const before = koaSessionId(koaSessionCookie(await signIn(agent, user.login)));
    await agent.get('/billing/invoices').expect(401);
    const after = koaSessionId(koaSessionCookie(await agent.post('/billing/_otp/verify').send({ otp: await nextCode(env.world, user.email) }).expect(200)));
    expect(after).not.toBe(before);
    expect(store.sessions.has(before!)).toBe(false);
    expect(store.sessions.get(after!)).toMatchObject({ passport: { user: user.login }, protectimus: { verified: { [user.resourceName]: { login: user.login } } } });
  });

  it("works with koa-session's cookie mode (the cookie is the data; it is rewritten)", async () => {
    const user = await freshUser(env.pm);
    const agent = agentOf(koaApp({ guard: { protectimus: env.pm, resource: user.resourceName }, sessions: 'cookie' }).callback());
    await signIn(agent, user.login);
    await agent.get('/billing/invoices').expect(401);
    const verified = await agent.post('/billing/_otp/verify').send({ otp: await nextCode(env.world, user.email) }).expect(200);
    expect(koaSessionCookie(verified)).toBeDefined();
    expect((await agent.get('/billing/invoices').expect(200)).body).toEqual(pageBody('/billing/invoices', user.login));
  });

  it("carries the data over when the session middleware regenerates into an empty session (koa-generic-session's ctx.regenerateSession)", async () => {
    const user = await freshUser(env.pm);
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
    app.use(protectimusMail({ protectimus: env.pm, resource: user.resourceName }));
    app.use((ctx) => {
      ctx.body = { ok: true };
    });
    const agent = agentOf(app.callback());
    await agent.get('/login').expect(401);
    const before = [...sessions.keys()];
    await agent.post('/_otp/verify').send({ otp: await nextCode(env.world, user.email) }).expect(200);
    const fresh = [...sessions.entries()].filter(([sid]) => !before.includes(sid));
    expect(fresh).toHaveLength(1);
    expect(fresh[0]?.[1]).toMatchObject({ login: user.login, cookie: { path: '/' }, protectimus: { verified: { [user.resourceName]: { login: user.login } } } });
    await agent.get('/anything').expect(200);
  });

  it('answers 503 and grants nothing when the session store fails to regenerate', async () => {
    const user = await freshUser(env.pm);
    const store = new MemorySessionStore();
    const errors: unknown[] = [];
    const agent = agentOf(koaApp({ guard: { protectimus: env.pm, resource: user.resourceName, onError: (e) => errors.push(e) }, store }).callback());
    await signIn(agent, user.login);
    await agent.get('/billing/invoices').expect(401);
    const code = await nextCode(env.world, user.email);
    const destroy = jest.spyOn(store, 'destroy').mockRejectedValueOnce(new Error('session store down'));
    try {
      expect((await agent.post('/billing/_otp/verify').send({ otp: code }).expect(503)).body).toEqual({ error: 'unavailable' });
    } finally {
      destroy.mockRestore();
    }
    expect(errors.map((e) => (e as Error).message)).toEqual(['session store down']);
    expect((await agent.get('/billing/invoices').expect(401)).body.error).toBe('otp_required');
  });
});
