/**
 * The verification lives in the session: granted under a new session id (the first-factor login
 * kept, the old id worth nothing), per resource, and never without a session middleware.
 */
import { adapters, agentOf, freshUser, http, nextCode, pageBody, signIn, useWorld } from './harness';

const env = useWorld();

describe.each(adapters)('$name: the session', (adapter) => {
  it('changes the session id when the factor is granted; the first-factor login survives, the old id is dead', async () => {
    const user = await freshUser(env.pm);
    const app = adapter.makeApp({ guard: { protectimus: env.pm, resource: user.resourceName } });
    const agent = agentOf(app);
    const before = adapter.sessionCookie(await signIn(agent, user.login));
    expect(adapter.sessionId(before)).toEqual(expect.any(String));
    await agent.get('/billing/invoices').expect(401);
    const verified = await agent.post('/billing/_otp/verify').send({ otp: await nextCode(env.world, user.email) }).expect(200);
    const after = adapter.sessionCookie(verified);
    expect(adapter.sessionId(after)).toEqual(expect.any(String));
    expect(adapter.sessionId(after)).not.toBe(adapter.sessionId(before));

    expect((await agent.get('/me').expect(200)).body).toEqual({ user: user.login });
    expect((await agent.get('/billing/invoices').expect(200)).body).toEqual(pageBody('/billing/invoices', user.login));
    // Whoever held the id from before the second factor holds nothing now.
    expect((await http(app).get('/me').set('Cookie', before!).expect(200)).body).toEqual({ user: null });
    expect((await http(app).get('/billing/invoices').set('Cookie', before!).expect(401)).body).toEqual({ error: 'unauthenticated' });
    // The new id holds both the login and the verification.
    expect((await http(app).get('/billing/invoices').set('Cookie', after!).expect(200)).body).toEqual(pageBody('/billing/invoices', user.login));
  });

  it('keeps the verification per resource: a second guard in the same session asks again', async () => {
    const user = await freshUser(env.pm);
    const payroll = await env.pm.resources.create({ name: `payroll-${user.login}` });
    await env.pm.resources.assignTokenWithUser(payroll.id, user.token.id);
    const agent = agentOf(
      adapter.makeApp({ guard: { protectimus: env.pm, resource: user.resourceName }, payroll: { protectimus: env.pm, resource: payroll.name } }),
    );
    await signIn(agent, user.login);
    await agent.get('/billing/invoices').expect(401);
    await agent.post('/billing/_otp/verify').send({ otp: await nextCode(env.world, user.email) }).expect(200);
    await agent.get('/billing/invoices').expect(200);
    const asked = await agent.get('/payroll/invoices').expect(401);
    expect(asked.body).toMatchObject({ error: 'otp_required', resource: payroll.name, verifyUrl: '/payroll/_otp/verify', resendUrl: '/payroll/_otp/resend' });
    await agent.post('/payroll/_otp/verify').send({ otp: await nextCode(env.world, user.email) }).expect(200);
    await agent.get('/payroll/invoices').expect(200);
    await agent.get('/billing/invoices').expect(200);
  });

  it('answers 503 unavailable and says why when there is no session middleware', async () => {
    const errors: unknown[] = [];
    const user = await freshUser(env.pm);
    const app = adapter.makeApp({ session: false, guard: { protectimus: env.pm, resource: user.resourceName, onError: (e) => errors.push(e) } });
    const res = await http(app).get('/billing/invoices').expect(503);
    expect(res.body).toEqual({ error: 'unavailable' });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe(adapter.noSessionMessage);
  });
});
