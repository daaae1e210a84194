/**
 * The guard's status table as browsers get it: the code page with its CSRF-protected forms, the
 * 303 back after a form post, and a page for each refusal, from both adapters.
 */
import type { Response } from 'supertest';
import { adapters, agentOf, BROWSER, csrfFrom, freshUser, http, nextCode, pageBody, signedIn, signIn, useWorld, wrongCode, type Parsers, type UserOptions } from './harness';

const env = useWorld();

/** A guard page: HTML with the strict headers every page of the guard carries. */
function expectPage(res: Response, status: number): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(res.headers['content-security-policy']).toContain("default-src 'none'");
  expect(res.headers['x-frame-options']).toBe('DENY');
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers['x-content-type-options']).toBe('nosniff');
}

const PIN = '4321';

describe.each(adapters.flatMap((adapter) => (['none', 'both'] as Parsers[]).map((parsers) => ({ adapter, parsers, name: adapter.name }))))(
  '$name: the code page and its forms (body parsers: $parsers)',
  ({ adapter, parsers }) => {
    const start = () => signedIn(env.pm, (guard) => adapter.makeApp({ guard, parsers }), { pin: PIN, pinPosition: 'before' });

    it('answers a browser with the code page and CSRF forms; a form post with the token goes 303 back to the page first asked for', async () => {
      const { user, agent } = await start();
      const page = await agent.get('/billing/invoices?month=5').set('Accept', BROWSER);
      expectPage(page, 401);
      expect(page.text).toContain('<form method="post" action="/billing/_otp/verify">');
      expect(page.text).toContain('<form class="resend" method="post" action="/billing/_otp/resend">');
      expect(page.text).toContain('PIN and code');
      const code = await nextCode(env.world, user.email);

      const res = await agent.post('/billing/_otp/verify').set('Accept', BROWSER).type('form').send({ otp: PIN + code, _csrf: csrfFrom(page.text) });
      expectPage(res, 303);
      expect(res.headers.location).toBe('/billing/invoices?month=5');
      // The verified session passes, browsers too.
      expect((await agent.get('/billing/invoices?month=5').set('Accept', BROWSER).expect(200)).body).toEqual(pageBody('/billing/invoices?month=5', user.login));
    });

    it('refuses a form post without the CSRF token (403 csrf_failed) or with another one, and counts no attempt', async () => {
      const { user, agent } = await start();
      const page = await agent.get('/billing/invoices').set('Accept', BROWSER).expect(401);
      const otp = PIN + (await nextCode(env.world, user.email));
      const form = (fields: object) => agent.post('/billing/_otp/verify').set('Accept', BROWSER).type('form').send(fields);
      const without = await form({ otp });
      expectPage(without, 403);
      expect(without.text).toContain('This form has expired.');
      await form({ otp, _csrf: 'x'.repeat(43) }).expect(403);
      await agent.post('/billing/_otp/resend').set('Accept', BROWSER).type('form').send({}).expect(403);
      // A script posting the form but asking for JSON gets the protocol's JSON.
      const json = await agent.post('/billing/_otp/verify').set('Accept', 'application/json').type('form').send({ otp }).expect(403);
      expect(json.body).toEqual({ error: 'csrf_failed' });
      await form({ otp, _csrf: csrfFrom(page.text) }).expect(303);
    });

    it('shows the page again with the refusal after a wrong code (401); the resend form answers 429 too soon, then 303 with a new code', async () => {
      const { user, agent } = await start();
      const page = await agent.get('/billing/invoices').set('Accept', BROWSER).expect(401);
      const csrf = csrfFrom(page.text);
      const code = await nextCode(env.world, user.email);
      const wrong = await agent.post('/billing/_otp/verify').set('Accept', BROWSER).type('form').send({ otp: PIN + wrongCode(code), _csrf: csrf });
      expectPage(wrong, 401);
      expect(wrong.text).toContain('role="alert"');
      expect(wrong.text).toContain('2 attempts left');
      expect(wrong.text).toContain('action="/billing/_otp/verify"');
      const soon = await agent.post('/billing/_otp/resend').set('Accept', BROWSER).type('form').send({ _csrf: csrf });
      expectPage(soon, 429);
      expect(soon.headers['retry-after']).toBe('30');

      env.world.clock.advanceSeconds(30);
      const sent = await agent.post('/billing/_otp/resend').set('Accept', BROWSER).type('form').send({ _csrf: csrf }).expect(303);
      expect(sent.headers.location).toBe('/billing/invoices');
      const again = await agent.get('/billing/invoices').set('Accept', BROWSER).expect(401);
      expect(again.text).toContain('A new code is on its way.');
      await agent.post('/billing/_otp/verify').set('Accept', BROWSER).type('form').send({ otp: PIN + (await nextCode(env.world, user.email)), _csrf: csrf }).expect(303);
    });
  },
);

describe.each(adapters)('$name: a page for each refusal', (adapter) => {
  const start = (opts: UserOptions = {}) => signedIn(env.pm, (guard) => adapter.makeApp({ guard }), opts);

  it('answers a browser without a first factor with the sign-in-first page (401), no form', async () => {
    const user = await freshUser(env.pm);
    const res = await http(adapter.makeApp({ guard: { protectimus: env.pm, resource: user.resourceName } })).get('/billing/invoices').set('Accept', BROWSER);
    expectPage(res, 401);
    expect(res.text).toContain('Sign in first');
    expect(res.text).not.toContain('<form');
  });

  it('answers an expired code with the page and its refusal (401)', async () => {
    const { user, agent } = await start();
    const page = await agent.get('/billing/invoices').set('Accept', BROWSER).expect(401);
    const code = await nextCode(env.world, user.email);
    env.world.clock.advanceSeconds(301);
    const res = await agent.post('/billing/_otp/verify').set('Accept', BROWSER).type('form').send({ otp: code, _csrf: csrfFrom(page.text) });
    expectPage(res, 401);
    expect(res.text).toContain('That code has expired or was used up.');
  });

  it('answers a malformed code with the page and its refusal (400)', async () => {
    const { user, agent } = await start();
    const page = await agent.get('/billing/invoices').set('Accept', BROWSER).expect(401);
    await nextCode(env.world, user.email);
    const res = await agent.post('/billing/_otp/verify').set('Accept', BROWSER).type('form').send({ otp: '1'.repeat(65), _csrf: csrfFrom(page.text) });
    expectPage(res, 400);
    expect(res.text).toContain('That entry could not be read.');
  });

  it('answers a token locked by wrong codes (403, with the wait) and a user an administrator blocked (403) with the blocked page', async () => {
    const { user, agent } = await start({ resource: { failedAttemptsBeforeLock: 3 } });
    const page = await agent.get('/billing/invoices').set('Accept', BROWSER).expect(401);
    const wrong = wrongCode(await nextCode(env.world, user.email));
    const post = () => agent.post('/billing/_otp/verify').set('Accept', BROWSER).type('form').send({ otp: wrong, _csrf: csrfFrom(page.text) });
    await post().expect(401);
    await post().expect(401);
    const locked = await post();
    expectPage(locked, 403);
    expect(locked.text).toContain('sign-in is blocked. Try again in 5 minutes.');
    const reload = await agent.get('/billing/invoices').set('Accept', BROWSER);
    expectPage(reload, 403);
    expect(reload.text).toContain('Sign-in blocked');

    const other = await start();
    await env.pm.users.block(other.user.user.id);
    const blocked = await other.agent.get('/billing/invoices').set('Accept', BROWSER);
    expectPage(blocked, 403);
    expect(blocked.text).toContain('Sign-in blocked');
    expect(blocked.text).toContain('Ask your administrator to unblock it.');
  });

  it('answers not_assigned and access_restricted with their pages (403)', async () => {
    const user = await freshUser(env.pm, { resource: { allowedIps: ['10.0.0.0/8'] } });
    const other = await env.pm.resources.create({ name: `other-${user.login}` });
    const unassigned = agentOf(adapter.makeApp({ guard: { protectimus: env.pm, resource: other.name } }));
    await signIn(unassigned, user.login);
    const notAssigned = await unassigned.get('/billing/invoices').set('Accept', BROWSER);
    expectPage(notAssigned, 403);
    expect(notAssigned.text).toContain('No token for this area');

    const restricted = agentOf(adapter.makeApp({ guard: { protectimus: env.pm, resource: user.resourceName } }));
    await signIn(restricted, user.login);
    const outside = await restricted.get('/billing/invoices').set('Accept', BROWSER);
    expectPage(outside, 403);
    expect(outside.text).toContain('Access restricted');
  });
});
