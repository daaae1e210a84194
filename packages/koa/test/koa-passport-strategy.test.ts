import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa from 'koa';
import passport from 'koa-passport';
import session from 'koa-session';
// The same strategy Express apps use: it reads only `req.body`, `req.user` and `req.ip`, which
// koa-passport's request stand-in delegates to `ctx.request.body`, `ctx.state.user` and `ctx.ip`.
import { protectimusMail, ProtectimusMailStrategy, type ProtectimusMailStrategyOptions } from '../src';
import { agentOf, freshUser, nextCode, noMail, useWorld, wrongCode } from '../../../test/conformance/harness';
import { koaSessionCookie, koaSessionId, MemorySessionStore } from '../../../test/conformance/harness/koa';

const env = useWorld();

/**
 * A Koa app whose sign-in is the mailed code itself: `POST /login/code` with `{ login, otp }`
 * through koa-passport and `ProtectimusMailStrategy`, answering the strategy's status and body
 * on a refusal. `POST /login/code-default` uses koa-passport's own failure answer,
 * `POST /login/code-error` `failWithError` and the README's error middleware. `POST /login/as`
 * stands in for a password: it signs in the app's own user `{ login, plan }`. `GET /billing/...`
 * is behind the guard on the same resource.
 */
function codeLoginApp(resource: string, store = new MemorySessionStore(), options: ProtectimusMailStrategyOptions = {}): Koa {
  const app = new Koa();
  app.keys = ['test-session-key'];
  app.silent = true;
  // The README's answer for `failWithError`: the status from koa-passport's AuthenticationError,
  // the body the strategy left in `ctx.state.authInfo`.
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      if ((err as { name?: string }).name !== 'AuthenticationError') throw err;
      ctx.status = (err as { status?: number }).status ?? 401;
      ctx.body = ctx.state.authInfo ?? { error: 'unauthenticated' };
    }
  });
  app.use(session({ store }, app));
  app.use(bodyParser());
  const auth = new passport.KoaPassport();
  auth.use(new ProtectimusMailStrategy({ protectimus: env.pm, resource, ...options }));
  auth.serializeUser((user, done) => done(null, JSON.stringify(user)));
  auth.deserializeUser((saved: string, done) => done(null, JSON.parse(saved) as { login: string }));
  app.use(auth.initialize());
  app.use(auth.session());
  app.use(protectimusMail({ protectimus: env.pm, resource, area: '/billing' }));

  const router = new Router();
  router.post('/login/code', (ctx, next) =>
    auth.authenticate('protectimus-mail', async (err: unknown, user: { login: string } | false, info: unknown, status?: number) => {
      if (err) throw err;
      if (!user) {
        ctx.status = status ?? 401;
        ctx.body = info;
        return;
      }
      await ctx.login(user);
      ctx.body = { ok: true, login: user.login, token: (info as { token: { name: string } }).token.name };
    })(ctx, next),
  );
  router.post('/login/code-default', auth.authenticate('protectimus-mail'), (ctx) => {
    ctx.body = { ok: true };
  });
  router.post('/login/code-error', auth.authenticate('protectimus-mail', { failWithError: true }), (ctx) => {
    ctx.body = { ok: true, user: ctx.state.user as unknown };
  });
  // Stands in for a password sign-in, so the strategy can be tried as a second factor too.
  router.post('/login/as', async (ctx) => {
    await ctx.login({ login: (ctx.request as { body?: { login?: string } }).body?.login, plan: 'gold' });
    ctx.body = { ok: true };
  });
  router.get('/me', (ctx) => {
    ctx.body = { user: (ctx.state.user as { login?: string } | undefined)?.login ?? null, whole: (ctx.state.user as unknown) ?? null };
  });
  router.get('/billing/invoices', (ctx) => {
    ctx.body = { page: 'invoices' };
  });
  // Something the app keeps in the session before sign-in, to see it survive the new id.
  router.post('/cart', (ctx) => {
    (ctx.session as { cart?: string }).cart = 'two books';
    ctx.body = { ok: true };
  });
  router.get('/cart', (ctx) => {
    ctx.body = { cart: (ctx.session as { cart?: string }).cart ?? null };
  });
  app.use(router.routes());
  return app;
}

describe('ProtectimusMailStrategy under koa-passport', () => {
  it('signs a user in with { login, otp: PIN+code } as the credential, into a new session id', async () => {
    const user = await freshUser(env.pm, { otpLength: 8, pin: '2468', pinPosition: 'before' });
    const store = new MemorySessionStore();
    const agent = agentOf(codeLoginApp(user.resourceName, store).callback());
    const anonymous = koaSessionCookie(await agent.post('/cart').expect(200));
    expect(koaSessionId(anonymous)).toBeDefined();
    await agent.post('/login/code').send({ login: user.login, otp: '246812345678' }).expect(401);
    await env.pm.prepare({ resource: user.resourceName, login: user.login });
    const code = await nextCode(env.world, user.email);

    const wrong = await agent.post('/login/code').send({ login: user.login, otp: `2468${wrongCode(code)}` }).expect(401);
    expect(wrong.body).toEqual({ error: 'invalid_otp', attemptsLeft: 2 });
    expect((await agent.get('/me').expect(200)).body).toMatchObject({ user: null });

    const ok = await agent.post('/login/code').send({ login: user.login, otp: `2468${code}` }).expect(200);
    expect(ok.body).toEqual({ ok: true, login: user.login, token: user.token.name });
    expect((await agent.get('/me').expect(200)).body).toMatchObject({ user: user.login });
    // Passport regenerated koa-session's id on login; koa-session kept the data.
    expect(koaSessionId(koaSessionCookie(ok))).toBeDefined();
    expect(koaSessionId(koaSessionCookie(ok))).not.toBe(koaSessionId(anonymous));
    expect(store.sessions.has(koaSessionId(anonymous)!)).toBe(false);
    expect((await agent.get('/cart').expect(200)).body).toEqual({ cart: 'two books' });
    // The code is spent.
    expect((await agent.post('/login/code').send({ login: user.login, otp: `2468${code}` }).expect(401)).body).toEqual({ error: 'otp_expired' });
  });

  it("answers the guard's refusals, never telling a posted login's state: no open code, unknown login and blocked alike, no login at all", async () => {
    const user = await freshUser(env.pm);
    const agent = agentOf(codeLoginApp(user.resourceName).callback());
    expect((await agent.post('/login/code').send({ login: user.login, otp: '123456' }).expect(401)).body).toEqual({ error: 'otp_expired' });
    expect((await agent.post('/login/code').send({ login: 'nobody-here', otp: '123456' }).expect(401)).body).toEqual({ error: 'otp_expired' });
    expect((await agent.post('/login/code').send({ otp: '123456' }).expect(401)).body).toEqual({ error: 'unauthenticated' });
    expect((await agent.post('/login/code').send({ login: user.login, otp: 123456 }).expect(400)).body).toEqual({ error: 'invalid_input' });
    await env.pm.users.block(user.user.id);
    expect((await agent.post('/login/code').send({ login: user.login, otp: '123456' }).expect(401)).body).toEqual({ error: 'otp_expired' });
  });

  it('answers 403 access_restricted with opensAt outside the time windows, for every login alike, through failWithError too', async () => {
    const user = await freshUser(env.pm, { resource: { schedule: { timeZone: 'UTC', days: {} } } });
    const agent = agentOf(codeLoginApp(user.resourceName).callback());
    const closed = { error: 'access_restricted', opensAt: null, timeZone: 'UTC' };
    expect((await agent.post('/login/code').send({ login: user.login, otp: '123456' }).expect(403)).body).toEqual(closed);
    expect((await agent.post('/login/code').send({ login: 'nobody-here', otp: '123456' }).expect(403)).body).toEqual(closed);
    expect((await agent.post('/login/code-error').send({ login: user.login, otp: '123456' }).expect(403)).body).toEqual(closed);
    await noMail(env.world, user.email);
  });

  it("gives koa-passport's own failure answer the strategy's status", async () => {
    const user = await freshUser(env.pm);
    const agent = agentOf(codeLoginApp(user.resourceName).callback());
    await agent.post('/login/code-default').send({ login: user.login, otp: '123456' }).expect(401);
    await agent.post('/login/code-default').send({ login: user.login, otp: 123456 }).expect(400);
    await env.pm.prepare({ resource: user.resourceName, login: user.login });
    await agent.post('/login/code-default').send({ login: user.login, otp: await nextCode(env.world, user.email) }).expect(200);
    expect((await agent.get('/me').expect(200)).body).toMatchObject({ user: user.login });
  });

  it('checks the code of the signed-in user (ctx.state.user) as a second factor, whatever login is posted', async () => {
    const alice = await freshUser(env.pm);
    const mallory = await freshUser(env.pm);
    const agent = agentOf(codeLoginApp(alice.resourceName).callback());
    await agent.post('/login/as').send({ login: alice.login }).expect(200);
    await env.pm.prepare({ resource: alice.resourceName, login: alice.login });
    const code = await nextCode(env.world, alice.email);
    const res = await agent.post('/login/code').send({ login: mallory.login, otp: code }).expect(200);
    expect(res.body.login).toBe(alice.login);
  });
});

describe("ProtectimusMailStrategy under koa-passport: the app user, a code asked for, the guard's state", () => {
  const JSON_ACCEPT = { Accept: 'application/json' };

  it("keeps ctx.state.user: the app's own object survives success and Passport's login", async () => {
    const user = await freshUser(env.pm);
    const agent = agentOf(codeLoginApp(user.resourceName).callback());
    await agent.post('/login/as').send({ login: user.login }).expect(200);
    await env.pm.prepare({ resource: user.resourceName, login: user.login });
    const res = await agent.post('/login/code-error').send({ otp: await nextCode(env.world, user.email) }).expect(200);
    expect(res.body).toEqual({ ok: true, user: { login: user.login, plan: 'gold' } });
    expect((await agent.get('/me').expect(200)).body).toEqual({ user: user.login, whole: { login: user.login, plan: 'gold' } });
  });

  it('mails a code when none is posted: 401 otp_required through failWithError, a reload mails no second one', async () => {
    const user = await freshUser(env.pm);
    const agent = agentOf(codeLoginApp(user.resourceName).callback());
    await agent.post('/login/as').send({ login: user.login }).expect(200);
    const first = await agent.post('/login/code-error').send({}).expect(401);
    expect(first.body).toEqual({
      error: 'otp_required',
      resource: user.resourceName,
      sentTo: expect.stringMatching(/@example\.com$/) as unknown,
      otpLength: 6,
      pin: null,
      expiresAt: expect.any(String) as unknown,
      resendAfter: expect.any(String) as unknown,
    });
    const code = await nextCode(env.world, user.email);
    expect((await agent.post('/login/code').send({}).expect(401)).body).toEqual(first.body);
    expect((await agent.post('/login/code-default').send({}).expect(401)).text).toBe('Unauthorized');
    await noMail(env.world, user.email);
    expect((await agent.post('/login/code-error').send({ otp: wrongCode(code) }).expect(401)).body).toEqual({ error: 'invalid_otp', attemptsLeft: 2 });
    await agent.post('/login/code-error').send({ otp: code }).expect(200);
  });

  it('marks the session verified: the guard on the same resource passes at once, until the token is blocked', async () => {
    const user = await freshUser(env.pm);
    const agent = agentOf(codeLoginApp(user.resourceName).callback());
    await agent.post('/login/as').send({ login: user.login }).expect(200);
    expect((await agent.get('/billing/invoices').set(JSON_ACCEPT).expect(401)).body).toMatchObject({ error: 'otp_required' });
    await agent.post('/login/code-default').send({ otp: await nextCode(env.world, user.email) }).expect(200);
    expect((await agent.get('/billing/invoices').set(JSON_ACCEPT).expect(200)).body).toEqual({ page: 'invoices' });
    await noMail(env.world, user.email);
    await env.pm.tokens.block(user.token.id);
    expect((await agent.get('/billing/invoices').set(JSON_ACCEPT).expect(403)).body).toEqual({ error: 'blocked' });
  });

  it('verifies the session in the posted-login mode too, and never mails for a posted login', async () => {
    const user = await freshUser(env.pm);
    const agent = agentOf(codeLoginApp(user.resourceName).callback());
    expect((await agent.post('/login/code-error').send({ login: user.login }).expect(400)).body).toEqual({ error: 'invalid_input' });
    await noMail(env.world, user.email);
    await env.pm.prepare({ resource: user.resourceName, login: user.login });
    await agent.post('/login/code').send({ login: user.login, otp: await nextCode(env.world, user.email) }).expect(200);
    await agent.get('/billing/invoices').set(JSON_ACCEPT).expect(200);
  });

  it('maps the user with verify, which can refuse', async () => {
    const user = await freshUser(env.pm);
    let refuse = false;
    const app = codeLoginApp(user.resourceName, new MemorySessionStore(), {
      verify: (_req, pmUser, done) => (refuse ? done(null, false, { error: 'suspended' }) : done(null, { login: pmUser.login, plan: 'mapped' })),
    });
    const agent = agentOf(app.callback());
    await env.pm.prepare({ resource: user.resourceName, login: user.login });
    await agent.post('/login/code-error').send({ login: user.login, otp: await nextCode(env.world, user.email) }).expect(200);
    expect((await agent.get('/me').expect(200)).body).toEqual({ user: user.login, whole: { login: user.login, plan: 'mapped' } });

    refuse = true;
    const other = agentOf(app.callback());
    await env.pm.prepare({ resource: user.resourceName, login: user.login });
    expect((await other.post('/login/code-error').send({ login: user.login, otp: await nextCode(env.world, user.email) }).expect(401)).body).toEqual({ error: 'suspended' });
    expect((await other.get('/me').expect(200)).body).toEqual({ user: null, whole: null });
    await other.get('/billing/invoices').set(JSON_ACCEPT).expect(401);
  });
});
