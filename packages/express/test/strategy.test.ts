import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { RedisStore } from '../../core/src/stores/redis';
import { ProtectimusMailStrategy, type ProtectimusMailStrategyOptions } from '../src';
import { agentOf, deadRedis, freshUser, nextCode, PASSWORD, signIn, useWorld, wrongCode } from '../../../test/conformance/harness';

const env = useWorld();

/**
 * Passport's own `req.logIn` signs users in at `POST /login {"login"}` (the first factor, a
 * password in a real app, is not what is tested here); `POST /otp` runs the strategy with Passport's
 * default failure handling, `POST /otp.json` with a callback that sends the strategy's challenge
 * as the body. `GET /me` tells who is signed in.
 */
function makeApp(options: ProtectimusMailStrategyOptions): Express {
  const app = express();
  const auth = new passport.Passport();
  // The first factor is passport-local; the second, this package's strategy.
  auth.use(new LocalStrategy({ usernameField: 'login' }, (login, password, done) => done(null, password === PASSWORD ? { login } : false)));
  auth.use(new ProtectimusMailStrategy(options));
  auth.serializeUser((user, done) => done(null, (user as { login: string }).login));
  auth.deserializeUser((login: string, done) => done(null, { login }));
  app.use(session({ secret: 'test-session-secret', resave: false, saveUninitialized: false }));
  app.use(auth.session());
  app.use(express.json());
  app.post('/login', auth.authenticate('local'), (_req, res) => void res.json({ ok: true }));
  app.get('/me', (req, res) => res.json({ user: (req.user as { login?: string } | undefined)?.login ?? null }));
  app.post('/otp', auth.authenticate('protectimus-mail'), (req, res) => {
    res.json({ ok: true, user: (req.user as { login: string }).login, authInfo: req.authInfo });
  });
  app.post('/otp.json', (req: Request, res: Response, next: NextFunction) => {
    auth.authenticate('protectimus-mail', (err: unknown, user: unknown, info: unknown, status?: number) => {
      if (err) return next(err);
      if (!user) return void res.status(status ?? 401).json(info);
      req.logIn(user as Express.User, (loginErr) => (loginErr ? next(loginErr) : res.json({ ok: true })));
    })(req, res, next);
  });
  return app;
}

async function mailed(user: { login: string; email: string; resourceName: string }): Promise<string> {
  await env.pm.prepare({ resource: user.resourceName, login: user.login });
  return nextCode(env.world, user.email);
}

describe('ProtectimusMailStrategy after a first factor (Passport session)', () => {
  it('is named protectimus-mail', () => {
    expect(new ProtectimusMailStrategy({ protectimus: env.pm }).name).toBe('protectimus-mail');
  });

  it('passes the right code: success with the protectimus-mail user, the token as authInfo', async () => {
    const user = await freshUser(env.pm);
    const agent = agentOf(makeApp({ protectimus: env.pm, resource: user.resourceName }));
    await signIn(agent, user.login);
    const res = await agent.post('/otp').send({ otp: await mailed(user) }).expect(200);
    expect(res.body).toMatchObject({ ok: true, user: user.login, authInfo: { resource: user.resourceName, token: { id: user.token.id } } });
    expect(JSON.stringify(res.body)).not.toMatch(/secret|hash|counter/i);
    expect((await agent.get('/me').expect(200)).body).toEqual({ user: user.login });
  });

  it('fails a wrong code with the guard status and body: 401 invalid_otp with attemptsLeft', async () => {
    const user = await freshUser(env.pm);
    const agent = agentOf(makeApp({ protectimus: env.pm, resource: user.resourceName }));
    await signIn(agent, user.login);
    const wrong = wrongCode(await mailed(user));
    expect((await agent.post('/otp.json').send({ otp: wrong }).expect(401)).body).toEqual({ error: 'invalid_otp', attemptsLeft: 2 });
    // Passport's own failure answer keeps the status (its body is Passport's plain text).
    expect((await agent.post('/otp').send({ otp: wrong }).expect(401)).text).toBe('Unauthorized');
  });

  it('fails with 403 blocked and retryAfter once the token locks', async () => {
    const user = await freshUser(env.pm, { resource: { failedAttemptsBeforeLock: 3 } });
    const agent = agentOf(makeApp({ protectimus: env.pm, resource: user.resourceName }));
    await signIn(agent, user.login);
    const wrong = wrongCode(await mailed(user));
    await agent.post('/otp.json').send({ otp: wrong }).expect(401);
    await agent.post('/otp.json').send({ otp: wrong }).expect(401);
    expect((await agent.post('/otp.json').send({ otp: wrong }).expect(403)).body).toEqual({ error: 'blocked', retryAfter: 300 });
    expect((await agent.post('/otp').send({ otp: wrong }).expect(403)).text).toBe('Forbidden');
  });

  it('fails with 400 invalid_input, 401 otp_expired, 403 not_assigned like the guard', async () => {
    const user = await freshUser(env.pm);
    const agent = agentOf(makeApp({ protectimus: env.pm, resource: user.resourceName }));
    await signIn(agent, user.login);
    expect((await agent.post('/otp.json').send({ otp: 123456 }).expect(400)).body).toEqual({ error: 'invalid_input' });
    expect((await agent.post('/otp.json').send({}).expect(400)).body).toEqual({ error: 'invalid_input' });
    expect((await agent.post('/otp.json').send({ otp: '123456' }).expect(401)).body).toEqual({ error: 'otp_expired' });

    const other = await env.pm.resources.create({ name: `other-${user.login}` });
    const elsewhere = agentOf(makeApp({ protectimus: env.pm, resource: other.name }));
    await signIn(elsewhere, user.login);
    expect((await elsewhere.post('/otp.json').send({ otp: '123456' }).expect(403)).body).toEqual({ error: 'not_assigned' });
  });

  it('checks the signed-in user, not a login posted beside the code', async () => {
    const victim = await freshUser(env.pm);
    const attacker = await freshUser(env.pm);
    const agent = agentOf(makeApp({ protectimus: env.pm, resource: victim.resourceName }));
    await signIn(agent, attacker.login);
    const code = await mailed(victim);
    // The attacker has no token on the victim's resource, whatever login is posted.
    expect((await agent.post('/otp.json').send({ login: victim.login, otp: code }).expect(403)).body).toEqual({ error: 'not_assigned' });
  });

  it('fails with 503 unavailable when the store is down, with no uncaught rejection', async () => {
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown): void => void rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    const client = deadRedis();
    try {
      const down = env.world.make({ store: new RedisStore({ client, prefix: env.world.prefix }) });
      const reported: unknown[] = [];
      const agent = agentOf(makeApp({ protectimus: down, resource: 'billing', onError: (err) => reported.push(err) }));
      await signIn(agent, 'alice');
      expect((await agent.post('/otp.json').send({ otp: '123456' }).expect(503)).body).toEqual({ error: 'unavailable' });
      expect((await agent.post('/otp').send({ otp: '123456' }).expect(503)).text).toBe('Service Unavailable');
      await new Promise((resolve) => setImmediate(resolve));
      expect(rejections).toEqual([]);
      // The outage reaches the operator, once per request.
      expect(reported).toHaveLength(2);
      for (const err of reported) expect(err).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });

  it('turns an unexpected error into 503 unavailable and reports it', async () => {
    const errors: unknown[] = [];
    const broken = { authenticate: () => Promise.reject(new TypeError('boom')) };
    const agent = agentOf(makeApp({ protectimus: broken, resource: 'billing', onError: (e) => errors.push(e) }));
    await signIn(agent, 'alice');
    expect((await agent.post('/otp.json').send({ otp: '123456' }).expect(503)).body).toEqual({ error: 'unavailable' });
    expect(errors).toEqual([new TypeError('boom')]);
  });
});

describe('ProtectimusMailStrategy as the only credential: login + PIN and code', () => {
  it('signs a user in with {login, otp} and nobody signed in before', async () => {
    const user = await freshUser(env.pm, { pin: 'A1b2', pinPosition: 'after' });
    const agent = agentOf(makeApp({ protectimus: env.pm, resource: user.resourceName }));
    const code = await mailed(user);
    expect((await agent.post('/otp.json').send({ login: user.login, otp: code }).expect(401)).body).toEqual({ error: 'invalid_otp', attemptsLeft: 2 });
    expect((await agent.post('/otp.json').send({ login: user.login, otp: `${code}A1b3` }).expect(401)).body).toEqual({ error: 'invalid_otp', attemptsLeft: 1 });
    await agent.post('/otp.json').send({ login: user.login, otp: ` ${code}A1b2 ` }).expect(200);
    expect((await agent.get('/me').expect(200)).body).toEqual({ user: user.login });
  });

  it('reads the fields the options name', async () => {
    const user = await freshUser(env.pm);
    const agent = agentOf(makeApp({ protectimus: env.pm, resource: user.resourceName, loginField: 'email', otpField: 'code' }));
    await agent.post('/otp.json').send({ email: user.login, code: await mailed(user) }).expect(200);
  });

  it('fails 401 unauthenticated with no login, 400 with a login that is not a string', async () => {
    const user = await freshUser(env.pm);
    const agent = agentOf(makeApp({ protectimus: env.pm, resource: user.resourceName }));
    expect((await agent.post('/otp.json').send({ otp: '123456' }).expect(401)).body).toEqual({ error: 'unauthenticated' });
    expect((await agent.post('/otp.json').send({ login: ['a'], otp: '123456' }).expect(400)).body).toEqual({ error: 'invalid_input' });
  });

  // The attack: with no first factor, post a login and any code, and read the answer to learn
  // which logins exist, which are blocked, and which are enrolled. Every one of them must answer
  // alike until a code is open for it.
  it('answers an unknown, a blocked and an enrolled login with no open code alike: 401 otp_expired', async () => {
    const enrolled = await freshUser(env.pm);
    const blockedUser = await env.pm.users.create({ login: `blk${enrolled.login}` });
    const blockedToken = await env.pm.tokens.createMail({ name: `blk ${enrolled.login}`, email: `blk-${enrolled.email}` });
    await env.pm.users.assignToken(blockedUser.id, blockedToken.id);
    await env.pm.resources.assignTokenWithUser(enrolled.resource.id, blockedToken.id);
    const lockedUser = await env.pm.users.create({ login: `lck${enrolled.login}` });
    const lockedToken = await env.pm.tokens.createMail({ name: `lck ${enrolled.login}`, email: `lck-${enrolled.email}` });
    await env.pm.users.assignToken(lockedUser.id, lockedToken.id);
    await env.pm.resources.assignTokenWithUser(enrolled.resource.id, lockedToken.id);
    await env.pm.users.block(blockedUser.id);
    await env.pm.tokens.block(lockedToken.id);
    const unassigned = await env.pm.users.create({ login: `una${enrolled.login}` });

    const agent = agentOf(makeApp({ protectimus: env.pm, resource: enrolled.resourceName }));
    const answers = [];
    for (const login of ['nobody-here', unassigned.login, blockedUser.login, lockedUser.login, enrolled.login, enrolled.login.toUpperCase()]) {
      const res = await agent.post('/otp.json').send({ login, otp: '123456' });
      answers.push({ status: res.status, body: res.body as unknown });
    }
    for (const answer of answers) expect(answer).toEqual({ status: 401, body: { error: 'otp_expired' } });

    // The administrator still reads why each was refused.
    const { items } = await env.pm.events.list({ type: 'access.denied', resourceId: enrolled.resource.id });
    expect(new Set(items.map((e) => e.code))).toEqual(new Set(['NOT_ASSIGNED', 'BLOCKED']));
  });

  it('still tells a signed-in user that the token is blocked or not assigned', async () => {
    const user = await freshUser(env.pm);
    const agent = agentOf(makeApp({ protectimus: env.pm, resource: user.resourceName }));
    await signIn(agent, `other${user.login}`);
    expect((await agent.post('/otp.json').send({ otp: '123456' }).expect(403)).body).toEqual({ error: 'not_assigned' });
  });
});

describe('ProtectimusMailStrategy outside Express', () => {
  it('needs only req.body, req.user and req.ip and Passport actions (as koa-passport gives them)', async () => {
    const user = await freshUser(env.pm);
    const otp = await mailed(user);
    const strategy = new ProtectimusMailStrategy({ protectimus: env.pm, resource: user.resourceName });
    const run = (req: object) =>
      new Promise<unknown>((resolve) => {
        const instance = Object.assign(Object.create(strategy) as ProtectimusMailStrategy, {
          success: (u: { login: string }) => resolve({ success: u.login }),
          fail: (challenge: unknown, status?: number) => resolve({ challenge, status }),
          error: (err: unknown) => resolve({ error: err }),
        });
        instance.authenticate(req as never);
      });
    expect(await run({ body: { otp: wrongCode(otp) }, user: { username: user.login }, ip: '203.0.113.9' })).toEqual({
      challenge: { error: 'invalid_otp', attemptsLeft: 2 },
      status: 401,
    });
    expect(await run({ body: { otp }, user: { username: user.login }, ip: '203.0.113.9' })).toEqual({ success: user.login });
  });
});
