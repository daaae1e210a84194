/**
 * The admin panel at `/admin` as both example sites mount it, over HTTP (supertest): behind the
 * password and the mailed code (the `account` resource), then only for the admin, alice; bob, a
 * member, gets 403. Each site's route tests register these cases inside their own `describe`, so
 * the Express and the Koa site are held to the same answers.
 */
import type { Site } from '@protectimus-mail/example-shared';
import request from 'supertest';
import { codeFor, DEMO, passBothFactors, signIn } from './site-helpers';

/** The site header's link to the panel, shown to the admin only. */
const ADMIN_LINK = '<a href="/admin">Admin</a>';

/** Fields no admin answer may carry: the PIN, its hash, the token's secret or counter, a code. */
const SECRET_FIELD = /^(pin|pinHash|secret|counter|code|otp)$/i;

interface TokenView {
  id: string;
  name: string;
  userLogin: string | null;
  hasPin: boolean;
  pinPosition: string | null;
}

/** The panel page's CSRF token, which its script sends as `X-CSRF-Token`. */
function panelCsrf(page: string): string {
  const token = /data-csrf="([^"]+)"/.exec(page)?.[1];
  if (!token) throw new Error('no data-csrf on the panel page');
  return token;
}

export function adminPanelCases(getSite: () => Site<unknown>): void {
  test('the admin panel, anonymous: a browser is sent to sign in, an API client gets 401, and nobody sees an Admin link', async () => {
    const site = getSite();
    const home = await request(site.handler).get('/').expect(200);
    expect(home.text).toContain('<kbd>alice</kbd> is also the admin');
    expect(home.text).toContain('<kbd>bob</kbd> is a member: the panel answers 403 Forbidden.');
    expect(home.text).not.toContain(ADMIN_LINK);

    const page = await request(site.handler).get('/admin/users').set('Accept', 'text/html').expect(303);
    expect(page.headers.location).toBe('/sign-in?next=%2Fadmin%2Fusers');
    await request(site.handler).get('/admin').set('Accept', 'text/html').expect(303).expect('Location', '/sign-in?next=%2Fadmin');
    const api = await request(site.handler).get('/admin/api/tokens').set('Accept', 'application/json').expect(401);
    expect(api.body).toEqual({ error: 'unauthenticated' });
    const post = await request(site.handler).post('/admin/api/tokens').send({ name: 'Anon mail', email: 'anon@example.com' }).expect(401);
    expect(post.body).toEqual({ error: 'unauthenticated' });
    expect((await site.pm.tokens.list({ q: 'Anon mail' })).items).toHaveLength(0);
  });

  test('the admin panel asks for the code too; typed there, it opens the account area as well (one resource)', async () => {
    const site = getSite();
    const agent = request.agent(site.handler);
    const signedIn = await signIn(agent, 'alice', DEMO.alice.password, '/admin');
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.location).toBe('/admin');

    // The password alone opens nothing: the guard's code page, in HTML and in JSON.
    const codePage = await agent.get('/admin').set('Accept', 'text/html').expect(401);
    expect(codePage.text).toContain('Enter your code');
    expect(codePage.text).toContain('action="/admin/_otp/verify"');
    const challenge = await agent.get('/admin/api/tokens').set('Accept', 'application/json').expect(401);
    expect(challenge.body).toMatchObject({ error: 'otp_required', resource: 'account', otpLength: 6, verifyUrl: '/admin/_otp/verify' });

    await agent.post('/admin/_otp/verify').send({ otp: codeFor(site, DEMO.alice.email) }).expect(200);
    await agent.get('/admin').set('Accept', 'text/html').expect(200);
    const account = await agent.get('/account').set('Accept', 'text/html').expect(200);
    expect(account.text).toContain('Hello, Alice Example');
  });

  test('the admin panel refuses bob, a member, past both factors: 403 for its pages, files and API, and no Admin link', async () => {
    const site = getSite();
    const agent = request.agent(site.handler);
    await passBothFactors(site, agent, 'bob');
    await agent.get('/account/settings').expect(200);
    const home = await agent.get('/').expect(200);
    expect(home.text).toContain('Sign out bob');
    expect(home.text).not.toContain(ADMIN_LINK);

    const page = await agent.get('/admin').set('Accept', 'text/html').expect(403);
    expect(page.text).toContain('Administrators only');
    const api = await agent.get('/admin/api/tokens').set('Accept', 'application/json').expect(403);
    expect(api.body.error).toBe('forbidden');
    await agent.get('/admin/assets/panel.js').expect(403);
    // Refused before the CSRF check, and nothing is created.
    const post = await agent.post('/admin/api/tokens').send({ name: 'Bob extra', email: 'bob@example.com' }).expect(403);
    expect(post.body.error).toBe('forbidden');
    expect((await site.pm.tokens.list({ q: 'Bob extra' })).items).toHaveLength(0);
  });

  test('bob, signed in with his password only, is refused at once: no code page, and no code mailed', async () => {
    const site = getSite();
    const agent = request.agent(site.handler);
    await signIn(agent, 'bob', DEMO.bob.password);
    const mailsToBob = () => site.inbox?.list().filter((m) => m.to.includes(DEMO.bob.email)).length;
    const before = mailsToBob();
    const page = await agent.get('/admin').set('Accept', 'text/html').expect(403);
    expect(page.text).toContain('Administrators only');
    expect(page.text).not.toContain('_otp/verify');
    const api = await agent.get('/admin/api/tokens').set('Accept', 'application/json').expect(403);
    expect(api.body.error).toBe('forbidden');
    expect(mailsToBob()).toBe(before);
  });

  test('the admin panel for alice past both factors: its page under its own CSP, its script, the demo tokens without secrets, CSRF on changes', async () => {
    const site = getSite();
    const agent = request.agent(site.handler);
    await passBothFactors(site, agent, 'alice');
    const home = await agent.get('/').expect(200);
    expect(home.text).toContain(ADMIN_LINK);

    const page = await agent.get('/admin').set('Accept', 'text/html').expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('<h1>Tokens</h1>');
    // The panel's CSP, not the site's (which allows no script at all): the panel needs its own.
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const script = /<script src="([^"]+)"/.exec(page.text)?.[1] ?? '';
    expect(script).toMatch(/^\/admin\/assets\/panel\.js\?v=/);
    const js = await agent.get(script).expect(200);
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);

    const tokens = await agent.get('/admin/api/tokens').set('Accept', 'application/json').expect(200);
    expect(tokens.headers['content-type']).toMatch(/^application\/json/);
    const items = (tokens.body as { items: TokenView[] }).items;
    expect(items.map((t) => [t.name, t.userLogin])).toEqual(
      expect.arrayContaining([
        ['Alice mail', 'alice'],
        ['Bob mail', 'bob'],
      ]),
    );
    expect(items.find((t) => t.name === 'Bob mail')).toMatchObject({ hasPin: true, pinPosition: 'before' });
    for (const token of items) expect(Object.keys(token).filter((key) => SECRET_FIELD.test(key))).toEqual([]);
    expect(tokens.text).not.toMatch(/"(pin|pinHash|secret|counter)"\s*:/i);

    // A change without the session's token is refused and changes nothing; with it, it goes through.
    const forged = await agent.post('/admin/api/tokens').send({ name: 'Carol mail', email: 'carol@example.com' }).expect(403);
    expect(forged.body.error).toBe('csrf_failed');
    expect((await site.pm.tokens.list({ q: 'Carol mail' })).items).toHaveLength(0);
    const csrf = panelCsrf(page.text);
    const created = await agent.post('/admin/api/tokens').set('X-CSRF-Token', csrf).send({ name: 'Carol mail', email: 'carol@example.com' }).expect(201);
    expect(created.body).toMatchObject({ name: 'Carol mail', userLogin: null });
    await agent.delete(`/admin/api/tokens/${String(created.body.id)}`).set('X-CSRF-Token', csrf).expect(204);
    expect((await site.pm.tokens.list({ q: 'Carol mail' })).items).toHaveLength(0);
  });
}
