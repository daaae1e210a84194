/**
 * The example site's own routes over HTTP (supertest): sign-in and sign-out, CSRF, cookies,
 * headers, escaping, the dev inbox only in dev mode, the admin panel at /admin (alice only), and
 * the Redis mode.
 */
import { Redis } from 'ioredis';
import nodemailer from 'nodemailer';
import request from 'supertest';
import { adminPanelCases } from '../../shared/test/admin-cases';
import { demoPasswordCases, demoPasswordOffCases } from '../../shared/test/demo-password-cases';
import { metricsCases, metricsOffCases } from '../../shared/test/metrics-cases';
import { pathSpellingCases } from '../../shared/test/path-spelling-cases';
import { codeFor, csrfIn, dropRedisKeys, REDIS_URL, sessionCookie, sessionSetCookies, signIn, testConfig, uniquePrefix } from '../../shared/test/site-helpers';
import { createSite, type Site } from '../src/app';

describe('dev mode (memory store, in-process inbox)', () => {
  let site: Site;

  beforeAll(async () => {
    site = await createSite(testConfig());
  });
  afterAll(() => site.close());

  test('the home page explains the two steps, warns about mail tokens, and sends a strict CSP', async () => {
    const res = await request(site.handler).get('/').expect(200);
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.text).toContain('Mail tokens are the weakest kind of token.');
    expect(res.text).toMatch(/for 5 minutes, and\s+3 wrong tries use it up/);
    expect(res.text).toContain('for 8 hours, or until you sign out');
    expect(res.text).toContain('<kbd>bob-password</kbd>');
    expect(res.text).toContain('href="/dev/inbox"');
    expect(res.text).not.toMatch(/<script|style=/i);
    // An anonymous visit starts no session.
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  test('the account area sends a browser to sign in, and answers other clients in the guard protocol', async () => {
    const page = await request(site.handler).get('/account/settings?tab=1').set('Accept', 'text/html').expect(303);
    expect(page.headers.location).toBe('/sign-in?next=%2Faccount%2Fsettings%3Ftab%3D1');
    const api = await request(site.handler).get('/account').set('Accept', 'application/json').expect(401);
    expect(api.body).toEqual({ error: 'unauthenticated' });
  });

  test('a wrong password or an unknown login gets one message, with the typed login escaped', async () => {
    const agent = request.agent(site.handler);
    const wrong = await signIn(agent, 'bob', 'not-bob-password');
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('Wrong login or password.');
    const unknown = await signIn(agent, '<img src=x onerror=alert(1)>', 'whatever');
    expect(unknown.status).toBe(401);
    expect(unknown.text).toContain('Wrong login or password.');
    expect(unknown.text).toContain('value="&lt;img src=x onerror=alert(1)&gt;"');
    expect(unknown.text).not.toContain('<img src=x');
  });

  test('sign-in needs the form CSRF token', async () => {
    const agent = request.agent(site.handler);
    await agent.get('/sign-in').expect(200);
    const res = await agent.post('/sign-in').type('form').send({ login: 'bob', password: 'bob-password', _csrf: 'forged' });
    expect(res.status).toBe(403);
    expect(res.text).toContain('This form had expired.');
    await agent.get('/account').set('Accept', 'text/html').expect(303).expect('Location', '/sign-in?next=%2Faccount');
  });

  test('signing in regenerates the session, sets a safe cookie, and goes back only to paths on this site', async () => {
    const agent = request.agent(site.handler);
    const form = await agent.get('/sign-in?next=%2Faccount%2Fsettings').expect(200);
    const [before] = sessionSetCookies(form);
    expect(before).toMatch(/HttpOnly/i);
    expect(before).toMatch(/SameSite=Lax/i);

    const res = await agent.post('/sign-in').type('form').send({ _csrf: csrfIn(form.text), login: 'alice', password: 'alice-password', next: '/account/settings' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account/settings');
    expect(sessionCookie(res)).not.toBe(sessionCookie(form));

    const other = request.agent(site.handler);
    const offsite = await signIn(other, 'alice', 'alice-password', '//evil.example/phish');
    expect(offsite.status).toBe(303);
    expect(offsite.headers.location).toBe('/account');
  });

  test('the guard protects /account by JSON too: a code mailed to the dev inbox opens it', async () => {
    const agent = request.agent(site.handler);
    expect((await signIn(agent, 'bob', 'bob-password')).status).toBe(303);
    const challenge = await agent.get('/account').set('Accept', 'application/json').expect(401);
    expect(challenge.body).toMatchObject({ error: 'otp_required', resource: 'account', sentTo: 'b***@example.com', otpLength: 8, pin: 'before', verifyUrl: '/account/_otp/verify' });

    await agent.post('/account/_otp/verify').send({ otp: `2468${codeFor(site, 'bob@example.com')}` }).expect(200);
    const settings = await agent.get('/account/settings').expect(200);
    expect(settings.text).toContain('Bob mail');
  });

  test('sign-out needs POST with the CSRF token, and closes the account area', async () => {
    const agent = request.agent(site.handler);
    expect((await signIn(agent, 'alice', 'alice-password')).status).toBe(303);
    const home = await agent.get('/').expect(200);
    expect(home.text).toContain('Sign out alice');

    await agent.get('/sign-out').expect(404);
    await agent.post('/sign-out').type('form').send({ _csrf: 'forged' }).expect(403);
    const still = await agent.get('/account').set('Accept', 'application/json').expect(401);
    expect(still.body.error).toBe('otp_required');

    await agent.post('/sign-out').type('form').send({ _csrf: csrfIn(home.text) }).expect(303).expect('Location', '/');
    await agent.get('/account').set('Accept', 'text/html').expect(303).expect('Location', '/sign-in?next=%2Faccount');
  });

  test('the dev inbox lists mails newest first and escapes what they say', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: site.inbox?.port, secure: false, ignoreTLS: true });
    await transport.sendMail({ from: 'a@example.com', to: 'mallory@example.com', subject: 'first', text: 'one' });
    await transport.sendMail({ from: 'a@example.com', to: 'mallory@example.com', subject: '<img src=x onerror=alert(1)>', text: '<script>alert(1)</script>' });
    transport.close();

    const res = await request(site.handler).get('/dev/inbox').expect(200);
    expect(res.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(res.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(res.text).not.toMatch(/<script|<img/);
    expect(res.text.indexOf('&lt;img src=x')).toBeLessThan(res.text.indexOf('>first<'));
  });

  test('unknown pages get a 404 page', async () => {
    const res = await request(site.handler).get('/nowhere').expect(404);
    expect(res.text).toContain('There is no page at this address.');
  });

  adminPanelCases(() => site);
  pathSpellingCases(() => site);
  demoPasswordCases(() => site);
  metricsCases(() => site);
});

test('NODE_ENV=production refuses the dev inbox and a made-up session secret', async () => {
  await expect(createSite(testConfig({ production: true, sessionSecret: 's'.repeat(32) }))).rejects.toThrow(/SMTP_URL is required/);
  await expect(createSite(testConfig({ production: true, smtpUrl: 'smtp://127.0.0.1:9' }))).rejects.toThrow(/SESSION_SECRET is required/);
});

describe('DEMO_PASSWORD', () => {
  demoPasswordOffCases(createSite);
});

describe('/metrics in production', () => {
  metricsOffCases(createSite);
});

describe('with SMTP_URL', () => {
  let site: Site;

  beforeAll(async () => {
    // Nothing is mailed in these tests, so the server need not exist.
    site = await createSite(testConfig({ smtpUrl: 'smtp://127.0.0.1:9' }));
  });
  afterAll(() => site.close());

  test('there is no dev inbox, and the home page does not point to one', async () => {
    expect(site.inbox).toBeNull();
    await request(site.handler).get('/dev/inbox').expect(404);
    const home = await request(site.handler).get('/').expect(200);
    expect(home.text).not.toContain('/dev/inbox');
    expect(home.text).toContain('smtp://127.0.0.1:9');
  });

  test('a mail server that cannot be reached is a 502, never a pass', async () => {
    const agent = request.agent(site.handler);
    expect((await signIn(agent, 'alice', 'alice-password')).status).toBe(303);
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      await agent.get('/account').set('Accept', 'application/json').expect(502, { error: 'delivery_failed' });
      // The operator reads one line about it; the visitor reads none of it.
      expect(logged).toHaveBeenCalledTimes(1);
      expect(String(logged.mock.calls[0]?.[0])).toMatch(/^protectimus-mail: .*ECONNREFUSED/);
    } finally {
      logged.mockRestore();
    }
  });
});

describe('with REDIS_URL', () => {
  const redisUrl = REDIS_URL;
  const redisPrefix = uniquePrefix('express-site');
  const sites: Site[] = [];
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    await Promise.all(sites.map((s) => s.close()));
    await redis.quit();
    await dropRedisKeys(redisPrefix);
  });

  test('sessions and protectimus-mail data live in Redis, and a restart seeds the demo again', async () => {
    const first = await createSite(testConfig({ redisUrl, redisPrefix }));
    sites.push(first);
    const agent = request.agent(first.handler);
    expect((await signIn(agent, 'alice', 'alice-password')).status).toBe(303);
    expect(await redis.keys(`${redisPrefix}sess:*`)).not.toHaveLength(0);
    expect(await redis.keys(`${redisPrefix}pm:*`)).not.toHaveLength(0);

    // A second start over the same data (another secret, as a dev restart would have) still works.
    const second = await createSite(testConfig({ redisUrl, redisPrefix, protectimusSecret: 'aMQaxT6-K4YHbwfzG-h1dX2BLcCsExf4cJVRMzajX2Q' }));
    sites.push(second);
    const again = request.agent(second.handler);
    expect((await signIn(again, 'bob', 'bob-password')).status).toBe(303);
    const challenge = await again.get('/account').set('Accept', 'application/json').expect(401);
    expect(challenge.body).toMatchObject({ error: 'otp_required', otpLength: 8, pin: 'before' });
    await again.post('/account/_otp/verify').send({ otp: `2468${codeFor(second, 'bob@example.com')}` }).expect(200);
    await again.get('/account').expect(200);
    expect((await second.pm.users.list({ q: 'bob' })).items.filter((u) => u.login === 'bob')).toHaveLength(1);
  });
});
