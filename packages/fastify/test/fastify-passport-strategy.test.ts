import fastifyCookie from '@fastify/cookie';
import fastifyPassport from '@fastify/passport';
import fastifySession from '@fastify/session';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
// The same strategy Express and Koa apps use: @fastify/passport hands it the Fastify request,
// whose `body`, `user`, `ip` and `session` are what it reads, and a promise-returning `logIn`.
import { protectimusMail, ProtectimusMailStrategy } from '../src';
import { agentOf, freshUser, nextCode, noMail, useWorld, wrongCode } from '../../../test/conformance/harness';
import { fastifyAdapter, listenerOf } from '../../../test/conformance/harness/fastify';

const env = useWorld();
const JSON_ACCEPT = { Accept: 'application/json' };

/**
 * A Fastify app with @fastify/session and @fastify/passport: `POST /login/code` checks `{ login?,
 * otp }` through `ProtectimusMailStrategy` with a callback answering its status and body;
 * `POST /login/code-default` uses @fastify/passport's own answers; `POST /login/as` stands in for
 * a password (the app's user `{ login, plan }`); `/billing/*` is behind the guard on the same
 * resource, app-wide.
 */
function codeLoginApp(resource: string): FastifyInstance {
  const app = Fastify();
  const auth = new fastifyPassport.Authenticator();
  // Core's strategy is typed without passport-strategy (whose typings pull in Express's): the cast is only for that.
  auth.use(new ProtectimusMailStrategy({ protectimus: env.pm, resource }) as never);
  auth.registerUserSerializer(async (user: unknown) => JSON.stringify(user));
  auth.registerUserDeserializer(async (saved: string) => JSON.parse(saved) as unknown);
  void app.register(fastifyCookie);
  void app.register(fastifySession, { secret: 'test-session-secret-of-32-characters!', saveUninitialized: false, cookie: { secure: false } });
  void app.register(auth.initialize());
  void app.register(auth.secureSession());
  void app.register(protectimusMail, { protectimus: env.pm, resource, area: '/billing' });

  const callback = auth.authenticate('protectimus-mail', async (request: FastifyRequest, reply: FastifyReply, err: Error | null, user?: unknown, info?: unknown, status?: number) => {
    if (err) throw err;
    if (!user) return void reply.code(status ?? 401).send(info);
    await request.logIn(user);
    return void reply.send({ ok: true, login: (user as { login: string }).login });
  });
  app.post('/login/code', { preValidation: callback }, async () => undefined);
  app.post('/login/code-default', { preValidation: auth.authenticate('protectimus-mail') }, async () => ({ ok: true }));
  app.post('/login/as', async (request) => {
    await request.logIn({ login: (request.body as { login: string }).login, plan: 'gold' });
    return { ok: true };
  });
  app.get('/me', async (request) => ({ user: (request.user as { login?: string } | undefined)?.login ?? null, whole: request.user ?? null }));
  app.get('/billing/invoices', async () => ({ page: 'invoices' }));
  return app;
}

describe('ProtectimusMailStrategy under @fastify/passport', () => {
  it('signs a user in with { login, otp: PIN+code } as the credential, into a new session id', async () => {
    const user = await freshUser(env.pm, { otpLength: 8, pin: '2468', pinPosition: 'before' });
    const agent = agentOf(listenerOf(codeLoginApp(user.resourceName)));
    await env.pm.prepare({ resource: user.resourceName, login: user.login });
    const code = await nextCode(env.world, user.email);

    const wrong = await agent.post('/login/code').send({ login: user.login, otp: `2468${wrongCode(code)}` }).expect(401);
    expect(wrong.body).toEqual({ error: 'invalid_otp', attemptsLeft: 2 });
    expect((await agent.get('/me').expect(200)).body).toMatchObject({ user: null });

    const ok = await agent.post('/login/code').send({ login: user.login, otp: `2468${code}` }).expect(200);
    expect(ok.body).toEqual({ ok: true, login: user.login });
    expect(fastifyAdapter.sessionId(fastifyAdapter.sessionCookie(ok))).toBeDefined();
    expect((await agent.get('/me').expect(200)).body).toMatchObject({ user: user.login });
    // Verified for the resource: the guard passes at once, no code mailed.
    expect((await agent.get('/billing/invoices').set(JSON_ACCEPT).expect(200)).body).toEqual({ page: 'invoices' });
    await noMail(env.world, user.email);
    // The code is spent.
    expect((await agent.post('/login/code').send({ login: user.login, otp: `2468${code}` }).expect(401)).body).toEqual({ error: 'otp_expired' });
  });

  it("answers the guard's refusals, and @fastify/passport's own failure answer gets the strategy's status", async () => {
    const user = await freshUser(env.pm);
    const agent = agentOf(listenerOf(codeLoginApp(user.resourceName)));
    expect((await agent.post('/login/code').send({ login: 'nobody-here', otp: '123456' }).expect(401)).body).toEqual({ error: 'otp_expired' });
    expect((await agent.post('/login/code').send({ otp: '123456' }).expect(401)).body).toEqual({ error: 'unauthenticated' });
    expect((await agent.post('/login/code').send({ login: user.login, otp: 123456 }).expect(400)).body).toEqual({ error: 'invalid_input' });
    await agent.post('/login/code-default').send({ login: user.login, otp: 123456 }).expect(400);
    await agent.post('/login/code-default').send({ login: user.login, otp: '123456' }).expect(401);
  });

  it("as a second factor: mails a code when none is posted, then keeps request.user and verifies the session across @fastify/passport's new session id", async () => {
    const user = await freshUser(env.pm);
    const agent = agentOf(listenerOf(codeLoginApp(user.resourceName)));
    await agent.post('/login/as').send({ login: user.login }).expect(200);
    expect((await agent.get('/billing/invoices').set(JSON_ACCEPT).expect(401)).body).toMatchObject({ error: 'otp_required' });
    const code = await nextCode(env.world, user.email);
    expect((await agent.post('/login/code').send({}).expect(401)).body).toMatchObject({ error: 'otp_required', resource: user.resourceName });
    await noMail(env.world, user.email);
    const before = fastifyAdapter.sessionCookie(await agent.post('/login/code').send({ otp: wrongCode(code) }).expect(401));
    const ok = await agent.post('/login/code-default').send({ otp: code }).expect(200);
    expect(fastifyAdapter.sessionId(fastifyAdapter.sessionCookie(ok))).not.toBe(fastifyAdapter.sessionId(before));
    expect((await agent.get('/me').expect(200)).body).toEqual({ user: user.login, whole: { login: user.login, plan: 'gold' } });
    expect((await agent.get('/billing/invoices').set(JSON_ACCEPT).expect(200)).body).toEqual({ page: 'invoices' });
    await noMail(env.world, user.email);
    await env.pm.tokens.block(user.token.id);
    expect((await agent.get('/billing/invoices').set(JSON_ACCEPT).expect(403)).body).toEqual({ error: 'blocked' });
  });
});
