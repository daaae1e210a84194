import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa from 'koa';
import passport from 'koa-passport';
import session from 'koa-session';
// The same strategy Express apps use: it reads only `req.body`, `req.user` and `req.ip`, which
// koa-passport's request stand-in delegates to `ctx.request.body`, `ctx.state.user` and `ctx.ip`.
import { ProtectimusMailStrategy } from '../src';
import { agentOf, freshUser, nextCode, useWorld, wrongCode } from '../../../test/conformance/harness';
import { koaSessionCookie, koaSessionId, MemorySessionStore } from '../../../test/conformance/harness/koa';

const env = useWorld();

/**
 * A Koa app whose sign-in is the mailed code itself: `POST /login/code` with `{ login, otp }`
 * through koa-passport and `ProtectimusMailStrategy`, answering the strategy's status and body
 * on a refusal. `POST /login/code-default` uses koa-passport's own failure answer.
 */
function codeLoginApp(resource: string, store = new MemorySessionStore()): Koa {
  const app = new Koa();
  app.keys = ['test-session-key'];
  app.silent = true;
  app.use(session({ store }, app));
  app.use(bodyParser());
  const auth = new passport.KoaPassport();
  auth.use(new ProtectimusMailStrategy({ protectimus: env.pm, resource }));
  auth.serializeUser((user, done) => done(null, (user as { login: string }).login));
  auth.deserializeUser((login: string, done) => done(null, { login }));
  app.use(auth.initialize());
  app.use(auth.session());

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
  // Stands in for a password sign-in, so the strategy can be tried as a second factor too.
  router.post('/login/as', async (ctx) => {
    await ctx.login({ login: (ctx.request as { body?: { login?: string } }).body?.login });
    ctx.body = { ok: true };
  });
  router.get('/me', (ctx) => {
    ctx.body = { user: (ctx.state.user as { login?: string } | undefined)?.login ?? null };
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
    expect((await agent.get('/me').expect(200)).body).toEqual({ user: null });

    const ok = await agent.post('/login/code').send({ login: user.login, otp: `2468${code}` }).expect(200);
    expect(ok.body).toEqual({ ok: true, login: user.login, token: user.token.name });
    expect((await agent.get('/me').expect(200)).body).toEqual({ user: user.login });
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

  it("gives koa-passport's own failure answer the strategy's status", async () => {
    const user = await freshUser(env.pm);
    const agent = agentOf(codeLoginApp(user.resourceName).callback());
    await agent.post('/login/code-default').send({ login: user.login, otp: '123456' }).expect(401);
    await agent.post('/login/code-default').send({ login: user.login, otp: 123456 }).expect(400);
    await env.pm.prepare({ resource: user.resourceName, login: user.login });
    await agent.post('/login/code-default').send({ login: user.login, otp: await nextCode(env.world, user.email) }).expect(200);
    expect((await agent.get('/me').expect(200)).body).toEqual({ user: user.login });
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
