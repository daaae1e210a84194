/**
 * The guard's status table as browsers get it: the code page with its CSRF-protected forms, the
 * 303 back after a form post, and a page for each refusal, from every adapter.
 */
import type { Response } from 'supertest';
import { adapters, agentOf, BROWSER, csrfFrom, freshUser, http, nextCode, noMail, pageBody, signedIn, signIn, useWorld, wrongCode, type Parsers, type UserOptions } from './harness';

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

    it('sends a wrong code back to the page (303), which shows the refusal once, tied to the field; a reload posts nothing', async () => {
      const { user, agent } = await start();
      const page = await agent.get('/billing/invoices').set('Accept', BROWSER).expect(401);
      const csrf = csrfFrom(page.text);
      const code = await nextCode(env.world, user.email);
      const wrong = await agent.post('/billing/_otp/verify').set('Accept', BROWSER).type('form').send({ otp: PIN + wrongCode(code), _csrf: csrf });
      expectPage(wrong, 303);
      expect(wrong.headers.location).toBe('/billing/invoices');
      const shown = await agent.get('/billing/invoices').set('Accept', BROWSER);
      expectPage(shown, 401);
      expect(shown.text).toContain('<p id="otp-error" class="alert" role="alert">That code is not right. 2 attempts left.</p>');
      expect(shown.text).toContain('aria-invalid="true" aria-describedby="otp-error otp-hint"');
      expect(shown.text).toContain('action="/billing/_otp/verify"');
      // The reload of the page the browser now shows is a GET: no attempt counted, no alert again, no mail.
      const reload = await agent.get('/billing/invoices').set('Accept', BROWSER).expect(401);
      expect(reload.text).not.toContain('role="alert"');
      await noMail(env.world, user.email, 100);
      expect((await agent.post('/billing/_otp/verify').send({ otp: PIN + wrongCode(code) }).expect(401)).body).toEqual({ error: 'invalid_otp', attemptsLeft: 1 });
      await agent.post('/billing/_otp/verify').set('Accept', BROWSER).type('form').send({ otp: PIN + code, _csrf: csrf }).expect(303);
    });

    it('draws the resend button disabled during the cooldown; a resend then goes back to the page, which names the cooldown; after it, a new code and "only the latest mail"', async () => {
      const { user, agent } = await start();
      const page = await agent.get('/billing/invoices').set('Accept', BROWSER).expect(401);
      expect(page.text).toContain('<button type="submit" class="secondary" disabled aria-describedby="resend-hint">Send a new code</button>');
      expect(page.text).toContain('You can ask for a new code in 30 seconds. Reload this page then.');
      const csrf = csrfFrom(page.text);
      const first = await nextCode(env.world, user.email);
      env.world.clock.advanceSeconds(10);
      // A client that posts anyway (the button is only drawn disabled) is refused, and sent back.
      const soon = await agent.post('/billing/_otp/resend').set('Accept', BROWSER).type('form').send({ _csrf: csrf });
      expectPage(soon, 303);
      expect(soon.headers.location).toBe('/billing/invoices');
      const told = await agent.get('/billing/invoices').set('Accept', BROWSER).expect(401);
      expect(told.text).toContain('role="alert">A code was mailed to you moments ago: check your mail. You can ask for a new code in 20 seconds.</p>');
      expect(told.text).not.toContain('Too many');
      expect(told.text).toContain('name="otp"');

      env.world.clock.advanceSeconds(20);
      const ready = await agent.get('/billing/invoices').set('Accept', BROWSER).expect(401);
      expect(ready.text).toContain('<button type="submit" class="secondary" aria-describedby="resend-hint">Send a new code</button>');
      const sent = await agent.post('/billing/_otp/resend').set('Accept', BROWSER).type('form').send({ _csrf: csrf }).expect(303);
      expect(sent.headers.location).toBe('/billing/invoices');
      const again = await agent.get('/billing/invoices').set('Accept', BROWSER).expect(401);
      expect(again.text).toContain('A new code is on its way.');
      expect(again.text).toContain('Only the code in the latest mail works.');
      const second = await nextCode(env.world, user.email);
      if (second !== first) {
        await agent.post('/billing/_otp/verify').set('Accept', BROWSER).type('form').send({ otp: PIN + first, _csrf: csrf }).expect(303);
        const old = await agent.get('/billing/invoices').set('Accept', BROWSER).expect(401);
        expect(old.text).toContain('That code is not right. A newer code was sent: only the code in the latest mail works. 2 attempts left.');
      }
      await agent.post('/billing/_otp/verify').set('Accept', BROWSER).type('form').send({ otp: `${PIN} ${second.slice(0, 3)} ${second.slice(3)}`, _csrf: csrf }).expect(303);
      await agent.get('/billing/invoices').set('Accept', BROWSER).expect(200);
    });

    it('says a used-up code is used up, without a lifetime, and mails no new code until asked', async () => {
      const { user, agent } = await start();
      const page = await agent.get('/billing/invoices').set('Accept', BROWSER).expect(401);
      expect(page.text).toContain('It expires in 5 minutes.');
      const csrf = csrfFrom(page.text);
      const code = await nextCode(env.world, user.email);
      for (let i = 0; i < 3; i++) await agent.post('/billing/_otp/verify').set('Accept', BROWSER).type('form').send({ otp: PIN + wrongCode(code), _csrf: csrf }).expect(303);
      const used = await agent.get('/billing/invoices').set('Accept', BROWSER).expect(401);
      expect(used.text).toContain('That code is not right, and it is now used up. Ask for a new one.');
      expect(used.text).not.toContain('It expires');
      expect(used.text).not.toContain('name="otp"');
      expect(used.text).toContain('Send a new code');
      await noMail(env.world, user.email, 100);
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

  it('answers an expired code with a 303 back to the page, which tells the refusal (401)', async () => {
    const { user, agent } = await start();
    const page = await agent.get('/billing/invoices').set('Accept', BROWSER).expect(401);
    const code = await nextCode(env.world, user.email);
    env.world.clock.advanceSeconds(301);
    const res = await agent.post('/billing/_otp/verify').set('Accept', BROWSER).type('form').send({ otp: code, _csrf: csrfFrom(page.text) });
    expectPage(res, 303);
    const shown = await agent.get('/billing/invoices').set('Accept', BROWSER);
    expectPage(shown, 401);
    expect(shown.text).toContain('That code has expired or was used up.');
  });

  it('answers a malformed code with a 303 back to the page, which tells the refusal', async () => {
    const { user, agent } = await start();
    const page = await agent.get('/billing/invoices').set('Accept', BROWSER).expect(401);
    await nextCode(env.world, user.email);
    const res = await agent.post('/billing/_otp/verify').set('Accept', BROWSER).type('form').send({ otp: '1'.repeat(65), _csrf: csrfFrom(page.text) });
    expectPage(res, 303);
    const shown = await agent.get('/billing/invoices').set('Accept', BROWSER);
    expectPage(shown, 401);
    expect(shown.text).toContain('That entry could not be read.');
    expect(shown.text).toContain('aria-invalid="true"');
  });

  it('answers a token locked by wrong codes (403, with the wait) and a user an administrator blocked (403) with the blocked page', async () => {
    const { user, agent } = await start({ resource: { failedAttemptsBeforeLock: 3 } });
    const page = await agent.get('/billing/invoices').set('Accept', BROWSER).expect(401);
    const wrong = wrongCode(await nextCode(env.world, user.email));
    const post = () => agent.post('/billing/_otp/verify').set('Accept', BROWSER).type('form').send({ otp: wrong, _csrf: csrfFrom(page.text) });
    await post().expect(303);
    await post().expect(303);
    const locked = await post();
    expectPage(locked, 303);
    const shown = await agent.get('/billing/invoices').set('Accept', BROWSER);
    expectPage(shown, 403);
    expect(shown.text).toContain('sign-in is blocked. Try again in 5 minutes.');
    expect(shown.text).toContain('<a href="/">Back to the site</a>');
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
