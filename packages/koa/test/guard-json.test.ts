import type { Protectimus } from '../../core/src/protectimus';
import { agentOf, makeApp, signIn } from './support/app';
import { freshUser, nextCode, startWorld, wrongCode, type World } from './support/world';

let world: World;
let pm: Protectimus;
beforeAll(async () => {
  world = await startWorld('redis');
  pm = world.make();
});
afterAll(() => world.close());

/** A signed-in user of a new resource, an app guarding that resource at /billing, and the agent. */
async function signedIn(opts: Parameters<typeof freshUser>[1] = {}) {
  const user = await freshUser(pm, opts);
  const app = makeApp({ guard: { protectimus: pm, resource: user.resourceName } });
  const agent = agentOf(app);
  await signIn(agent, user.login);
  return { user, app, agent };
}

describe('guard (JSON): the status table', () => {
  it('answers 401 unauthenticated without a first-factor user, and mails nothing', async () => {
    const user = await freshUser(pm);
    const app = makeApp({ guard: { protectimus: pm, resource: user.resourceName } });
    const res = await agentOf(app).get('/billing/invoices').expect(401);
    expect(res.body).toEqual({ error: 'unauthenticated' });
    expect(res.headers['cache-control']).toBe('no-store');
    await expect(world.smtp.waitForMail(user.email, 300)).rejects.toThrow(/no mail/);
  });

  it('answers 401 otp_required with the mount-relative URLs and mails a code', async () => {
    const { user, agent } = await signedIn();
    const res = await agent.get('/billing/invoices').expect(401);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers.vary).toMatch(/Accept/);
    expect(res.body).toEqual({
      error: 'otp_required',
      resource: user.resourceName,
      sentTo: expect.stringMatching(/^u\*+[0-9a-f]@example\.com$/) as unknown,
      otpLength: 6,
      pin: null,
      expiresAt: new Date(world.clock.now() + 300_000).toISOString(),
      resendAfter: new Date(world.clock.now() + 30_000).toISOString(),
      verifyUrl: '/billing/_otp/verify',
      resendUrl: '/billing/_otp/resend',
    });
    expect(await nextCode(world, user.email)).toMatch(/^\d{6}$/);
  });

  it('reuses the open code on a reload: one mail, not two', async () => {
    const { user, agent } = await signedIn();
    await agent.get('/billing/invoices').expect(401);
    const code = await nextCode(world, user.email);
    await agent.get('/billing/invoices').expect(401);
    await expect(world.smtp.waitForMail(user.email, 300)).rejects.toThrow(/no mail/);
    await agent.post('/billing/_otp/verify').send({ otp: code }).expect(200);
  });

  it('answers 200 to the right code, then passes the session (user still signed in)', async () => {
    const { user, agent } = await signedIn();
    await agent.get('/billing/invoices').expect(401);
    const code = await nextCode(world, user.email);
    const res = await agent.post('/billing/_otp/verify').send({ otp: code }).expect(200);
    expect(res.body).toEqual({
      ok: true,
      resource: user.resourceName,
      verifiedUntil: new Date(world.clock.now() + 28800 * 1000).toISOString(),
    });
    const page = await agent.get('/billing/invoices').expect(200);
    expect(page.body).toEqual({ page: '/billing/invoices', user: user.login });
  });

  it('takes PIN and code as one string (PIN before)', async () => {
    const { user, agent } = await signedIn({ otpLength: 8, pin: '2468', pinPosition: 'before' });
    const asked = await agent.get('/billing/invoices').expect(401);
    expect(asked.body).toMatchObject({ otpLength: 8, pin: 'before' });
    const code = await nextCode(world, user.email);
    expect((await agent.post('/billing/_otp/verify').send({ otp: code }).expect(401)).body.error).toBe('invalid_otp');
    await agent.post('/billing/_otp/verify').send({ otp: `2468${code}` }).expect(200);
  });

  it('honours verifiedFor', async () => {
    const user = await freshUser(pm);
    const app = makeApp({ guard: { protectimus: pm, resource: user.resourceName, verifiedFor: 60 } });
    const agent = agentOf(app);
    await signIn(agent, user.login);
    await agent.get('/billing/invoices').expect(401);
    const res = await agent.post('/billing/_otp/verify').send({ otp: await nextCode(world, user.email) }).expect(200);
    expect(res.body.verifiedUntil).toBe(new Date(world.clock.now() + 60_000).toISOString());
    await agent.get('/billing/invoices').expect(200);
    world.clock.advanceSeconds(61);
    expect((await agent.get('/billing/invoices').expect(401)).body.error).toBe('otp_required');
  });

  it('answers 401 invalid_otp with attemptsLeft to a wrong code', async () => {
    const { user, agent } = await signedIn();
    await agent.get('/billing/invoices').expect(401);
    const code = await nextCode(world, user.email);
    const res = await agent.post('/billing/_otp/verify').send({ otp: wrongCode(code) }).expect(401);
    expect(res.body).toEqual({ error: 'invalid_otp', attemptsLeft: 2 });
    await agent.get('/billing/invoices').expect(401);
  });

  it('answers 401 otp_expired once the code has run out, and when none was sent', async () => {
    const { user, agent } = await signedIn();
    expect((await agent.post('/billing/_otp/verify').send({ otp: '123456' }).expect(401)).body).toEqual({ error: 'otp_expired' });
    await agent.get('/billing/invoices').expect(401);
    const code = await nextCode(world, user.email);
    world.clock.advanceSeconds(301);
    expect((await agent.post('/billing/_otp/verify').send({ otp: code }).expect(401)).body).toEqual({ error: 'otp_expired' });
    await agent.get('/billing/invoices').expect(401);
  });

  it('answers 403 blocked with retryAfter once the resource locks the token', async () => {
    const { user, agent } = await signedIn({ resource: { failedAttemptsBeforeLock: 3, lockMinutes: 5 } });
    await agent.get('/billing/invoices').expect(401);
    const wrong = wrongCode(await nextCode(world, user.email));
    expect((await agent.post('/billing/_otp/verify').send({ otp: wrong }).expect(401)).body).toEqual({ error: 'invalid_otp', attemptsLeft: 2 });
    expect((await agent.post('/billing/_otp/verify').send({ otp: wrong }).expect(401)).body).toEqual({ error: 'invalid_otp', attemptsLeft: 1 });
    expect((await agent.post('/billing/_otp/verify').send({ otp: wrong }).expect(403)).body).toEqual({ error: 'blocked', retryAfter: 300 });
    expect((await agent.get('/billing/invoices').expect(403)).body).toEqual({ error: 'blocked', retryAfter: 300 });
  });

  it('answers 403 blocked (no retryAfter) for a user an admin blocked', async () => {
    const { user, agent } = await signedIn();
    await pm.users.block(user.user.id);
    expect((await agent.get('/billing/invoices').expect(403)).body).toEqual({ error: 'blocked' });
  });

  it('answers 403 not_assigned when the user has no token on the resource', async () => {
    const user = await freshUser(pm);
    const other = await pm.resources.create({ name: `other-${user.login}` });
    const agent = agentOf(makeApp({ guard: { protectimus: pm, resource: other.name } }));
    await signIn(agent, user.login);
    expect((await agent.get('/billing/invoices').expect(403)).body).toEqual({ error: 'not_assigned' });
  });

  it('answers 403 access_restricted from outside allowedIps, and uses ctx.ip behind a trusted proxy', async () => {
    const user = await freshUser(pm, { resource: { allowedIps: ['10.0.0.0/8'] } });
    const direct = agentOf(makeApp({ guard: { protectimus: pm, resource: user.resourceName } }));
    await signIn(direct, user.login);
    expect((await direct.get('/billing/invoices').expect(403)).body).toEqual({ error: 'access_restricted' });
    // A client cannot forge its address unless the app trusts the proxy that says so.
    expect((await direct.get('/billing/invoices').set('X-Forwarded-For', '10.1.2.3').expect(403)).body.error).toBe('access_restricted');

    const proxied = agentOf(makeApp({ guard: { protectimus: pm, resource: user.resourceName }, proxy: true }));
    await signIn(proxied, user.login);
    expect((await proxied.get('/billing/invoices').set('X-Forwarded-For', '10.1.2.3').expect(401)).body.error).toBe('otp_required');
    expect((await proxied.get('/billing/invoices').set('X-Forwarded-For', '192.0.2.1').expect(403)).body.error).toBe('access_restricted');
  });

  it('answers 429 rate_limited with Retry-After to a resend too soon, and 202 once the cooldown is over', async () => {
    const { user, agent } = await signedIn();
    await agent.get('/billing/invoices').expect(401);
    const first = await nextCode(world, user.email);
    const res = await agent.post('/billing/_otp/resend').send({}).expect(429);
    expect(res.body).toEqual({ error: 'rate_limited', retryAfter: 30 });
    expect(res.headers['retry-after']).toBe('30');

    world.clock.advanceSeconds(30);
    const again = await agent.post('/billing/_otp/resend').send({}).expect(202);
    expect(again.body).toMatchObject({ status: 'otp_sent', verifyUrl: '/billing/_otp/verify' });
    const second = await nextCode(world, user.email);
    if (second !== first) await agent.post('/billing/_otp/verify').send({ otp: first }).expect(401);
    await agent.post('/billing/_otp/verify').send({ otp: second }).expect(200);
  });

  it('answers 400 invalid_input to a malformed body', async () => {
    const { user, agent } = await signedIn();
    await agent.get('/billing/invoices').expect(401);
    const code = await nextCode(world, user.email);
    const post = () => agent.post('/billing/_otp/verify').set('Content-Type', 'application/json');
    expect((await post().send('{"otp":123}').expect(400)).body).toEqual({ error: 'invalid_input' });
    expect((await post().send(JSON.stringify({ otp: ' '.repeat(59) + code })).expect(400)).body).toEqual({ error: 'invalid_input' });
    expect((await post().send('{"otp": "12').expect(400)).body).toEqual({ error: 'invalid_input' });
    expect((await post().send('["otp"]').expect(400)).body).toEqual({ error: 'invalid_input' });
    expect((await agent.post('/billing/_otp/verify').set('Content-Type', 'text/csv').send('otp,1').expect(400)).body).toEqual({ error: 'invalid_input' });
    // None of these counted against the code.
    await post().send(JSON.stringify({ otp: code })).expect(200);
  });

  it('answers 405 to a GET of the verify URL', async () => {
    const { agent } = await signedIn();
    const res = await agent.get('/billing/_otp/verify').expect(405);
    expect(res.headers.allow).toBe('POST');
    expect(res.body).toEqual({ error: 'method_not_allowed' });
  });

  it('emits the audit events of the decisions, with the client IP', async () => {
    const events: { type: string; ip?: unknown }[] = [];
    const listener = (e: { type: string; ip?: unknown }) => void events.push(e);
    pm.on('*', listener);
    try {
      const { user, agent } = await signedIn();
      await agent.get('/billing/invoices').expect(401);
      const code = await nextCode(world, user.email);
      await agent.post('/billing/_otp/verify').send({ otp: wrongCode(code) }).expect(401);
      await agent.post('/billing/_otp/verify').send({ otp: code }).expect(200);
      const types = events.map((e) => e.type);
      expect(types).toEqual(expect.arrayContaining(['otp.sent', 'otp.failed', 'otp.verified']));
      expect(events.find((e) => e.type === 'otp.verified')?.ip).toMatch(/127\.0\.0\.1$|^::1$/);
    } finally {
      pm.off('*', listener);
    }
  });
});
