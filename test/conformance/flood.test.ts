/**
 * A flood of guard requests, as someone holding only the first factor sends it, from both
 * adapters on real Redis: one session past its `maxRequestsPerMinute`, one token past
 * `otp.maxPreparesPerMinute` across many sessions. Both are answered 429 `rate_limited` with
 * `Retry-After` (the protocol's answer), JSON and page alike; a verified session's pages are never
 * counted.
 */
import { adapters, agentOf, BROWSER, freshUser, nextCode, signedIn, signIn, started, useWorld } from './harness';

const env = useWorld();

describe.each(adapters)('$name: a flood of guard requests', (adapter) => {
  it('answers one session 429 rate_limited with Retry-After past 30 requests a minute, before its requests reach the store', async () => {
    const { user, app, agent } = await signedIn(env.pm, (guard) => adapter.makeApp({ guard }));
    for (let i = 0; i < 29; i++) expect((await agent.get('/billing/invoices').expect(401)).body.error).toBe('otp_required');
    const code = await nextCode(env.world, user.email);
    // Posts count too: the 30th request is a resend, refused by its own cooldown.
    expect((await agent.post('/billing/_otp/resend').send({}).expect(429)).body).toEqual({ error: 'rate_limited', retryAfter: 30, reason: 'cooldown' });

    env.world.clock.advanceSeconds(10);
    const res = await agent.get('/billing/invoices').expect(429);
    expect(res.body).toEqual({ error: 'rate_limited', retryAfter: 50, reason: 'requests' });
    expect(res.headers['retry-after']).toBe('50');
    expect(res.headers['cache-control']).toBe('no-store');
    // The right code too waits for the minute to end: nothing of this session reaches the store.
    expect((await agent.post('/billing/_otp/verify').send({ otp: code }).expect(429)).body).toEqual({ error: 'rate_limited', retryAfter: 50, reason: 'requests' });
    const page = await agent.get('/billing/invoices').set('Accept', BROWSER).expect(429);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['retry-after']).toBe('50');
    expect(page.text).toContain('50 s');
    for (let i = 0; i < 100; i++) await agent.get('/billing/invoices').expect(429);

    // Had those 100 reached the store, the token's own limit (60 a minute) would now refuse
    // another session of the same user; it does not.
    const other = agentOf(app);
    await signIn(other, user.login);
    for (let i = 0; i < 25; i++) expect((await other.get('/billing/invoices').expect(401)).body.error).toBe('otp_required');

    env.world.clock.advanceSeconds(50);
    await agent.post('/billing/_otp/verify').send({ otp: code }).expect(200);
    // A verified session's pages are not counted: they pass, however many.
    for (let i = 0; i < 100; i++) await agent.get('/billing/invoices').expect(200);
  });

  it('answers 429 past 60 page loads a minute of one token, however many sessions they come from', async () => {
    const user = await freshUser(env.pm);
    const app = adapter.makeApp({ guard: { protectimus: env.pm, resource: user.resourceName } });
    const sessions = await Promise.all(
      Array.from({ length: 7 }, async () => {
        const agent = agentOf(app);
        await signIn(agent, user.login);
        return agent;
      }),
    );
    // 60 loads spread over 6 sessions: 10 each, far below the per-session limit.
    for (let i = 0; i < 60; i++) expect((await sessions[i % 6]!.get('/billing/invoices').expect(401)).body.error).toBe('otp_required');
    const code = await nextCode(env.world, user.email);
    env.world.clock.advanceSeconds(15);
    for (const agent of sessions) {
      const res = await agent.get('/billing/invoices').expect(429);
      expect(res.body).toEqual({ error: 'rate_limited', retryAfter: 45, reason: 'requests' });
      expect(res.headers['retry-after']).toBe('45');
    }
    const page = await sessions[6]!.get('/billing/invoices').set('Accept', BROWSER).expect(429);
    expect(page.headers['retry-after']).toBe('45');

    // Once the token's minute is over, its sessions go on, and the code still works.
    env.world.clock.advanceSeconds(45);
    expect((await sessions[6]!.get('/billing/invoices').expect(401)).body.error).toBe('otp_required');
    await sessions[6]!.post('/billing/_otp/verify').send({ otp: code }).expect(200);
    await sessions[6]!.get('/billing/invoices').expect(200);
  });

  it('takes its per-session limit from maxRequestsPerMinute', async () => {
    const { agent } = await signedIn(env.pm, (guard) => adapter.makeApp({ guard: { ...guard, maxRequestsPerMinute: 3 } }));
    for (let i = 0; i < 3; i++) await agent.get('/billing/invoices').expect(401);
    expect((await agent.get('/billing/invoices').expect(429)).body).toEqual({ error: 'rate_limited', retryAfter: 60, reason: 'requests' });
    await expect(started(() => adapter.makeApp({ guard: { protectimus: env.pm, maxRequestsPerMinute: 0 } }))).rejects.toThrow(/maxRequestsPerMinute/);
  });
});
