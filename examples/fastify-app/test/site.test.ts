/**
 * The Fastify example site's own routes over HTTP (supertest): headers, sign-in with CSRF, the guard
 * in a prefixed plugin, the admin panel at /admin (alice only), sessions in memory and in Redis,
 * sign-out.
 */
import request from 'supertest';
import { adminPanelCases } from '../../shared/test/admin-cases';
import { demoPasswordCases, demoPasswordOffCases } from '../../shared/test/demo-password-cases';
import { metricsCases, metricsOffCases } from '../../shared/test/metrics-cases';
import { pathSpellingCases } from '../../shared/test/path-spelling-cases';
import { codeFor, csrfIn, dropRedisKeys, REDIS_URL, sessionCookie, signIn, testConfig, uniquePrefix } from '../../shared/test/site-helpers';
import { createSite, type Site } from '../src/app';

describe.each(['memory', 'redis'] as const)('the Fastify site, sessions in %s', (kind) => {
  let site: Site;
  const prefix = uniquePrefix('fastify-site');

  beforeAll(async () => {
    site = await createSite(testConfig(kind === 'redis' ? { redisUrl: REDIS_URL, redisPrefix: prefix } : {}));
  });
  afterAll(async () => {
    await site.close();
    if (kind === 'redis') await dropRedisKeys(prefix);
  });

  test('the home page: strict headers, the demo logins, and no session for an anonymous visit', async () => {
    const res = await request(site.handler).get('/').expect(200);
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.text).toContain('<kbd>bob-password</kbd>');
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  test('sign-in wants the form token and the right password, then goes where it was asked', async () => {
    const agent = request.agent(site.handler);
    await agent.post('/sign-in').type('form').send({ login: 'alice', password: 'alice-password' }).expect(403);
    const wrong = await signIn(agent, 'alice', 'nope');
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('Wrong login or password.');
    const ok = await signIn(agent, 'alice', 'alice-password', '/account/settings');
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe('/account/settings');
    // An address on another site is not followed.
    const evil = await signIn(request.agent(site.handler), 'alice', 'alice-password', '//evil.example');
    expect(evil.headers.location).toBe('/account');
  });

  test('a browser not signed in is sent to sign in; an API client gets the protocol', async () => {
    const page = await request(site.handler).get('/account/settings').set('Accept', 'text/html').expect(303);
    expect(page.headers.location).toBe('/sign-in?next=%2Faccount%2Fsettings');
    const api = await request(site.handler).get('/account').set('Accept', 'application/json').expect(401);
    expect(api.body).toEqual({ error: 'unauthenticated' });
  });

  test('the code over JSON: a new session id on success, the old one opens nothing, sign-out ends it all', async () => {
    const agent = request.agent(site.handler);
    const signedIn = sessionCookie(await signIn(agent, 'bob', 'bob-password'));
    const asked = await agent.get('/account').set('Accept', 'application/json').expect(401);
    expect(asked.body).toMatchObject({ error: 'otp_required', resource: 'account', otpLength: 8, pin: 'before', verifyUrl: '/account/_otp/verify' });
    const verified = await agent.post('/account/_otp/verify').send({ otp: `2468${codeFor(site, 'bob@example.com')}` }).expect(200);
    const after = sessionCookie(verified);
    expect(after).not.toBe(signedIn);
    const account = await agent.get('/account').set('Accept', 'text/html').expect(200);
    expect(account.text).toContain('Hello, Bob Example');
    // The id from before the code: signed out, not verified.
    await request(site.handler).get('/account').set('Cookie', signedIn).set('Accept', 'application/json').expect(401, { error: 'unauthenticated' });

    const out = await agent.post('/sign-out').type('form').send({ _csrf: csrfIn(account.text) }).expect(303);
    expect(out.headers.location).toBe('/');
    await request(site.handler).get('/account').set('Cookie', after).set('Accept', 'application/json').expect(401, { error: 'unauthenticated' });
  });

  test('unknown pages are a 404 page', async () => {
    const res = await request(site.handler).get('/nowhere').expect(404);
    expect(res.text).toContain('There is no page at this address.');
  });

  adminPanelCases(() => site);
  pathSpellingCases(() => site);
  demoPasswordCases(() => site);
  metricsCases(() => site);
});

describe('the Fastify site with DEMO_PASSWORD', () => {
  demoPasswordOffCases(createSite);
});

describe('/metrics in production', () => {
  metricsOffCases(createSite);
});
