/**
 * "Every spelling of a guarded path is refused until the code is typed" (the promise of the
 * READMEs' "Where it goes"). One table of
 * spellings an attacker tries (letter case, a trailing slash, `//`, dot segments, `%xx`, `%2F`,
 * `;params`, `\`, the absolute form, and tricks around the guard's own `/_otp/` URLs), sent raw
 * (supertest would normalise them) as GET and HEAD, under every mount the READMEs and TSDoc show,
 * on every adapter, and on every example site as their app.ts builds them (`/account` and
 * `/admin`): with only the password done, or nobody signed in, each answer is a refusal
 * (401, 403, 404, or the own URLs' 405 to a GET), never the page and never a 5xx. The control:
 * after the right code, the canonical spelling passes. The admin router's mounts are held to
 * the same for a signed-in non-admin and an anonymous client.
 */
import type { RequestListener } from 'node:http';
import type { Site, SiteConfig } from '@protectimus-mail/example-shared';
import request from 'supertest';
import { createSite as createExpressSite } from '../../examples/express-app/src/app';
import { createSite as createFastifySite } from '../../examples/fastify-app/src/app';
import { createSite as createKoaSite } from '../../examples/koa-app/src/app';
import { codeFor, DEMO, passBothFactors, sessionCookie, signIn as signInToDemo, testConfig } from '../../examples/shared/test/site-helpers';
import type { Protectimus } from '../../packages/core/src/protectimus';
import { agentOf, freshUser, listen, nextCode, pageBody, rawRequest, setCookies, signIn, started, useWorld, type Adapter } from './harness';
import { expressAdminAdapter, fastifyAdminAdapter, koaAdminAdapter, type AdminAdapter, type AdminAppOptions } from './harness/admin';
import { expressAdapter, expressApp, expressBase, type ExpressMount } from './harness/express';
import { fastifyAdapter, fastifyApp, fastifyBase, listenerOf, type FastifyMount } from './harness/fastify';
import { koaAdapter, koaApp, koaBase, type KoaMount } from './harness/koa';

const env = useWorld();

const JSON_ACCEPT = { Accept: 'application/json' };
/** Refusals: not signed in or a code asked for (401), forbidden (403), no such page (404), and the guard's own URLs' 405 to a GET. */
const REFUSED = [401, 403, 404, 405];

interface Spelling {
  /** What the attacker tries, in a few words. */
  attack: string;
  /** The target sent, from the canonical page path (`/billing/invoices`) and its mount (`/billing`). */
  target(page: string, mount: string): string;
}

/** `c` as `%XX`. */
const pct = (c: string, lower = false): string => {
  const hex = c.charCodeAt(0).toString(16).padStart(2, '0');
  return `%${lower ? hex : hex.toUpperCase()}`;
};
/**
 * `page` with its last `/` replaced by `by`: `/billing/invoices` -> `/billing${by}invoices`; a
 * page one segment deep keeps its leading slash: `/invoices` -> `/${by}invoices`.
 */
const atLastSlash = (page: string, by: string): string => {
  const i = Math.max(page.lastIndexOf('/'), 1);
  return `${page.slice(0, i)}${by}${page.slice(page.lastIndexOf('/') + 1)}`;
};
/** `page` with its first segment changed by `f`. */
const firstSegment = (page: string, f: (s: string) => string): string => page.replace(/^\/([^/]+)/, (_, s: string) => `/${f(s)}`);
/** `page` with its last segment changed by `f`. */
const lastSegment = (page: string, f: (s: string) => string): string => page.replace(/\/([^/]+)$/, (_, s: string) => `/${f(s)}`);

const SPELLINGS: Spelling[] = [
  // A case-insensitive route still matches a shouted path, where a prefix compared letter for letter did not.
  { attack: 'the whole path in capitals', target: (p) => p.toUpperCase() },
  { attack: 'each segment capitalised', target: (p) => p.replace(/\/([a-z])/g, (_, c: string) => `/${c.toUpperCase()}`) },
  { attack: 'only the first segment in capitals', target: (p) => firstSegment(p, (s) => s.toUpperCase()) },
  // Routers that ignore a trailing slash route it to the page all the same.
  { attack: 'a trailing slash', target: (p) => `${p}/` },
  // An empty segment at the front or inside: routers that collapse `//` find the page.
  { attack: 'a doubled leading slash', target: (p) => `/${p}` },
  { attack: 'a doubled slash before the last segment', target: (p) => atLastSlash(p, '//') },
  // Dot segments: a layer that resolves them lands on the page, one that does not sees another path.
  { attack: 'a detour from outside (`/x/..`) into the area', target: (p) => `/x/..${p}` },
  { attack: 'a `.` segment before the last one', target: (p) => atLastSlash(p, '/./') },
  { attack: 'a detour inside (`/x/..`) before the last segment', target: (p) => atLastSlash(p, '/x/../') },
  { attack: 'encoded dot segments (`%2e%2e`) from outside', target: (p) => `/x/%2e%2e${p}` },
  // Percent-encoding: the same letters, written as bytes a decoding layer turns back into them.
  { attack: 'the first letter as %XX', target: (p) => `/${pct(p[1] ?? '')}${p.slice(2)}` },
  { attack: 'a letter of the last segment as lower-case %xx', target: (p) => lastSegment(p, (s) => `${pct(s[0] ?? '', true)}${s.slice(1)}`) },
  { attack: 'the first letter double-encoded (%25XX)', target: (p) => `/%25${pct(p[1] ?? '').slice(1)}${p.slice(2)}` },
  { attack: 'the last slash as %2F', target: (p) => atLastSlash(p, '%2F') },
  { attack: 'the last slash as %2f', target: (p) => atLastSlash(p, '%2f') },
  { attack: 'the first segment in capitals, the last slash as %2F', target: (p) => atLastSlash(firstSegment(p, (s) => s.toUpperCase()), '%2F') },
  // Matrix parameters: cut off by some servers, kept by routers.
  { attack: 'a ;param on the first segment', target: (p) => firstSegment(p, (s) => `${s};a=b`) },
  { attack: 'a ;param on the last segment', target: (p) => `${p};a=b` },
  // A backslash, which WHATWG URL parsing takes for a slash.
  { attack: 'a backslash for the last slash', target: (p) => atLastSlash(p, '\\') },
  // The absolute form of the request target, with the path in capitals.
  { attack: 'the absolute form, in capitals', target: (p) => `http://127.0.0.1${p.toUpperCase()}` },
  // A host in front: `new URL(url, base)` takes `//evil.example` for the host and routes the rest.
  { attack: 'a protocol-relative host in front (`//evil.example/...`)', target: (p) => `//evil.example${p}` },
  // The guard's own URLs are the only ones it answers for itself: none of their spellings may
  // become a way to a page, or past the guard to the app.
  { attack: 'climbing out of the own URLs to a page (`/_otp/../`)', target: (p, m) => `${m}/_otp/..${p.slice(m.length)}` },
  { attack: 'climbing out of the own URLs, encoded (`/_otp/%2e%2e/`)', target: (p, m) => `${m}/_otp/%2e%2e${p.slice(m.length)}` },
  { attack: 'the own URL in capitals (`/_OTP/verify`)', target: (_, m) => `${m}/_OTP/verify` },
  { attack: 'the own URL under the mount in capitals', target: (_, m) => `${m.toUpperCase()}/_otp/verify` },
  { attack: 'the own URL with a trailing slash', target: (_, m) => `${m}/_otp/verify/` },
  { attack: 'the own URL through a detour (`/_otp/../_otp/verify`)', target: (_, m) => `${m}/_otp/../_otp/verify` },
  { attack: 'the own URL with its slash encoded (`/_otp%2Fverify`)', target: (_, m) => `${m}/_otp%2Fverify` },
  { attack: 'the own URL with a ;param', target: (_, m) => `${m}/_otp/verify;a=b` },
];

/**
 * The guard of the table: its flood limits raised, so that each of the many spellings one session
 * sends is answered by the guard's path logic and not by the 429 a flood gets (also a refusal).
 */
interface SpellingGuard {
  protectimus: Protectimus;
  resource: string;
  maxRequestsPerMinute: number;
}

interface GuardMount {
  adapter: Adapter;
  mount: string;
  /** Where the protected pages live, canonically. */
  base: string;
  make(guard: SpellingGuard): RequestListener;
}

// Every mount a README or a TSDoc example shows, on its adapter (see the harness for each app).
const GUARD_MOUNTS: GuardMount[] = [
  ...(['billing', 'root', 'router', 'nested-router', 'strict', 'area'] as ExpressMount[]).map((mount) => ({
    adapter: expressAdapter,
    mount,
    base: expressBase(mount),
    make: (guard: SpellingGuard) => expressApp({ guard, mount }),
  })),
  ...(['billing', 'root', 'router', 'router-prefix', 'router-param', 'area'] as KoaMount[]).map((mount) => ({
    adapter: koaAdapter,
    mount,
    base: koaBase(mount),
    make: (guard: SpellingGuard) => koaApp({ guard, mount }).callback(),
  })),
  ...(['billing', 'root', 'area', 'prefix', 'loose', 'loose-area', 'param'] as FastifyMount[]).map((mount) => ({
    adapter: fastifyAdapter,
    mount,
    base: fastifyBase(mount),
    make: (guard: SpellingGuard) => listenerOf(fastifyApp({ guard, mount })),
  })),
];

/** The example sites, with their own routers: `/account` and `/admin` behind the password and the code. */
const DEMOS: { name: string; createSite: (config: SiteConfig) => Promise<Site<unknown>> }[] = [
  { name: 'Express', createSite: createExpressSite },
  { name: 'Koa', createSite: createKoaSite },
  { name: 'Fastify', createSite: createFastifySite },
];

/** The answers to every spelling, GET and HEAD, that are not refusals (or that show the page). */
async function unrefused(port: number, page: string, mount: string, headers: Record<string, string>, refused = REFUSED): Promise<string[]> {
  const wrong: string[] = [];
  for (const spelling of SPELLINGS) {
    const target = spelling.target(page, mount);
    for (const method of ['GET', 'HEAD']) {
      const res = await rawRequest(port, method, target, headers);
      if (!refused.includes(res.status) || res.body.includes('"ok":true')) wrong.push(`${method} ${target} (${spelling.attack}): ${res.status} ${res.body.slice(0, 80)}`);
    }
  }
  return wrong;
}

describe.each(GUARD_MOUNTS)('$adapter.name, the guard mounted as $mount', ({ adapter, base, make }) => {
  it('every spelling of a guarded path is refused until the code is typed (password only, or nobody signed in); the right code opens the canonical one', async () => {
    const pm = env.world.make({ otp: { maxPreparesPerMinute: 100_000 } });
    const user = await freshUser(pm);
    const server = await listen(make({ protectimus: pm, resource: user.resourceName, maxRequestsPerMinute: 100_000 }));
    try {
      const cookie = adapter.sessionCookie(await signIn(agentOf(server.url), user.login));
      if (!cookie) throw new Error('no session cookie');
      const page = `${base}/invoices`;

      expect(await unrefused(server.port, page, base, { ...JSON_ACCEPT, Cookie: cookie })).toEqual([]);
      expect(await unrefused(server.port, page, base, JSON_ACCEPT)).toEqual([]);
      // Still not verified: none of those spellings granted anything.
      expect((await rawRequest(server.port, 'GET', page, { ...JSON_ACCEPT, Cookie: cookie })).status).toBe(401);

      // Control: the code the first refusal mailed, posted to the canonical verifyUrl, opens the canonical page.
      const verified = await agentOf(server.url).post(`${base}/_otp/verify`).set('Cookie', cookie).send({ otp: await nextCode(env.world, user.email) }).expect(200);
      const after = adapter.sessionCookie(verified) ?? cookie;
      const passed = await rawRequest(server.port, 'GET', page, { ...JSON_ACCEPT, Cookie: after });
      expect(passed.status).toBe(200);
      expect(JSON.parse(passed.body)).toEqual(pageBody(page, user.login));
      // Verified, a spelling may reach the page or not, but nothing fails on it.
      for (const spelling of SPELLINGS) {
        const res = await rawRequest(server.port, 'GET', spelling.target(page, base), { ...JSON_ACCEPT, Cookie: after });
        expect([spelling.attack, res.status < 500]).toEqual([spelling.attack, true]);
      }
    } finally {
      await server.close();
    }
  });
});

describe.each(DEMOS)('the $name example site, as its app.ts builds it', ({ createSite }) => {
  let site: Site<unknown>;
  let server: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    site = await createSite(testConfig());
    server = await listen(site.handler);
  });
  afterAll(async () => {
    await server.close();
    await site.close();
  });

  // First, before the table's floods meet the demo's real limits (per session and per token).
  it('opens the canonical spellings after both factors (the control)', async () => {
    const alice = request.agent(site.handler);
    await passBothFactors(site, alice, 'alice');
    await alice.get('/account/settings').set('Accept', 'text/html').expect(200);
    await alice.get('/admin/api/tokens').set('Accept', 'application/json').expect(200);
  });

  it('meets a session a remembered device let in with the step-up of /account/settings under every spelling', async () => {
    const first = request.agent(site.handler);
    await signInToDemo(first, 'alice', DEMO.alice.password);
    const asked = await first.get('/account').set('Accept', 'application/json').expect(401);
    const remembered = await first.post(asked.body.verifyUrl).send({ otp: codeFor(site, DEMO.alice.email), remember: true }).expect(200);
    const device = ((remembered.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('pm_device_')) ?? '').split(';')[0] ?? '';
    expect(device).toMatch(/^pm_device_account=/);

    const second = request.agent(site.handler);
    const signedIn = await signInToDemo(second, 'alice', DEMO.alice.password);
    const skipped = await second.get('/account').set('Cookie', device).set('Accept', 'text/html').expect(200);
    const cookie = `${sessionCookie(skipped.headers['set-cookie'] ? skipped : signedIn)}; ${device}`;
    const stale = await rawRequest(server.port, 'GET', '/account/settings', { ...JSON_ACCEPT, Cookie: cookie });
    expect(stale.status).toBe(401);
    expect(JSON.parse(stale.body)).toMatchObject({ error: 'otp_required', reason: 'stale' });
    const shown: string[] = [];
    for (const spelling of SPELLINGS) {
      const target = spelling.target('/account/settings', '/account');
      const res = await rawRequest(server.port, 'GET', target, { Accept: 'text/html', Cookie: cookie });
      if (res.status === 200 && res.body.includes('Account settings')) shown.push(`${target} (${spelling.attack})`);
    }
    expect(shown).toEqual([]);
  });

  // The demos keep their flood limits, so past a few dozen spellings the answer is 429: a refusal too.
  it.each([
    ['bob', '/account/settings', '/account'],
    ['alice', '/account/settings', '/account'],
    ['alice', '/admin/api/tokens', '/admin'],
    ['bob', '/admin/api/tokens', '/admin'],
  ] as const)('refuses %s every spelling of %s with only the password, and an anonymous client too', async (login, page, mount) => {
    const cookie = sessionCookie(await signInToDemo(request.agent(site.handler), login, DEMO[login].password));
    expect(await unrefused(server.port, page, mount, { ...JSON_ACCEPT, Cookie: cookie }, [...REFUSED, 429])).toEqual([]);
    expect(await unrefused(server.port, page, mount, JSON_ACCEPT, [...REFUSED, 429])).toEqual([]);
  });
});

describe.each([expressAdapter, koaAdapter, fastifyAdapter])('$name: the area option, the guard app-wide', (adapter) => {
  it('passes requests outside its area on untouched, even with no one signed in or no session middleware', async () => {
    const user = await freshUser(env.pm);
    // Mounted at the root, the pages live at /invoices: outside the area /billing.
    const app = adapter.makeApp({ guard: { protectimus: env.pm, resource: user.resourceName, area: '/billing' }, mount: 'root' });
    expect((await agentOf(app).get('/invoices').expect(200)).body).toEqual(pageBody('/invoices', null));
    expect((await agentOf(app).get('/BILLING/invoices').set('Accept', 'application/json').expect(401)).body).toEqual({ error: 'unauthenticated' });
    const errors: unknown[] = [];
    const bare = adapter.makeApp({ guard: { protectimus: env.pm, resource: user.resourceName, area: '/billing', onError: (e) => errors.push(e) }, mount: 'root', session: false });
    await agentOf(bare).get('/invoices').expect(200);
    expect(errors).toEqual([]);
    // Inside it, no session is still an error, answered closed.
    await agentOf(bare).get('/Billing/x').expect(503);
    expect(errors).toHaveLength(1);
  });

  it('answers its own URLs under the area itself, with no route for them', async () => {
    const user = await freshUser(env.pm);
    const app = adapter.makeApp({ guard: { protectimus: env.pm, resource: user.resourceName, area: '/billing' }, mount: 'root' });
    const agent = agentOf(app);
    await signIn(agent, user.login);
    const asked = await agent.get('/billing/statement').expect(401);
    expect(asked.body).toMatchObject({ error: 'otp_required', verifyUrl: '/billing/_otp/verify', resendUrl: '/billing/_otp/resend' });
    await agent.post('/billing/_otp/verify').send({ otp: await nextCode(env.world, user.email) }).expect(200);
    // Verified: the guard lets /billing/* through to the app, which has no such page.
    await agent.get('/billing/statement').expect(404);
  });

  it('guards a request that a middleware before it rewrote into the area, as a page', async () => {
    const user = await freshUser(env.pm);
    // A legacy-path rewrite in front of the guard: /old/... is served as /billing/... by the routers.
    const rewrite = (url: string): string => url.replace(/^\/old\//, '/billing/');
    const app = adapter.makeApp({ guard: { protectimus: env.pm, resource: user.resourceName, area: '/billing' }, mount: 'area', rewrite });
    const agent = agentOf(app);
    await signIn(agent, user.login);
    const asked = await agent.get('/old/invoices').expect(401);
    expect(asked.body).toMatchObject({ error: 'otp_required', verifyUrl: '/billing/_otp/verify' });
    await agent.post('/billing/_otp/verify').send({ otp: await nextCode(env.world, user.email) }).expect(200);
    expect((await agent.get('/old/invoices').expect(200)).body).toEqual(pageBody('/old/invoices', user.login));
  });

  it('refuses an area that is not a plain path when the guard is made (Fastify: when the app starts)', async () => {
    for (const area of ['billing', '/orgs/:org', '/a/../b', '/a%2Fb']) {
      await expect(started(() => adapter.makeApp({ guard: { protectimus: env.pm, area }, mount: 'root' }))).rejects.toThrow(/area must be/);
    }
  });
});

/** Spellings of the admin router's paths: its mount and its API, as the attacker writes them. */
const ADMIN_TARGETS: [attack: string, target: string][] = [
  ['the panel, canonically (the refusal to compare with)', '/admin'],
  ['the API, canonically', '/admin/api/tokens'],
  ['the panel in capitals', '/ADMIN'],
  ['the panel capitalised', '/Admin'],
  ['the API under the mount in capitals', '/ADMIN/api/tokens'],
  ['the API under the mount capitalised', '/Admin/api/tokens'],
  ['the API in capitals after the mount', '/admin/API/TOKENS'],
  ['a doubled leading slash', '//admin/api/tokens'],
  ['a doubled slash inside', '/admin//api/tokens'],
  ['a detour from outside', '/x/../admin/api/tokens'],
  ['a `.` segment', '/admin/./api/tokens'],
  ['the mount as %XX', '/%61dmin/api/tokens'],
  ['the mount in capitals as %XX', '/%41DMIN/api/tokens'],
  ['the API with a letter as %xx', '/admin/api/%74okens'],
  ['slashes as %2F', '/admin%2Fapi%2Ftokens'],
  ['a ;param on the mount', '/admin;a=b/api/tokens'],
  ['a trailing slash', '/admin/api/tokens/'],
  ['the absolute form, in capitals', 'http://127.0.0.1/ADMIN/api/tokens'],
];

/** The admin mounts the READMEs show: Express's `app.use('/admin')`, koa-mount, and @koa/router with `mountPath`. */
const ADMIN_MOUNTS: { adapter: AdminAdapter; mount: string; options: AdminAppOptions }[] = [
  { adapter: expressAdminAdapter, mount: "app.use('/admin')", options: {} },
  { adapter: koaAdminAdapter, mount: 'koa-mount', options: { koaMount: 'koa-mount' } },
  { adapter: koaAdminAdapter, mount: '@koa/router with mountPath', options: { koaMount: 'router' } },
  { adapter: fastifyAdminAdapter, mount: "register(protectimusAdmin, { prefix: '/admin' })", options: {} },
  { adapter: fastifyAdminAdapter, mount: "register(..., { prefix: '/admin' }) with caseSensitive: false", options: { fastifyLoose: true } },
];

describe.each(ADMIN_MOUNTS)('$adapter.name admin router, mounted by $mount', ({ adapter, options }) => {
  it('refuses every spelling of its paths to a signed-in non-admin and to an anonymous client, and never fails on one', async () => {
    const errors: unknown[] = [];
    const server = await listen(adapter.makeApp(env.pm, { ...options, onError: (e) => errors.push(e) }));
    try {
      const memberCookie = setCookies(await agentOf(server.url).post('/sign-in/member').expect(200)).join('; ');
      const wrong: string[] = [];
      for (const [attack, target] of ADMIN_TARGETS) {
        for (const method of ['GET', 'HEAD']) {
          for (const [who, headers] of [
            ['member', { ...JSON_ACCEPT, Cookie: memberCookie }],
            ['anonymous', JSON_ACCEPT],
          ] as const) {
            const res = await rawRequest(server.port, method, target, headers);
            if (!REFUSED.includes(res.status)) wrong.push(`${who} ${method} ${target} (${attack}): ${res.status} ${res.body.slice(0, 80)}`);
          }
        }
      }
      expect(wrong).toEqual([]);
      expect(errors).toEqual([]);

      // Control: the admin gets the API at its canonical address.
      const admin = { ...JSON_ACCEPT, Cookie: setCookies(await agentOf(server.url).post('/sign-in/admin').expect(200)).join('; ') };
      expect((await rawRequest(server.port, 'GET', '/admin/api/tokens', admin)).status).toBe(200);
      // A router that matches in any case hands the admin router other spellings of its mount,
      // which a second factor mounted in front at the exact prefix would not have seen: 404.
      if (options.koaMount === 'router' || options.fastifyLoose) {
        for (const target of ['/ADMIN/api/tokens', '/Admin', '/%61dmin/api/tokens']) expect([target, (await rawRequest(server.port, 'GET', target, admin)).status]).toEqual([target, 404]);
      }
    } finally {
      await server.close();
    }
  });
});
