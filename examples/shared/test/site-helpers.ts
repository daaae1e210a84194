/**
 * What the example sites' route tests (supertest) share: their settings, the sign-in form, the
 * session cookie, the codes in the dev inbox, both factors in one call, and the Redis keys they
 * leave behind.
 */
import { randomBytes } from 'node:crypto';
import { configFromEnv, SESSION_COOKIE, type Site, type SiteConfig } from '@protectimus-mail/example-shared';
import { Redis } from 'ioredis';
import request from 'supertest';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * A test site's settings: an empty environment, so REDIS_URL or SMTP_URL in the shell do not
 * change what is tested (memory store, dev inbox), any free port, a fixed secret.
 */
export function testConfig(overrides: Partial<SiteConfig> = {}): SiteConfig {
  return { ...configFromEnv({}), port: 0, protectimusSecret: 'CejrH1RgtaWdqNtvi-4DxrtqncivCR8YDPbpDeFEqH4', ...overrides };
}

/** A Redis key prefix of its own for one test run, so runs never see each other's keys. */
export function uniquePrefix(name: string): string {
  return `pmtest:${name}:${randomBytes(4).toString('hex')}:`;
}

/** Deletes every key under `prefix` (SCAN, never KEYS on a shared server) and disconnects. */
export async function dropRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}

/** The site's CSRF token from a page's hidden `_csrf` field. */
export function csrfIn(html: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error('no CSRF field on the page');
  return token;
}

/** Opens the sign-in form, then posts it with its CSRF token, as a browser would. */
export async function signIn(agent: request.Agent, login: string, password: string, next?: string): Promise<request.Response> {
  const form = await agent.get('/sign-in').expect(200);
  return agent
    .post('/sign-in')
    .type('form')
    .send({ _csrf: csrfIn(form.text), login, password, ...(next !== undefined ? { next } : {}) });
}

/** The `Set-Cookie` lines of the session cookie (`example.sid`, and `example.sid.sig` where it is signed apart). */
export function sessionSetCookies(res: request.Response): string[] {
  const raw = (res.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
  const lines = raw.filter((c) => c.startsWith(`${SESSION_COOKIE}=`) || c.startsWith(`${SESSION_COOKIE}.sig=`));
  if (lines.length === 0) throw new Error('no session cookie set');
  return lines;
}

/** The same as a `Cookie` request header, without attributes: `example.sid=<id>[; example.sid.sig=<sig>]`. */
export function sessionCookie(res: request.Response): string {
  return sessionSetCookies(res)
    .map((c) => c.split(';')[0] ?? '')
    .join('; ');
}

/** The code in the newest mail to `to` that the site's dev inbox received. */
export function codeFor(site: Site<unknown>, to: string): string {
  const mail = site.inbox?.list().find((m) => m.to.includes(to));
  const code = /\b(\d{6}|\d{8})\b/.exec(mail?.text ?? '')?.[1];
  if (!code) throw new Error(`no code mailed to ${to}`);
  return code;
}

/** The demo logins' passwords and PINs (`seed.ts`), and where their codes go under `testConfig`. */
export const DEMO = {
  alice: { password: 'alice-password', pin: '', email: 'alice@example.com' },
  bob: { password: 'bob-password', pin: '2468', email: 'bob@example.com' },
} as const;

/**
 * Both factors over HTTP, as an API client would pass them: the sign-in form, then the code the
 * guard mails when `area` (`/account` or `/admin`, both on the `account` resource) is first
 * asked for over JSON, posted with the PIN in front to the `verifyUrl` it names. Throws unless
 * each step answers as the protocol says; answers the verification (its cookie is the session's new id).
 */
export async function passBothFactors(site: Site<unknown>, agent: request.Agent, login: keyof typeof DEMO, area = '/account'): Promise<request.Response> {
  const demo = DEMO[login];
  const signedIn = await signIn(agent, login, demo.password);
  if (signedIn.status !== 303) throw new Error(`${login} could not sign in: ${signedIn.status}`);
  const challenge = await agent.get(area).set('Accept', 'application/json');
  const body = challenge.body as { error?: string; verifyUrl?: string };
  if (challenge.status !== 401 || body.error !== 'otp_required' || !body.verifyUrl) {
    throw new Error(`${area} did not ask ${login} for a code: ${challenge.status} ${challenge.text}`);
  }
  const verified = await agent.post(body.verifyUrl).send({ otp: `${demo.pin}${codeFor(site, demo.email)}` });
  if (verified.status !== 200) throw new Error(`${login}'s code was refused: ${verified.status} ${verified.text}`);
  return verified;
}
