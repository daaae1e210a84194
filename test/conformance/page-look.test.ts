/**
 * The guard's `page` option on both adapters (docs/design.md, "The guard's pages in the app's
 * look"): brand, links, the app's layout and the CSP that holds with it; a resource's display
 * name in the page; escaping; bad options refused at creation; a broken layout answered 503.
 */
import { createHash } from 'node:crypto';
import type { Response } from 'supertest';
import { html } from '../../packages/core/src/web/html';
import type { PageOptions } from '../../packages/core/src/guard/pages';
import { adapters, agentOf, BROWSER, csrfFrom, freshUser, nextCode, pageBody, signIn, started, useWorld, type GuardSetup } from './harness';

const env = useWorld();

const HOSTILE = '<script>alert(1)</script>"\'&';

const layout: NonNullable<PageOptions['layout']> = ({ title, lang, head, main }) =>
  html`<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><title>${title} | Site</title>${head}<link rel="stylesheet" href="/assets/site.css"></head>
<body><header class="site-header">The site</header><main>${main}</main><footer class="site-footer">Site footer</footer></body></html>`;

/** A page of the guard whose `<style>` is the one the CSP allows by hash. */
function expectGuardPage(res: Response, status: number): string {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
  const csp = res.headers['content-security-policy'] as string;
  expect(csp).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'/);
  expect(csp).not.toMatch(/unsafe|script-src/);
  const styles = [...res.text.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1] ?? '');
  expect(styles).toHaveLength(1);
  expect(csp).toContain(`'sha256-${createHash('sha256').update(styles[0] ?? '').digest('base64')}'`);
  expect(res.text).not.toMatch(/<script/i);
  expect(res.text).not.toMatch(/<[^>]*\s(on[a-z]+|style)\s*=/i);
  return res.text;
}

describe.each(adapters)('$name: the page option', (adapter) => {
  async function start(page: PageOptions, over: Partial<GuardSetup> = {}, displayName?: string) {
    const user = await freshUser(env.pm, displayName === undefined ? {} : { resource: { displayName } });
    const app = adapter.makeApp({ guard: { protectimus: env.pm, resource: user.resourceName, page, ...over } });
    const agent = agentOf(app);
    await signIn(agent, user.login);
    return { user, app, agent };
  }

  it('draws the brand, "Cancel" and "Sign out" and the display name, every one escaped', async () => {
    const { agent } = await start({ brand: { name: HOSTILE, accent: 'darkgreen' }, cancelUrl: '/home?from=otp&x=1', signOutUrl: '/logout' }, {}, `Billing ${HOSTILE}`);
    const text = expectGuardPage(await agent.get('/billing/invoices').set('Accept', BROWSER), 401);
    const escaped = '&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;';
    expect(text).toContain(`<header class="brand"><span>${escaped}</span></header>`);
    expect(text).toContain(`<h1>Enter your code for Billing ${escaped}</h1>`);
    expect(text).toContain(`<title>Enter your code for Billing ${escaped}</title>`);
    expect(text).toContain('<p class="back"><a href="/home?from=otp&amp;x=1">Cancel</a><a href="/logout">Sign out</a></p>');
    expect(text).toContain('button{border-color:darkgreen;background:darkgreen}');
    // A refusal page carries the same look.
    const noForm = await agent.post('/billing/_otp/verify').set('Accept', BROWSER).type('form').send({ otp: '123456' });
    expect(expectGuardPage(noForm, 403)).toContain('<a href="/logout">Sign out</a>');
  });

  it("gives the layout the adapter's own request (Express req, Koa ctx), for what the site's header shows", async () => {
    const seen: unknown[] = [];
    const { agent } = await start({
      layout: (parts, request) => {
        seen.push(request);
        return layout(parts, request);
      },
    });
    await agent.get('/billing/invoices?x=1').set('Accept', BROWSER).expect(401);
    expect(seen).toHaveLength(1);
    expect((seen[0] as { originalUrl?: unknown }).originalUrl).toBe('/billing/invoices?x=1');
    // The adapter's own request: Express's `req` (with `res`), Koa's `ctx` (with `state`), Fastify's `request` (with `raw`).
    expect(typeof (seen[0] as Record<string, unknown>)[{ express: 'res', koa: 'state', fastify: 'raw' }[adapter.name]]).toBe('object');
  });

  it("puts every page inside the app's layout under one CSP that allows the layout's stylesheet, and the code still works", async () => {
    const { user, agent } = await start({ layout, styleSrc: ["'self'", 'https://cdn.example.com'], brand: { name: 'Site', logoUrl: 'https://img.example.com/logo.png' } });
    const page = await agent.get('/billing/invoices').set('Accept', BROWSER);
    const text = expectGuardPage(page, 401);
    expect(page.headers['content-security-policy']).toMatch(
      /^default-src 'none'; style-src 'sha256-[^']+' 'self' https:\/\/cdn\.example\.com; img-src data: https:\/\/img\.example\.com; form-action 'self'; frame-ancestors 'none'; base-uri 'none'$/,
    );
    expect(text).toMatch(/^<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Enter your code \| Site<\/title><meta name="robots" content="noindex">/);
    expect(text).toContain('<link rel="stylesheet" href="/assets/site.css"></head>');
    expect(text).toContain('<header class="site-header">The site</header><main><div class="pm-guard"><p class="brand"><img src="https://img.example.com/logo.png" alt="Site"></p><h1>Enter your code</h1>');
    expect(text).toContain('<p class="back"><a href="/">Back to the site</a></p></div></main><footer class="site-footer">Site footer</footer>');

    const posted = await agent
      .post('/billing/_otp/verify')
      .set('Accept', BROWSER)
      .type('form')
      .send({ otp: await nextCode(env.world, user.email), _csrf: csrfFrom(text) });
    expect(expectGuardPage(posted, 303)).toContain('<main><div class="pm-guard"><p class="brand"><img src="https://img.example.com/logo.png" alt="Site"></p><h1>Continue</h1>');
    expect(posted.headers.location).toBe('/billing/invoices');
    expect((await agent.get('/billing/invoices').set('Accept', BROWSER).expect(200)).body).toEqual(pageBody('/billing/invoices', user.login));
  });

  it('draws the layout under an app-wide guard (area) as under a mounted one, and a verified session passes', async () => {
    const user = await freshUser(env.pm);
    const app = adapter.makeApp({ mount: 'area', guard: { protectimus: env.pm, resource: user.resourceName, page: { layout, styleSrc: ["'self'"] } } });
    const agent = agentOf(app);
    await signIn(agent, user.login);
    const page = await agent.get('/billing/invoices').set('Accept', BROWSER);
    expect(expectGuardPage(page, 401)).toContain('<main><div class="pm-guard"><h1>Enter your code</h1>');
    expect(page.headers['content-security-policy']).toMatch(/style-src 'sha256-[^']+' 'self';/);
    // Another spelling of the area is the same page, in the same layout.
    expect(expectGuardPage(await agent.get('/BILLING/invoices').set('Accept', BROWSER), 401)).toContain('<footer class="site-footer">');
    await agent.post('/billing/_otp/verify').send({ otp: await nextCode(env.world, user.email) }).expect(200);
    expect((await agent.get('/billing/invoices').set('Accept', BROWSER).expect(200)).body).toEqual(pageBody('/billing/invoices', user.login));
    // Outside the area nothing is drawn by the guard.
    expect((await agent.get('/me').expect(200)).body).toEqual({ user: user.login });
  });

  it("draws the refusal pages (401 sign in first, 403) in the layout too", async () => {
    const user = await freshUser(env.pm);
    const app = adapter.makeApp({ guard: { protectimus: env.pm, resource: user.resourceName, page: { layout } } });
    const nobody = await agentOf(app).get('/billing/invoices').set('Accept', BROWSER);
    expect(expectGuardPage(nobody, 401)).toContain('<footer class="site-footer">Site footer</footer>');
    expect(nobody.text).toContain('<title>Sign in first | Site</title>');
    await env.pm.users.block(user.user.id);
    const agent = agentOf(app);
    await signIn(agent, user.login);
    const blocked = await agent.get('/billing/invoices').set('Accept', BROWSER);
    expect(expectGuardPage(blocked, 403)).toContain('<title>Sign-in blocked | Site</title>');
  });

  it('answers 503 unavailable, closed, on its own plain page when the layout throws, and tells onError once', async () => {
    const reported: unknown[] = [];
    const { user, agent } = await start(
      {
        layout: () => {
          throw new Error('the template broke');
        },
      },
      { onError: (err) => reported.push(err) },
    );
    const res = await agent.get('/billing/invoices').set('Accept', BROWSER);
    expect(expectGuardPage(res, 503)).toContain('<h1>Service unavailable</h1>');
    expect(res.text).not.toContain('the template broke');
    expect(reported).toHaveLength(1);
    expect(String(reported[0])).toMatch(/PageLayoutError: protectimusMail: page\.layout threw/);
    // Scripts get the protocol's JSON, which no layout draws; the session never passes.
    expect((await agent.get('/billing/invoices').expect(401)).body).toMatchObject({ error: 'otp_required' });
    await agent.post('/billing/_otp/verify').send({ otp: await nextCode(env.world, user.email) }).expect(200);
    // A verified session passes without a page at all.
    await agent.get('/billing/invoices').set('Accept', BROWSER).expect(200);
  });

  it('refuses bad page options when the guard is created, naming them', async () => {
    const bad: [PageOptions, RegExp][] = [
      [{ brand: { accent: 'url(javascript:x)' } }, /page\.brand\.accent/],
      [{ cancelUrl: 'javascript:alert(1)' }, /page\.cancelUrl/],
      [{ signOutUrl: '//evil.example/logout' }, /page\.signOutUrl/],
      [{ styleSrc: ["'unsafe-inline'"] }, /page\.styleSrc/],
      [{ styleSrc: ['*'] }, /page\.styleSrc/],
      [{ layout: 'not a function' as never }, /page\.layout/],
    ];
    for (const [page, message] of bad) await expect(started(() => adapter.makeApp({ guard: { protectimus: env.pm, resource: 'any', page } }))).rejects.toThrow(message);
  });
});
