import session from 'express-session';
import type { Protectimus } from '../../core/src/protectimus';
import { agentOf, baseOf, http, makeApp, sessionCookie, signIn, type Mount, type Parsers } from './support/app';
import { freshUser, nextCode, startWorld, type World } from './support/world';

let world: World;
let pm: Protectimus;
beforeAll(async () => {
  world = await startWorld('redis');
  pm = world.make();
});
afterAll(() => world.close());

describe('guard: the session', () => {
  it('changes the session id when the factor is granted; the Passport login survives, the old id is dead', async () => {
    const user = await freshUser(pm);
    const app = makeApp({ guard: { protectimus: pm, resource: user.resourceName } });
    const agent = agentOf(app);
    const before = sessionCookie(await signIn(agent, user.login));
    expect(before).toBeDefined();
    await agent.get('/billing/invoices').expect(401);
    const verified = await agent.post('/billing/_otp/verify').send({ otp: await nextCode(world, user.email) }).expect(200);
    const after = sessionCookie(verified);
    expect(after).toBeDefined();
    expect(after).not.toBe(before);

    expect((await agent.get('/me').expect(200)).body).toEqual({ user: user.login });
    expect((await agent.get('/billing/invoices').expect(200)).body).toEqual({ page: '/billing/invoices', user: user.login });
    // Whoever held the id from before the second factor holds nothing now.
    expect((await http(app).get('/me').set('Cookie', before!).expect(200)).body).toEqual({ user: null });
    expect((await http(app).get('/billing/invoices').set('Cookie', before!).expect(401)).body).toEqual({ error: 'unauthenticated' });
  });

  it('keeps the cookie lifetime the app gave the session ("remember me"), and a browser-session cookie as one', async () => {
    for (const remember of [true, false]) {
      const user = await freshUser(pm);
      const agent = agentOf(makeApp({ guard: { protectimus: pm, resource: user.resourceName } }));
      await signIn(agent, user.login, remember);
      await agent.get('/billing/invoices').expect(401);
      const res = await agent.post('/billing/_otp/verify').send({ otp: await nextCode(world, user.email) }).expect(200);
      const cookie = ([] as string[]).concat(res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('connect.sid='));
      const expires = /Expires=([^;]+)/.exec(cookie ?? '')?.[1];
      if (remember) expect(Date.parse(expires ?? '') - Date.now()).toBeGreaterThan(29 * 86_400_000);
      else expect(expires).toBeUndefined();
    }
  });

  it('keeps the verification per resource: a second guard in the same session asks again', async () => {
    const user = await freshUser(pm);
    const payroll = await pm.resources.create({ name: `payroll-${user.login}` });
    await pm.resources.assignTokenWithUser(payroll.id, user.token.id);
    const app = makeApp({ guard: { protectimus: pm, resource: user.resourceName }, payroll: { protectimus: pm, resource: payroll.name } });
    const agent = agentOf(app);
    await signIn(agent, user.login);
    await agent.get('/billing/invoices').expect(401);
    await agent.post('/billing/_otp/verify').send({ otp: await nextCode(world, user.email) }).expect(200);
    await agent.get('/billing/invoices').expect(200);
    const asked = await agent.get('/payroll/invoices').expect(401);
    expect(asked.body).toMatchObject({ error: 'otp_required', resource: payroll.name, verifyUrl: '/payroll/_otp/verify' });
    await agent.post('/payroll/_otp/verify').send({ otp: await nextCode(world, user.email) }).expect(200);
    await agent.get('/payroll/invoices').expect(200);
    await agent.get('/billing/invoices').expect(200);
  });

  it('answers 503 unavailable and says why when there is no session middleware', async () => {
    const errors: unknown[] = [];
    const user = await freshUser(pm);
    const app = makeApp({ session: false, guard: { protectimus: pm, resource: user.resourceName, onError: (e) => errors.push(e) } });
    const res = await http(app).get('/billing/invoices').expect(503);
    expect(res.body).toEqual({ error: 'unavailable' });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe('protectimusMail needs express-session (or another session middleware) before it');
  });

  it('answers 503 and grants nothing when the session store cannot regenerate the session', async () => {
    // Breaks after the sign-in, which regenerates the session too (Passport 0.7).
    class BrokenStore extends session.MemoryStore {
      broken = false;
      override destroy(sid: string, done?: (err?: unknown) => void): void {
        if (this.broken) done?.(new Error('session store down'));
        else super.destroy(sid, done);
      }
    }
    const store = new BrokenStore();
    const errors: unknown[] = [];
    const user = await freshUser(pm);
    const app = makeApp({ sessionStore: store, guard: { protectimus: pm, resource: user.resourceName, onError: (e) => errors.push(e) } });
    const agent = agentOf(app);
    await signIn(agent, user.login);
    await agent.get('/billing/invoices').expect(401);
    store.broken = true;
    expect((await agent.post('/billing/_otp/verify').send({ otp: await nextCode(world, user.email) }).expect(503)).body).toEqual({ error: 'unavailable' });
    expect(String(errors[0])).toContain('session store down');
    store.broken = false;
    // express-session gives the request a new empty session even when destroying the old one
    // failed, so the user may even be signed out; what matters is that nothing passes.
    expect(['otp_required', 'unauthenticated']).toContain((await agent.get('/billing/invoices').expect(401)).body.error);
  });

  it('reports an unexpected failure once, on one line by default, and answers 503', async () => {
    const user = await freshUser(pm);
    const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const app = makeApp({
        guard: {
          protectimus: pm,
          resource: user.resourceName,
          user: () => {
            throw new Error('the user directory is down\nsecond line');
          },
        },
      });
      expect((await http(app).get('/billing/invoices').expect(503)).body).toEqual({ error: 'unavailable' });
      expect(spy).toHaveBeenCalledTimes(1);
      expect(spy).toHaveBeenCalledWith('protectimus-mail: Error: the user directory is down');
    } finally {
      spy.mockRestore();
    }
  });

  it('rejects options that cannot work when the guard is made', () => {
    expect(() => makeApp({ guard: { protectimus: pm, verifiedFor: 0 } })).toThrow(/verifiedFor/);
    expect(() => makeApp({ guard: { protectimus: pm, resource: '' } })).toThrow(/resource/);
  });
});

describe.each(['billing', 'root', 'router', 'nested-router'] as Mount[])('guard mounted as %s', (mount) => {
  const base = baseOf(mount);

  it('gives verify and resend URLs under its mount point, and they work there', async () => {
    const user = await freshUser(pm);
    const app = makeApp({ guard: { protectimus: pm, resource: user.resourceName }, mount });
    const agent = agentOf(app);
    await signIn(agent, user.login);
    const asked = await agent.get(`${base}/invoices`).expect(401);
    expect(asked.body).toMatchObject({ verifyUrl: `${base}/_otp/verify`, resendUrl: `${base}/_otp/resend` });
    expect((await agent.post(`${base}/_otp/resend`).send({}).expect(429)).body.error).toBe('rate_limited');
    await agent.post(`${base}/_otp/verify`).send({ otp: await nextCode(world, user.email) }).expect(200);
    expect((await agent.get(`${base}/invoices`).expect(200)).body).toEqual({ page: `${base}/invoices`, user: user.login });
  });
});

describe.each(['none', 'json', 'urlencoded', 'both', 'empty-object'] as Parsers[])('guard with body parsers: %s', (parsers) => {
  async function asked() {
    const user = await freshUser(pm);
    const agent = agentOf(makeApp({ guard: { protectimus: pm, resource: user.resourceName }, parsers }));
    await signIn(agent, user.login);
    await agent.get('/billing/invoices').expect(401);
    return { user, agent, code: await nextCode(world, user.email) };
  }

  it('accepts the code posted as JSON', async () => {
    const { agent, code } = await asked();
    await agent.post('/billing/_otp/verify').send({ otp: code }).expect(200);
    await agent.get('/billing/invoices').expect(200);
  });

  it('refuses a form post without a CSRF token, even from a script asking for JSON', async () => {
    const { agent, code } = await asked();
    expect((await agent.post('/billing/_otp/verify').set('Accept', 'application/json').type('form').send({ otp: code }).expect(403)).body).toEqual({
      error: 'csrf_failed',
    });
    await agent.post('/billing/_otp/verify').send({ otp: code }).expect(200);
  });

  it('answers 400 to a body that is not an object with a string otp', async () => {
    const { agent, code } = await asked();
    expect((await agent.post('/billing/_otp/verify').send({ otp: 123 }).expect(400)).body).toEqual({ error: 'invalid_input' });
    expect((await agent.post('/billing/_otp/verify').send({ otp: [code] }).expect(400)).body).toEqual({ error: 'invalid_input' });
    await agent.post('/billing/_otp/verify').send({ otp: code }).expect(200);
  });
});
