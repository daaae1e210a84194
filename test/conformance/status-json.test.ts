/**
 * The guard's status table (docs/design.md, "The guard's HTTP protocol"), row by row, as JSON clients
 * get it, from every adapter: Express, Koa and Fastify on real Redis and a real SMTP server.
 */
import { adapters, agentOf, freshUser, http, nextCode, noMail, pageBody, signedIn, signIn, started, useWorld, wrongCode, type UserOptions } from './harness';

const env = useWorld();

/** What otp_required and a resend's 202 tell of a 6-digit code without PIN mailed just now, guarded at /billing. */
function mailedNow(resource: string) {
  return {
    resource,
    sentTo: expect.stringMatching(/^u\*+[0-9a-f]@example\.com$/) as unknown,
    otpLength: 6,
    pin: null,
    expiresAt: new Date(env.world.clock.now() + 300_000).toISOString(),
    resendAfter: new Date(env.world.clock.now() + 30_000).toISOString(),
    verifyUrl: '/billing/_otp/verify',
    resendUrl: '/billing/_otp/resend',
  };
}

describe.each(adapters)('$name: the status table in JSON', (adapter) => {
  const start = (opts: UserOptions = {}) => signedIn(env.pm, (guard) => adapter.makeApp({ guard }), opts);

  it('answers 401 unauthenticated without a first-factor user, and mails nothing', async () => {
    const user = await freshUser(env.pm);
    const res = await http(adapter.makeApp({ guard: { protectimus: env.pm, resource: user.resourceName } })).get('/billing/invoices').expect(401);
    expect(res.body).toEqual({ error: 'unauthenticated' });
    expect(res.headers['cache-control']).toBe('no-store');
    await noMail(env.world, user.email);
  });

  it('answers 401 otp_required with the mount-relative URLs, and mails a 6-digit code', async () => {
    const { user, agent } = await start();
    const res = await agent.get('/billing/invoices').expect(401);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers.vary).toMatch(/Accept/);
    expect(res.body).toEqual({ error: 'otp_required', ...mailedNow(user.resourceName) });
    expect(await nextCode(env.world, user.email)).toMatch(/^\d{6}$/);
  });

  it('reuses the open code on a reload: one mail, not two', async () => {
    const { user, agent } = await start();
    await agent.get('/billing/invoices').expect(401);
    const code = await nextCode(env.world, user.email);
    expect((await agent.get('/billing/invoices').expect(401)).body.error).toBe('otp_required');
    await noMail(env.world, user.email);
    await agent.post('/billing/_otp/verify').send({ otp: code }).expect(200);
  });

  it('answers 200 to the right code, then passes the verified session to the app (user still signed in)', async () => {
    const { user, agent } = await start();
    await agent.get('/billing/invoices').expect(401);
    const res = await agent.post('/billing/_otp/verify').send({ otp: await nextCode(env.world, user.email) }).expect(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({ ok: true, resource: user.resourceName, verifiedUntil: new Date(env.world.clock.now() + 28800 * 1000).toISOString() });
    expect((await agent.get('/billing/invoices').expect(200)).body).toEqual(pageBody('/billing/invoices', user.login));
    // A double-submitted code is not turned into "used up".
    expect((await agent.post('/billing/_otp/verify').send({ otp: '000000' }).expect(200)).body.ok).toBe(true);
  });

  it.each<[string, UserOptions, (pin: string, code: string) => string, (pin: string, code: string) => string]>([
    ['6 digits, PIN before', { otpLength: 6, pin: '2468', pinPosition: 'before' }, (p, c) => p + c, (p, c) => c + p],
    ['8 digits, PIN before', { otpLength: 8, pin: '2468', pinPosition: 'before' }, (p, c) => p + c, (p, c) => c + p],
    ['6 digits, PIN after', { otpLength: 6, pin: 'A1b2', pinPosition: 'after' }, (p, c) => c + p, (p, c) => p + c],
    ['8 digits, PIN after', { otpLength: 8, pin: 'A1b2', pinPosition: 'after' }, (p, c) => c + p, (p, c) => p + c],
  ])('takes PIN and code as one string (%s), trimmed, and refuses the code alone or the wrong order', async (_title, opts, right, wrong) => {
    const { user, agent } = await start(opts);
    const asked = await agent.get('/billing/invoices').expect(401);
    expect(asked.body).toMatchObject({ otpLength: opts.otpLength, pin: opts.pinPosition });
    const code = await nextCode(env.world, user.email);
    expect(code).toHaveLength(opts.otpLength!);
    expect((await agent.post('/billing/_otp/verify').send({ otp: code }).expect(401)).body).toEqual({ error: 'invalid_otp', attemptsLeft: 2 });
    expect((await agent.post('/billing/_otp/verify').send({ otp: wrong(opts.pin!, code) }).expect(401)).body).toEqual({ error: 'invalid_otp', attemptsLeft: 1 });
    await agent.post('/billing/_otp/verify').send({ otp: ` ${right(opts.pin!, code)} ` }).expect(200);
  });

  it('honours verifiedFor: the session passes until then, and is asked again after', async () => {
    const user = await freshUser(env.pm);
    const agent = agentOf(adapter.makeApp({ guard: { protectimus: env.pm, resource: user.resourceName, verifiedFor: 60 } }));
    await signIn(agent, user.login);
    await agent.get('/billing/invoices').expect(401);
    const res = await agent.post('/billing/_otp/verify').send({ otp: await nextCode(env.world, user.email) }).expect(200);
    expect(res.body.verifiedUntil).toBe(new Date(env.world.clock.now() + 60_000).toISOString());
    await agent.get('/billing/invoices').expect(200);
    env.world.clock.advanceSeconds(61);
    expect((await agent.get('/billing/invoices').expect(401)).body.error).toBe('otp_required');
    await nextCode(env.world, user.email);
  });

  it('answers 401 invalid_otp with attemptsLeft to a wrong code, and does not pass', async () => {
    const { user, agent } = await start();
    await agent.get('/billing/invoices').expect(401);
    const code = await nextCode(env.world, user.email);
    expect((await agent.post('/billing/_otp/verify').send({ otp: wrongCode(code) }).expect(401)).body).toEqual({ error: 'invalid_otp', attemptsLeft: 2 });
    expect((await agent.get('/billing/invoices').expect(401)).body.error).toBe('otp_required');
  });

  it('takes a code typed in groups, with spaces or hyphens between them, as the code', async () => {
    const { user, agent } = await start({ otpLength: 8, pin: '2468', pinPosition: 'before' });
    await agent.get('/billing/invoices').expect(401);
    const code = await nextCode(env.world, user.email);
    // A grouped wrong code is a wrong code: one attempt, as without the spaces.
    expect((await agent.post('/billing/_otp/verify').send({ otp: `2468 ${wrongCode(code).slice(0, 4)} ${wrongCode(code).slice(4)}` }).expect(401)).body).toEqual({ error: 'invalid_otp', attemptsLeft: 2 });
    // Another separator is not forgiven, and costs an attempt like any other wrong shape.
    expect((await agent.post('/billing/_otp/verify').send({ otp: `2468.${code}` }).expect(401)).body).toEqual({ error: 'invalid_otp', attemptsLeft: 1 });
    expect((await agent.post('/billing/_otp/verify').send({ otp: ` 2468 ${code.slice(0, 4)}-${code.slice(4)} ` }).expect(200)).body.ok).toBe(true);
    await agent.get('/billing/invoices').expect(200);
  });

  it('answers 401 otp_expired when no code was sent, once it has expired (fake clock), and once it is used up', async () => {
    const { user, agent } = await start();
    expect((await agent.post('/billing/_otp/verify').send({ otp: '123456' }).expect(401)).body).toEqual({ error: 'otp_expired' });
    await agent.get('/billing/invoices').expect(401);
    const expired = await nextCode(env.world, user.email);
    env.world.clock.advanceSeconds(301);
    expect((await agent.post('/billing/_otp/verify').send({ otp: expired }).expect(401)).body).toEqual({ error: 'otp_expired' });

    // A new code after a reload, then maxAttempts (3) wrong tries: the right one is no use after.
    await agent.get('/billing/invoices').expect(401);
    const code = await nextCode(env.world, user.email);
    for (const attemptsLeft of [2, 1, 0]) {
      expect((await agent.post('/billing/_otp/verify').send({ otp: wrongCode(code) }).expect(401)).body).toEqual({ error: 'invalid_otp', attemptsLeft });
    }
    expect((await agent.post('/billing/_otp/verify').send({ otp: code }).expect(401)).body).toEqual({ error: 'otp_expired' });
    expect((await agent.get('/billing/invoices').expect(401)).body.error).toBe('otp_required');
    await nextCode(env.world, user.email);
  });

  it('locks the token after failedAttemptsBeforeLock wrong codes: 403 blocked with retryAfter, until lockMinutes pass', async () => {
    const { user, agent } = await start({ resource: { failedAttemptsBeforeLock: 3, lockMinutes: 5 } });
    await agent.get('/billing/invoices').expect(401);
    const code = await nextCode(env.world, user.email);
    const wrong = wrongCode(code);
    expect((await agent.post('/billing/_otp/verify').send({ otp: wrong }).expect(401)).body).toEqual({ error: 'invalid_otp', attemptsLeft: 2 });
    expect((await agent.post('/billing/_otp/verify').send({ otp: wrong }).expect(401)).body).toEqual({ error: 'invalid_otp', attemptsLeft: 1 });
    expect((await agent.post('/billing/_otp/verify').send({ otp: wrong }).expect(403)).body).toEqual({ error: 'blocked', retryAfter: 300 });
    expect((await agent.get('/billing/invoices').expect(403)).body).toEqual({ error: 'blocked', retryAfter: 300 });
    expect((await agent.post('/billing/_otp/resend').send({}).expect(403)).body).toEqual({ error: 'blocked', retryAfter: 300 });
    env.world.clock.advanceSeconds(60);
    expect((await agent.get('/billing/invoices').expect(403)).body).toEqual({ error: 'blocked', retryAfter: 240 });

    env.world.clock.advanceSeconds(241);
    expect((await agent.get('/billing/invoices').expect(401)).body.error).toBe('otp_required');
    await agent.post('/billing/_otp/verify').send({ otp: await nextCode(env.world, user.email) }).expect(200);
  });

  it('answers 403 blocked (no retryAfter) for a user an administrator blocked', async () => {
    const { user, agent } = await start();
    await env.pm.users.block(user.user.id);
    expect((await agent.get('/billing/invoices').expect(403)).body).toEqual({ error: 'blocked' });
    await noMail(env.world, user.email, 100);
  });

  it('answers 403 not_assigned when the user has no token on the resource', async () => {
    const user = await freshUser(env.pm);
    const other = await env.pm.resources.create({ name: `other-${user.login}` });
    const agent = agentOf(adapter.makeApp({ guard: { protectimus: env.pm, resource: other.name } }));
    await signIn(agent, user.login);
    expect((await agent.get('/billing/invoices').expect(403)).body).toEqual({ error: 'not_assigned' });
    expect((await agent.post('/billing/_otp/verify').send({ otp: '123456' }).expect(403)).body).toEqual({ error: 'not_assigned' });
  });

  it('answers 403 access_restricted from outside allowedIps, and takes the address from a trusted proxy only', async () => {
    const user = await freshUser(env.pm, { resource: { allowedIps: ['10.0.0.0/8'] } });
    const direct = agentOf(adapter.makeApp({ guard: { protectimus: env.pm, resource: user.resourceName } }));
    await signIn(direct, user.login);
    expect((await direct.get('/billing/invoices').expect(403)).body).toEqual({ error: 'access_restricted' });
    // A client cannot forge its address unless the app trusts the proxy that says so.
    expect((await direct.get('/billing/invoices').set('X-Forwarded-For', '10.1.2.3').expect(403)).body.error).toBe('access_restricted');

    const proxied = agentOf(adapter.makeApp({ guard: { protectimus: env.pm, resource: user.resourceName }, trustProxy: true }));
    await signIn(proxied, user.login);
    expect((await proxied.get('/billing/invoices').set('X-Forwarded-For', '10.1.2.3').expect(401)).body.error).toBe('otp_required');
    expect((await proxied.get('/billing/invoices').set('X-Forwarded-For', '192.0.2.1').expect(403)).body.error).toBe('access_restricted');
    await nextCode(env.world, user.email);
  });

  it('answers a resend too soon 429 rate_limited (reason cooldown) with Retry-After, and 202 with a new code once the cooldown is over', async () => {
    const { user, agent } = await start();
    await agent.get('/billing/invoices').expect(401);
    const first = await nextCode(env.world, user.email);
    const res = await agent.post('/billing/_otp/resend').send({}).expect(429);
    expect(res.body).toEqual({ error: 'rate_limited', retryAfter: 30, reason: 'cooldown' });
    expect(res.headers['retry-after']).toBe('30');
    expect(res.headers['cache-control']).toBe('no-store');

    env.world.clock.advanceSeconds(30);
    const again = await agent.post('/billing/_otp/resend').send({}).expect(202);
    expect(again.body).toEqual({ status: 'otp_sent', ...mailedNow(user.resourceName) });
    const second = await nextCode(env.world, user.email);
    // The new code replaced the old one.
    if (second !== first) expect((await agent.post('/billing/_otp/verify').send({ otp: first }).expect(401)).body.error).toBe('invalid_otp');
    await agent.post('/billing/_otp/verify').send({ otp: second }).expect(200);
  });

  it('answers 429 rate_limited (reason hourly_cap) with Retry-After past the hourly cap of mails', async () => {
    const capped = env.world.make({ otp: { resendCooldown: 1, maxSendsPerHour: 2 } });
    const { user, agent } = await signedIn(capped, (guard) => adapter.makeApp({ guard }));
    await agent.get('/billing/invoices').expect(401);
    await nextCode(env.world, user.email);
    env.world.clock.advanceSeconds(2);
    await agent.post('/billing/_otp/resend').send({}).expect(202);
    await nextCode(env.world, user.email);
    env.world.clock.advanceSeconds(2);
    const res = await agent.post('/billing/_otp/resend').send({}).expect(429);
    expect(res.body).toEqual({ error: 'rate_limited', retryAfter: expect.any(Number) as unknown, reason: 'hourly_cap' });
    expect(res.body.retryAfter).toBeGreaterThan(60);
    expect(res.headers['retry-after']).toBe(String(res.body.retryAfter));
  });

  it('answers 400 invalid_input to a malformed body, and counts no attempt', async () => {
    const { user, agent } = await start();
    await agent.get('/billing/invoices').expect(401);
    const code = await nextCode(env.world, user.email);
    const post = () => agent.post('/billing/_otp/verify').set('Content-Type', 'application/json');
    for (const body of ['{"otp":123}', JSON.stringify({ otp: ' '.repeat(59) + code }), '{"otp": "12', '["otp"]', '{}', 'null']) {
      const res = await post().send(body).expect(400);
      expect(res.body).toEqual({ error: 'invalid_input' });
    }
    expect((await agent.post('/billing/_otp/verify').set('Content-Type', 'text/csv').send('otp,1').expect(400)).body).toEqual({ error: 'invalid_input' });
    expect((await agent.post('/billing/_otp/resend').set('Content-Type', 'application/json').send('[1]').expect(400)).body).toEqual({ error: 'invalid_input' });
    await post().send(JSON.stringify({ otp: code })).expect(200);
  });

  it('answers 405 with Allow: POST to a GET of the verify and resend URLs', async () => {
    const { agent } = await start();
    for (const url of ['/billing/_otp/verify', '/billing/_otp/resend']) {
      const res = await agent.get(url).expect(405);
      expect(res.headers.allow).toBe('POST');
      expect(res.body).toEqual({ error: 'method_not_allowed' });
    }
  });

  it('emits the audit events of the decisions, with the client IP', async () => {
    const events: { type: string; ip?: unknown }[] = [];
    const listener = (e: { type: string; ip?: unknown }) => void events.push(e);
    env.pm.on('*', listener);
    try {
      const { user, agent } = await start();
      await agent.get('/billing/invoices').expect(401);
      const code = await nextCode(env.world, user.email);
      await agent.post('/billing/_otp/verify').send({ otp: wrongCode(code) }).expect(401);
      await agent.post('/billing/_otp/verify').send({ otp: code }).expect(200);
      expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['otp.sent', 'otp.failed', 'otp.verified']));
      expect(events.find((e) => e.type === 'otp.verified')?.ip).toMatch(/127\.0\.0\.1$|^::1$/);
    } finally {
      env.pm.off('*', listener);
    }
  });

  it("reads the login with the app's `user` option instead of the first factor's user", async () => {
    const user = await freshUser(env.pm);
    const app = adapter.makeApp({ guard: { protectimus: env.pm, resource: user.resourceName, user: (header) => header('x-test-login') ?? null } });
    expect((await http(app).get('/billing/invoices').expect(401)).body).toEqual({ error: 'unauthenticated' });
    expect((await http(app).get('/billing/invoices').set('X-Test-Login', user.login).expect(401)).body.error).toBe('otp_required');
    await nextCode(env.world, user.email);
  });

  it('reports an unexpected failure once, on one line by default, and answers 503', async () => {
    const user = await freshUser(env.pm);
    const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const failing = () => {
        throw new Error('the user directory is down\nsecond line');
      };
      const app = adapter.makeApp({ guard: { protectimus: env.pm, resource: user.resourceName, user: failing } });
      const res = await http(app).get('/billing/invoices').expect(503);
      expect(res.body).toEqual({ error: 'unavailable' });
      expect(res.headers['cache-control']).toBe('no-store');
      expect(spy).toHaveBeenCalledTimes(1);
      expect(spy).toHaveBeenCalledWith('protectimus-mail: Error: the user directory is down');
    } finally {
      spy.mockRestore();
    }
  });

  it("lets the app's own errors through as the app's (500), not as the guard's 503", async () => {
    const errors: unknown[] = [];
    const user = await freshUser(env.pm);
    const agent = agentOf(adapter.makeApp({ guard: { protectimus: env.pm, resource: user.resourceName, onError: (e) => errors.push(e) } }));
    await signIn(agent, user.login);
    await agent.get('/billing/invoices').expect(401);
    await agent.post('/billing/_otp/verify').send({ otp: await nextCode(env.world, user.email) }).expect(200);
    await agent.get('/billing/fails').expect(500);
    expect(errors).toEqual([]);
  });

  it('rejects options that cannot work when the guard is made (Fastify: when the app starts)', async () => {
    await expect(started(() => adapter.makeApp({ guard: { protectimus: env.pm, verifiedFor: 0 } }))).rejects.toThrow(/verifiedFor/);
    await expect(started(() => adapter.makeApp({ guard: { protectimus: env.pm, resource: '' } }))).rejects.toThrow(/resource/);
  });
});
