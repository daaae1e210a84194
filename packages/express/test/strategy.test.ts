import express, { type ErrorRequestHandler, type Express, type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { RedisStore } from '../../core/src/stores/redis';
import { protectimusMail, ProtectimusMailStrategy, type ProtectimusMailStrategyOptions } from '../src';
import { agentOf, deadRedis, freshUser, nextCode, noMail, PASSWORD, signIn, useWorld, wrongCode } from '../../../test/conformance/harness';

const env = useWorld();

/** The app's own user: its fields are not protectimus-mail's, and must survive the second factor. */
interface AppUser {
  login: string;
  plan: string;
}

/**
 * The README's error handler for `failWithError`: Passport's `AuthenticationError` carries the
 * status, the strategy leaves the protocol's body in `req.authInfo`.
 */
const answerAuthFailure: ErrorRequestHandler = (err: { name?: string; status?: number }, req, res, next) => {
  if (err.name !== 'AuthenticationError') return next(err);
  res.status(err.status ?? 401).json(req.authInfo ?? { error: 'unauthenticated' });
};

/**
 * Passport's own `req.logIn` signs users in at `POST /login {"login"}` (the first factor, a
 * password in a real app, is not what is tested here) as the app's own user `{ login, plan }`;
 * `POST /otp` runs the strategy with Passport's default failure handling, `POST /otp.json` with a
 * callback that sends the strategy's challenge as the body, `POST /otp.err` with `failWithError`
 * and the README's error handler. `GET /me` tells who is signed in; `GET /billing` is behind the
 * guard on `guardResource` (default: the strategy's resource).
 */
function makeApp(options: ProtectimusMailStrategyOptions, guardResource = options.resource): Express {
  const app = express();
  const auth = new passport.Passport();
  // The first factor is passport-local; the second, this package's strategy.
  auth.use(new LocalStrategy({ usernameField: 'login' }, (login, password, done) => done(null, password === PASSWORD ? { login, plan: 'gold' } : false)));
  auth.use(new ProtectimusMailStrategy(options));
  auth.serializeUser((user, done) => done(null, JSON.stringify(user)));
  auth.deserializeUser((saved: string, done) => done(null, JSON.parse(saved) as AppUser));
  app.use(session({ secret: 'test-session-secret', resave: false, saveUninitialized: false }));
  app.use(auth.session());
  app.use(express.json());
  app.post('/login', auth.authenticate('local'), (_req, res) => void res.json({ ok: true }));
  app.get('/me', (req, res) => res.json({ user: (req.user as { login?: string } | undefined)?.login ?? null, whole: req.user ?? null }));
  app.post('/otp', auth.authenticate('protectimus-mail'), (req, res) => {
    res.json({ ok: true, user: (req.user as { login: string }).login, whole: req.user, authInfo: req.authInfo });
  });
  app.post('/otp.json', (req: Request, res: Response, next: NextFunction) => {
    auth.authenticate('protectimus-mail', (err: unknown, user: unknown, info: unknown, status?: number) => {
      if (err) return next(err);
      if (!user) return void res.status(status ?? 401).json(info);
      req.logIn(user as Express.User, (loginErr) => (loginErr ? next(loginErr) : res.json({ ok: true })));
    })(req, res, next);
  });
  app.post('/otp.err', auth.authenticate('protectimus-mail', { failWithError: true }), (req, res) => void res.json({ ok: true, whole: req.user }));
  app.use('/billing', protectimusMail({ protectimus: env.pm, resource: guardResource }), (_req, res) => void res.json({ page: 'billing' }));
  app.use(answerAuthFailure);
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

  it("passes the right code: success keeps the app's own user, the token as authInfo", async () => {
    const user = await freshUser(env.pm);
    const agent = agentOf(makeApp({ protectimus: env.pm, resource: user.resourceName }));
    await signIn(agent, user.login);
    const res = await agent.post('/otp').send({ otp: await mailed(user) }).expect(200);
    expect(res.body).toMatchObject({ ok: true, user: user.login, whole: { login: user.login, plan: 'gold' }, authInfo: { resource: user.resourceName, token: { id: user.token.id } } });
    expect(JSON.stringify(res.body)).not.toMatch(/secret|hash|counter/i);
    // Passport's `req.login` re-serialized the app's user, not protectimus-mail's.
    expect((await agent.get('/me').expect(200)).body).toEqual({ user: user.login, whole: { login: user.login, plan: 'gold' } });
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
    expect((await agent.post('/otp.json').send({ otp: '   ' }).expect(400)).body).toEqual({ error: 'invalid_input' });
    expect((await agent.post('/otp.json').send({ otp: '123456' }).expect(401)).body).toEqual({ error: 'otp_expired' });

    const other = await env.pm.resources.create({ name: `other-${user.login}` });
    const elsewhere = agentOf(makeApp({ protectimus: env.pm, resource: other.name }));
    await signIn(elsewhere, user.login);
    expect((await elsewhere.post('/otp.json').send({ otp: '123456' }).expect(403)).body).toEqual({ error: 'not_assigned' });
  });

  it('fails with 403 access_restricted and opensAt outside the resource\'s time windows, mailing nothing, signed in or by posted login', async () => {
    // A schedule with no ranges never opens: opensAt is null.
    const user = await freshUser(env.pm, { resource: { schedule: { timeZone: 'UTC', days: {} } } });
    const agent = agentOf(makeApp({ protectimus: env.pm, resource: user.resourceName }));
    await signIn(agent, user.login);
    const closed = { error: 'access_restricted', opensAt: null, timeZone: 'UTC' };
    expect((await agent.post('/otp.json').send({}).expect(403)).body).toEqual(closed);
    expect((await agent.post('/otp.json').send({ otp: '123456' }).expect(403)).body).toEqual(closed);
    expect((await agent.post('/otp.err').send({ otp: '123456' }).expect(403)).body).toEqual(closed);
    const nobody = agentOf(makeApp({ protectimus: env.pm, resource: user.resourceName }));
    expect((await nobody.post('/otp.json').send({ login: user.login, otp: '123456' }).expect(403)).body).toEqual(closed);
    await noMail(env.world, user.email);
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
    const broken = { authenticate: () => Promise.reject(new TypeError('boom')), prepare: () => Promise.reject(new TypeError('boom')), clock: env.pm.clock };
    const agent = agentOf(makeApp({ protectimus: broken, resource: 'billing', onError: (e) => errors.push(e) }));
    await signIn(agent, 'alice');
    expect((await agent.post('/otp.json').send({ otp: '123456' }).expect(503)).body).toEqual({ error: 'unavailable' });
    expect(errors).toEqual([new TypeError('boom')]);
  });
});

describe('ProtectimusMailStrategy: asking for a code, sharing the guard\'s state, mapping the user', () => {
  it('mails a code when none is posted: 401 with the otp_required body, and a reload reuses the open code', async () => {
    const user = await freshUser(env.pm);
    const agent = agentOf(makeApp({ protectimus: env.pm, resource: user.resourceName }));
    await signIn(agent, user.login);
    const first = await agent.post('/otp.json').send({}).expect(401);
    expect(first.body).toEqual({
      error: 'otp_required',
      resource: user.resourceName,
      sentTo: expect.stringMatching(/^u\*+[0-9a-f]@example\.com$/) as unknown,
      otpLength: 6,
      pin: null,
      expiresAt: expect.any(String) as unknown,
      resendAfter: expect.any(String) as unknown,
    });
    const code = await nextCode(env.world, user.email);
    // Again with no code (and an empty field, as a form sends it): the same open code, no second mail.
    expect((await agent.post('/otp.json').send({ otp: '' }).expect(401)).body).toEqual(first.body);
    expect((await agent.post('/otp').send({}).expect(401)).text).toBe('Unauthorized');
    await noMail(env.world, user.email);
    await agent.post('/otp.json').send({ otp: code }).expect(200);
  });

  it('mails the code in the language the client asks for, to a user without one of their own', async () => {
    const user = await freshUser(env.pm);
    const agent = agentOf(makeApp({ protectimus: env.pm, resource: user.resourceName }));
    await signIn(agent, user.login);
    await agent.post('/otp.json').set('Accept-Language', 'es-MX,es;q=0.9').send({}).expect(401);
    const mail = await env.world.smtp.waitForMail(user.email);
    expect(mail.subject).toMatch(/^\d{6} es su código para acceder a /);
    expect(mail.html).toContain('<html lang="es">');
  });

  it("gives failWithError's handler the protocol's JSON: the status from Passport, the body from req.authInfo", async () => {
    const user = await freshUser(env.pm);
    const agent = agentOf(makeApp({ protectimus: env.pm, resource: user.resourceName }));
    expect((await agent.post('/otp.err').send({ otp: '123456' }).expect(401)).body).toEqual({ error: 'unauthenticated' });
    await signIn(agent, user.login);
    const asked = await agent.post('/otp.err').send({}).expect(401);
    expect(asked.body).toMatchObject({ error: 'otp_required', resource: user.resourceName, otpLength: 6 });
    const code = await nextCode(env.world, user.email);
    expect((await agent.post('/otp.err').send({ otp: wrongCode(code) }).expect(401)).body).toEqual({ error: 'invalid_otp', attemptsLeft: 2 });
    expect((await agent.post('/otp.err').send({ otp: 7 }).expect(400)).body).toEqual({ error: 'invalid_input' });
    expect((await agent.post('/otp.err').send({ otp: code }).expect(200)).body).toEqual({ ok: true, whole: { login: user.login, plan: 'gold' } });
  });

  it('marks the session verified for its resource: the guard there passes at once, until an admin revokes it', async () => {
    const user = await freshUser(env.pm);
    const agent = agentOf(makeApp({ protectimus: env.pm, resource: user.resourceName }));
    await signIn(agent, user.login);
    // Before: the guard asks for a code (and mails it).
    expect((await agent.get('/billing').set('Accept', 'application/json').expect(401)).body).toMatchObject({ error: 'otp_required' });
    const code = await nextCode(env.world, user.email);
    const before = (await agent.post('/otp').send({ otp: code }).expect(200)).headers['set-cookie'] as string[] | undefined;
    // Passport's `req.login` gave the session a new id: the verification went with it.
    expect(before?.some((c) => c.startsWith('connect.sid='))).toBe(true);
    expect((await agent.get('/billing').set('Accept', 'application/json').expect(200)).body).toEqual({ page: 'billing' });
    await noMail(env.world, user.email);

    // The grant carries the guard's stamp: blocking the token ends it, for the guard too.
    await env.pm.tokens.block(user.token.id);
    expect((await agent.get('/billing').set('Accept', 'application/json').expect(403)).body).toEqual({ error: 'blocked' });
  });

  it('verifies only its own resource: the guard on another one still asks', async () => {
    const user = await freshUser(env.pm);
    const other = await env.pm.resources.create({ name: `other-${user.login}` });
    await env.pm.resources.assignTokenWithUser(other.id, user.token.id);
    const agent = agentOf(makeApp({ protectimus: env.pm, resource: user.resourceName }, other.name));
    await signIn(agent, user.login);
    await agent.post('/otp').send({ otp: await mailed(user) }).expect(200);
    expect((await agent.get('/billing').set('Accept', 'application/json').expect(401)).body).toMatchObject({ error: 'otp_required', resource: other.name });
  });

  it('grants through a callback that calls req.logIn itself, and in the posted-login mode', async () => {
    const user = await freshUser(env.pm);
    const agent = agentOf(makeApp({ protectimus: env.pm, resource: user.resourceName }));
    await signIn(agent, user.login);
    await agent.post('/otp.json').send({ otp: await mailed(user) }).expect(200);
    await agent.get('/billing').set('Accept', 'application/json').expect(200);

    const stranger = agentOf(makeApp({ protectimus: env.pm, resource: user.resourceName }));
    await stranger.post('/otp.json').send({ login: user.login, otp: await mailed(user) }).expect(200);
    await stranger.get('/billing').set('Accept', 'application/json').expect(200);
    await noMail(env.world, user.email);
  });

  it('maps the protectimus-mail user with verify (the posted-login mode names an app user)', async () => {
    const user = await freshUser(env.pm);
    const seen: unknown[] = [];
    const app = makeApp({
      protectimus: env.pm,
      resource: user.resourceName,
      verify: (req, pmUser, done) => {
        seen.push({ app: req.user ?? null, pm: pmUser.login });
        if (pmUser.login !== user.login) return done(null, false, { error: 'not_a_customer' });
        done(null, { login: pmUser.login, plan: 'mapped' });
      },
    });
    // The posted-login mode: no app user yet, verify names one.
    const agent = agentOf(app);
    await agent.post('/otp').send({ login: user.login, otp: await mailed(user) }).expect(200);
    expect((await agent.get('/me').expect(200)).body).toEqual({ user: user.login, whole: { login: user.login, plan: 'mapped' } });
    await agent.get('/billing').set('Accept', 'application/json').expect(200);

    expect(seen).toEqual([{ app: null, pm: user.login }]);
  });

  it('refuses through verify: done(null, false, info) fails with info and 401; done(err) errs', async () => {
    const user = await freshUser(env.pm);
    let answer: 'refuse' | 'err' = 'refuse';
    const app = makeApp({
      protectimus: env.pm,
      resource: user.resourceName,
      verify: (_req, _pmUser, done) => (answer === 'refuse' ? done(null, false, { error: 'suspended' }) : done(new Error('directory down'))),
    });
    const agent = agentOf(app);
    await signIn(agent, user.login);
    expect((await agent.post('/otp.err').send({ otp: await mailed(user) }).expect(401)).body).toEqual({ error: 'suspended' });
    // Still signed in as before, but not verified: the guard asks.
    expect((await agent.get('/me').expect(200)).body).toEqual({ user: user.login, whole: { login: user.login, plan: 'gold' } });
    expect((await agent.get('/billing').set('Accept', 'application/json').expect(401)).body).toMatchObject({ error: 'otp_required' });
    answer = 'err';
    await agent.post('/otp.err').send({ otp: await nextCode(env.world, user.email) }).expect(500);
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
    // No app user before: the protectimus-mail `User` is signed in (`verify` maps it otherwise).
    expect((await agent.get('/me').expect(200)).body).toMatchObject({ user: user.login, whole: { id: user.user.id, login: user.login } });
  });

  it('reads the fields the options name', async () => {
    const user = await freshUser(env.pm);
    const agent = agentOf(makeApp({ protectimus: env.pm, resource: user.resourceName, loginField: 'email', otpField: 'code' }));
    await agent.post('/otp.json').send({ email: user.login, code: await mailed(user) }).expect(200);
  });

  // Only a first factor may have a code mailed: a posted login would let anyone mail any address.
  it('never mails a code for a posted login: no code is 400 invalid_input for every login alike', async () => {
    const user = await freshUser(env.pm);
    const agent = agentOf(makeApp({ protectimus: env.pm, resource: user.resourceName }));
    for (const login of [user.login, 'nobody-here']) {
      expect((await agent.post('/otp.json').send({ login }).expect(400)).body).toEqual({ error: 'invalid_input' });
      expect((await agent.post('/otp.err').send({ login, otp: '' }).expect(400)).body).toEqual({ error: 'invalid_input' });
    }
    await noMail(env.world, user.email);
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
  it('needs only req.body, req.user and req.ip and Passport actions (as koa-passport gives them), and no session', async () => {
    const user = await freshUser(env.pm);
    const otp = await mailed(user);
    const strategy = new ProtectimusMailStrategy({ protectimus: env.pm, resource: user.resourceName });
    const run = (req: object) =>
      new Promise<unknown>((resolve) => {
        const instance = Object.assign(Object.create(strategy) as ProtectimusMailStrategy, {
          success: (u: unknown) => resolve({ success: u }),
          fail: (challenge: unknown, status?: number) => resolve({ challenge, status }),
          error: (err: unknown) => resolve({ error: err }),
        });
        instance.authenticate(req as never);
      });
    expect(await run({ body: { otp: wrongCode(otp) }, user: { username: user.login }, ip: '203.0.113.9' })).toEqual({
      challenge: { error: 'invalid_otp', attemptsLeft: 2 },
      status: 401,
    });
    // The app's user object itself, whatever its shape.
    expect(await run({ body: { otp }, user: { username: user.login }, ip: '203.0.113.9' })).toEqual({ success: { username: user.login } });
  });
});
