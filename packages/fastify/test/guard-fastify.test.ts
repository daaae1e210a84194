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

  it("keeps the app's own cookie lifetime (remember me) through the grant's new session", async () => {
    const user = await freshUser(env.pm);
    const agent = agentOf(listenerOf(fastifyApp({ guard: { protectimus: env.pm, resource: user.resourceName } })));
    const signedIn = await signIn(agent, user.login, { remember: true });
    expect(setCookieLine(signedIn, 'sessionId')).toMatch(/Expires=/);
    await agent.get('/billing/invoices').expect(401);
    const verified = await agent.post('/billing/_otp/verify').send({ otp: await nextCode(env.world, user.email) }).expect(200);
    const line = setCookieLine(verified, 'sessionId') ?? '';
    const expires = Date.parse(/Expires=([^;]+)/.exec(line)?.[1] ?? '');
    expect(expires - Date.now()).toBeGreaterThan(29 * 86_400_000);
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
