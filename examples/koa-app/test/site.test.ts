/**
 * The Koa example site's own routes over HTTP (supertest): headers, sign-in with CSRF, the guard
 * under @koa/router, sessions in memory and in Redis, sign-out.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import request from 'supertest';
import { createSite, type Site } from '../src/app';
import { configFromEnv, type SiteConfig } from '../src/shared';

const SECRET = 'koa-site-test-secret-0123456789';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function config(overrides: Partial<SiteConfig> = {}): SiteConfig {
  // An empty environment, so REDIS_URL or SMTP_URL in the shell do not change what is tested.
  return { ...configFromEnv({}), port: 0, protectimusSecret: SECRET, ...overrides };
}

function csrfIn(html: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error('no CSRF field on the page');
  return token;
}

/** `example.sid=<id>; example.sid.sig=<sig>` from a response, without attributes. */
function sessionCookie(res: request.Response): string {
  const raw = (res.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
  const pairs = raw.map((c) => c.split(';')[0] ?? '').filter((c) => /^example\.sid(\.sig)?=./.test(c));
  if (pairs.length === 0) throw new Error('no session cookie set');
  return pairs.join('; ');
}

function codeFor(site: Site, to: string): string {
  const mail = site.inbox?.list().find((m) => m.to.includes(to));
  const code = /\b(\d{6}|\d{8})\b/.exec(mail?.text ?? '')?.[1];
  if (!code) throw new Error(`no code mailed to ${to}`);
  return code;
}

async function signIn(agent: request.Agent, login: string, password: string, next?: string): Promise<request.Response> {
  const form = await agent.get('/sign-in').expect(200);
  return agent
    .post('/sign-in')
    .type('form')
    .send({ _csrf: csrfIn(form.text), login, password, ...(next !== undefined ? { next } : {}) });
}

describe.each(['memory', 'redis'] as const)('the Koa site, sessions in %s', (kind) => {
  let site: Site;
  const prefix = `pmtest:koa-site:${randomBytes(4).toString('hex')}:`;

  beforeAll(async () => {
    site = await createSite(config(kind === 'redis' ? { redisUrl: REDIS_URL, redisPrefix: prefix } : {}));
  });
  afterAll(async () => {
    await site.close();
    if (kind !== 'redis') return;
    const redis = new Redis(REDIS_URL);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
    await redis.quit();
  });

  test('the home page: strict headers, the demo logins, and no session for an anonymous visit', async () => {
    const res = await request(site.app.callback()).get('/').expect(200);
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.text).toContain('<kbd>bob-password</kbd>');
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  test('sign-in wants the form token and the right password, then goes where it was asked', async () => {
    const agent = request.agent(site.app.callback());
    await agent.post('/sign-in').type('form').send({ login: 'alice', password: 'alice-password' }).expect(403);
    const wrong = await signIn(agent, 'alice', 'nope');
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('Wrong login or password.');
    const ok = await signIn(agent, 'alice', 'alice-password', '/account/settings');
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe('/account/settings');
    // An address on another site is not followed.
    const evil = await signIn(request.agent(site.app.callback()), 'alice', 'alice-password', '//evil.example');
    expect(evil.headers.location).toBe('/account');
  });

  test('a browser not signed in is sent to sign in; an API client gets the protocol', async () => {
    const page = await request(site.app.callback()).get('/account/settings').set('Accept', 'text/html').expect(303);
    expect(page.headers.location).toBe('/sign-in?next=%2Faccount%2Fsettings');
    const api = await request(site.app.callback()).get('/account').set('Accept', 'application/json').expect(401);
    expect(api.body).toEqual({ error: 'unauthenticated' });
  });

  test('the code over JSON: a new session id on success, the old one opens nothing, sign-out ends it all', async () => {
    const agent = request.agent(site.app.callback());
    const signedIn = sessionCookie(await signIn(agent, 'bob', 'bob-password'));
    const asked = await agent.get('/account').set('Accept', 'application/json').expect(401);
    expect(asked.body).toMatchObject({ error: 'otp_required', resource: 'account', otpLength: 8, pin: 'before', verifyUrl: '/account/_otp/verify' });
    const verified = await agent.post('/account/_otp/verify').send({ otp: `2468${codeFor(site, 'bob@example.com')}` }).expect(200);
    const after = sessionCookie(verified);
    expect(after).not.toBe(signedIn);
    const account = await agent.get('/account').set('Accept', 'text/html').expect(200);
    expect(account.text).toContain('Hello, Bob Example');
    // The id from before the code: signed out, not verified.
    await request(site.app.callback()).get('/account').set('Cookie', signedIn).set('Accept', 'application/json').expect(401, { error: 'unauthenticated' });

    const out = await agent.post('/sign-out').type('form').send({ _csrf: csrfIn(account.text) }).expect(303);
    expect(out.headers.location).toBe('/');
    await request(site.app.callback()).get('/account').set('Cookie', after).set('Accept', 'application/json').expect(401, { error: 'unauthenticated' });
  });

  test('unknown pages are a 404 page', async () => {
    const res = await request(site.app.callback()).get('/nowhere').expect(404);
    expect(res.text).toContain('There is no page at this address.');
  });
});
