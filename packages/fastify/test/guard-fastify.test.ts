/**
 * What only the Fastify binding has: the `prefix` register option taken as the area, options that
 * stop the start, a prefix with parameters, the own URLs under another spelling past the guard,
 * and the app's own cookie lifetime kept through the grant's new session.
 */
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import Fastify from 'fastify';
import { protectimusMail } from '../src';
import { agentOf, freshUser, nextCode, setCookieLine, signIn, useWorld } from '../../../test/conformance/harness';
import { expressAdapter } from '../../../test/conformance/harness/express';
import { fastifyApp, listenerOf } from '../../../test/conformance/harness/fastify';

const env = useWorld();
const JSON_ACCEPT = { Accept: 'application/json' };

describe('protectimusMail on Fastify', () => {
  it("takes Fastify's `prefix` register option as its area, app-wide, and refuses a prefix and an area that differ", async () => {
    const user = await freshUser(env.pm);
    const agent = agentOf(listenerOf(fastifyApp({ guard: { protectimus: env.pm, resource: user.resourceName }, mount: 'prefix' })));
    await signIn(agent, user.login);
    // Not routed anywhere, but in the area: guarded all the same.
    expect((await agent.get('/BILLING/nothing-here').set(JSON_ACCEPT).expect(401)).body).toMatchObject({ error: 'otp_required', verifyUrl: '/billing/_otp/verify' });
    await agent.post('/billing/_otp/verify').send({ otp: await nextCode(env.world, user.email) }).expect(200);
    await agent.get('/billing/invoices').expect(200);
    // Outside the area, untouched.
    await agent.get('/me').expect(200);

    const app = Fastify();
    await expect(app.register(protectimusMail, { protectimus: env.pm, prefix: '/billing', area: '/payroll' })).rejects.toThrow(/area or prefix/);
    const nested = Fastify();
    await expect(nested.register(async (s) => void s.register(protectimusMail, { protectimus: env.pm, area: '/elsewhere' }), { prefix: '/billing' })).rejects.toThrow(
      /outside the prefix '\/billing'/,
    );
  });

  it('guards a prefix with parameters, with the form URLs of the request', async () => {
    const user = await freshUser(env.pm);
    const agent = agentOf(listenerOf(fastifyApp({ guard: { protectimus: env.pm, resource: user.resourceName }, mount: 'param' })));
    await signIn(agent, user.login);
    const asked = await agent.get('/orgs/acme/billing/invoices').set(JSON_ACCEPT).expect(401);
    expect(asked.body).toMatchObject({ error: 'otp_required', verifyUrl: '/orgs/acme/billing/_otp/verify', resendUrl: '/orgs/acme/billing/_otp/resend' });
    await agent.post('/orgs/acme/billing/_otp/verify').send({ otp: await nextCode(env.world, user.email) }).expect(200);
    await agent.get('/orgs/acme/billing/invoices').expect(200);
  });

  it('with a case-insensitive router: another spelling of its own URLs is a page, and past the guard no page', async () => {
    const user = await freshUser(env.pm);
    const agent = agentOf(listenerOf(fastifyApp({ guard: { protectimus: env.pm, resource: user.resourceName }, mount: 'loose' })));
    await signIn(agent, user.login);
    expect((await agent.get('/BILLING/invoices').set(JSON_ACCEPT).expect(401)).body).toMatchObject({ error: 'otp_required', verifyUrl: '/billing/_otp/verify' });
    const code = await nextCode(env.world, user.email);
    // `/BILLING/_otp/verify` reaches the guard's route, as a page of the prefix: no code is checked there.
    expect((await agent.post('/BILLING/_otp/verify').send({ otp: code }).expect(401)).body).toMatchObject({ error: 'otp_required' });
    await agent.post('/billing/_otp/verify').send({ otp: code }).expect(200);
    await agent.get('/BILLING/invoices').expect(200);
    await agent.post('/BILLING/_otp/verify').send({ otp: code }).expect(404);
  });

  it("keeps the app's own cookie lifetime (remember me) through the grant's new session, and a browser-session cookie as one", async () => {
    for (const remember of [true, false]) {
      const user = await freshUser(env.pm);
      const agent = agentOf(listenerOf(fastifyApp({ guard: { protectimus: env.pm, resource: user.resourceName } })));
      await signIn(agent, user.login, { remember });
      await agent.get('/billing/invoices').expect(401);
      const verified = await agent.post('/billing/_otp/verify').send({ otp: await nextCode(env.world, user.email) }).expect(200);
      const expires = /Expires=([^;]+)/.exec(setCookieLine(verified, 'sessionId') ?? '')?.[1];
      if (remember) expect(Date.parse(expires ?? '') - Date.now()).toBeGreaterThan(29 * 86_400_000);
      else expect(expires).toBeUndefined();
    }
  });

  it('answers 503 and grants nothing when the session store cannot regenerate the session', async () => {
    const user = await freshUser(env.pm);
    const errors: unknown[] = [];
    const sessions = new Map<string, unknown>();
    let broken = false;
    const store = {
      get: (id: string, done: (err: unknown, session?: unknown) => void) => done(null, sessions.get(id) ?? null),
      set: (id: string, session: unknown, done: (err?: unknown) => void) => (sessions.set(id, JSON.parse(JSON.stringify(session))), done()),
      destroy: (id: string, done: (err?: unknown) => void) => (broken ? done(new Error('session store down')) : (sessions.delete(id), done())),
    };
    const app = Fastify();
    await app.register(fastifyCookie);
    await app.register(fastifySession, { secret: 'test-session-secret-of-32-characters!', saveUninitialized: false, cookie: { secure: false }, store: store as never });
    app.addHook('preValidation', async (request) => {
      const login = (request.session as unknown as { login?: string }).login;
      if (login) (request as { user?: unknown }).user = { login };
    });
    app.post('/login', async (request) => {
      (request.session as unknown as { login?: string }).login = user.login;
      return { ok: true };
    });
    await app.register(
      async (s) => {
        await s.register(protectimusMail, { protectimus: env.pm, resource: user.resourceName, onError: (e) => errors.push(e) });
        s.get('/invoices', async () => ({ ok: true }));
      },
      { prefix: '/billing' },
    );
    const agent = agentOf(listenerOf(app));
    await agent.post('/login').expect(200);
    await agent.get('/billing/invoices').set(JSON_ACCEPT).expect(401);
    broken = true;
    expect((await agent.post('/billing/_otp/verify').send({ otp: await nextCode(env.world, user.email) }).expect(503)).body).toEqual({ error: 'unavailable' });
    expect(String(errors[0])).toMatch(/session store down/);
    broken = false;
    // @fastify/session gives the request a new empty session even when destroying the old one
    // failed, so the user is signed out there; what matters is that nothing passes.
    expect(['otp_required', 'unauthenticated']).toContain((await agent.get('/billing/invoices').set(JSON_ACCEPT).expect(401)).body.error);
  });

  it("answers a malformed body on its own URLs with the protocol's bytes, as Express without a parser does, whatever Fastify's parsers", async () => {
    const answers = async (make: (resource: string) => Parameters<typeof agentOf>[0]) => {
      const user = await freshUser(env.pm);
      const agent = agentOf(make(user.resourceName));
      await signIn(agent, user.login);
      await agent.get('/billing/invoices').set(JSON_ACCEPT).expect(401);
      await nextCode(env.world, user.email);
      const out: string[] = [];
      for (const [type, body] of [
        ['application/json', '{"otp": '],
        ['application/json', '"just a string"'],
        ['text/plain', 'otp=123456'],
        ['application/x-www-form-urlencoded', 'otp=%E0%A4%A'],
      ] as const) {
        const res = await agent.post('/billing/_otp/verify').set('Accept', 'application/json').set('Content-Type', type).send(body);
        out.push(`${res.status} ${res.headers['content-type']} ${res.text}`);
      }
      return out;
    };
    const fastify = await answers((resource) => listenerOf(fastifyApp({ guard: { protectimus: env.pm, resource }, parsers: 'both' })));
    expect(fastify).toEqual(await answers((resource) => expressAdapter.makeApp({ guard: { protectimus: env.pm, resource }, parsers: 'none' })));
    expect(fastify[0]).toBe('400 application/json; charset=utf-8 {"error":"invalid_input"}');
  });

  it('answers 503 and reports when the session plugin is missing, and passes once a session is there', async () => {
    const errors: unknown[] = [];
    const app = Fastify();
    await app.register(async (s) => {
      await s.register(protectimusMail, { protectimus: env.pm, onError: (e) => errors.push(e) });
      s.get('/x', async () => ({ ok: true }));
    });
    const bare = agentOf(listenerOf(app));
    expect((await bare.get('/x').set(JSON_ACCEPT).expect(503)).body).toEqual({ error: 'unavailable' });
    expect(String(errors[0])).toMatch(/@fastify\/session/);

    const withSession = Fastify();
    await withSession.register(fastifyCookie);
    await withSession.register(fastifySession, { secret: 'test-session-secret-of-32-characters!', cookie: { secure: false } });
    await withSession.register(async (s) => {
      await s.register(protectimusMail, { protectimus: env.pm });
      s.get('/x', async () => ({ ok: true }));
    });
    expect((await agentOf(listenerOf(withSession)).get('/x').set(JSON_ACCEPT).expect(401)).body).toEqual({ error: 'unauthenticated' });
  });
});
