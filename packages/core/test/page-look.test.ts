/**
 * The guard's `page` option (docs/design.md, "The guard's pages in the app's look"): checked at
 * creation, its CSP computed once, every page drawn through it, a failing layout answered 503.
 */
import { createHash } from 'node:crypto';
import { pageLook } from '../src/guard/look';
import type { PageOptions } from '../src/guard/pages';
import { guardRunner } from '../src/guard/runner';
import { html, SafeHtml } from '../src/web/html';
import { csrfToken } from '../src/web/request';
import { ProtectimusError } from '../src/errors';
import { FakeEngine } from './support/fake-engine';
import { BROWSER_ACCEPT } from './support/guard-request';
import { answer } from './support/guard-run';
import type { Answer } from './support/guard-run';

const page = (over: Record<string, unknown> = {}) => ({ headers: { accept: BROWSER_ACCEPT }, ...over });

const layout: PageOptions['layout'] = (parts) =>
  html`<!doctype html>
<html lang="${parts.lang}"><head><meta charset="utf-8"><title>${parts.title} - Acme</title>${parts.head}<link rel="stylesheet" href="/site.css"></head>
<body><header class="site">Acme site</header><main>${parts.main}</main><footer>Acme footer</footer></body></html>`;

/** The page's `<style>` and the CSP's `style-src` hash agree. */
function expectStyleAllowed(res: Answer): string {
  const style = /<style>([\s\S]*?)<\/style>/.exec(res.body)?.[1] ?? '';
  const hash = createHash('sha256').update(style).digest('base64');
  expect(res.headers['Content-Security-Policy']).toContain(`style-src 'sha256-${hash}'`);
  expect(res.body).not.toMatch(/<script/i);
  return res.body;
}

describe('page option: checked when the guard is created', () => {
  const bad: [string, unknown, RegExp][] = [
    ['accent not a colour', { brand: { accent: 'red; background:url(x)' } }, /page\.brand\.accent must be #rgb, #rrggbb or a CSS colour name/],
    ['accent of 4 digits', { brand: { accent: '#abcd' } }, /brand\.accent/],
    ['a javascript: cancel URL', { cancelUrl: 'javascript:alert(1)' }, /page\.cancelUrl must be a path starting with one "\/" or an absolute http\(s\) URL/],
    ['a protocol-relative cancel URL', { cancelUrl: '//evil.example/' }, /page\.cancelUrl/],
    ['a relative sign-out URL', { signOutUrl: 'logout' }, /page\.signOutUrl/],
    ['a sign-out URL with a quote', { signOutUrl: '/out"onclick' }, /page\.signOutUrl/],
    ['a data: logo', { brand: { name: 'Acme', logoUrl: 'data:image/png;base64,AAAA' } }, /page\.brand\.logoUrl/],
    ['a logo without a name', { brand: { logoUrl: '/logo.png' } }, /brand\.logoUrl needs brand\.name/],
    ["'unsafe-inline' in styleSrc", { styleSrc: ["'unsafe-inline'"] }, /page\.styleSrc entries/],
    ['a wildcard in styleSrc', { styleSrc: ['https://*.example.com'] }, /page\.styleSrc entries/],
    ['a directive smuggled in styleSrc', { styleSrc: ['https://cdn.example.com; script-src *'] }, /page\.styleSrc entries/],
    ['styleSrc not a list', { styleSrc: 'https://cdn.example.com' }, /page\.styleSrc must be an array/],
    ['a layout that is no function', { layout: '<html>' }, /page\.layout must be a function/],
    ['an unknown option', { brnad: {} }, /protectimusMail: page: unknown option "brnad"/],
    ['an unknown brand field', { brand: { colour: 'red' } }, /page\.brand: unknown option "colour"/],
  ];
  it.each(bad)('refuses %s with a TypeError naming it', (_, options, message) => {
    expect(() => pageLook(options as PageOptions)).toThrow(TypeError);
    expect(() => pageLook(options as PageOptions)).toThrow(message);
    // The same through the guard: a mistake stops the start.
    expect(() => guardRunner({ protectimus: new FakeEngine(), page: options as PageOptions }, {} as never)).toThrow(message);
  });

  it('takes colours, site paths, http(s) URLs and style sources', () => {
    for (const accent of ['#0a7', '#00AA77', 'RebeccaPurple', ' teal ']) expect(() => pageLook({ brand: { accent } })).not.toThrow();
    for (const url of ['/', '/logout?next=%2F', 'https://sso.example.com/logout', 'http://localhost:3000/']) expect(() => pageLook({ cancelUrl: url, signOutUrl: url })).not.toThrow();
    const look = pageLook({ styleSrc: ["'self'", 'https://cdn.example.com', 'https://static.example.com/site.css'], brand: { name: 'Acme', logoUrl: 'https://img.example.com/logo.svg' } });
    expect(look.csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/=]+' 'self' https:\/\/cdn\.example\.com https:\/\/static\.example\.com\/site\.css; img-src data: https:\/\/img\.example\.com;/);
    expect(pageLook({ brand: { name: 'Acme', logoUrl: '/logo.png' } }).csp).toContain("img-src data: 'self';");
  });
});

describe('page option: the pages', () => {
  it('draws the brand, its accent and the links on the code page, all escaped, under a CSP that allows exactly its style', async () => {
    const options = { look: pageLook({ brand: { name: '<script>alert(1)</script> & Co', accent: '#0a7' }, cancelUrl: '/home?a=1&b=2', signOutUrl: '/logout' }) };
    const res = await answer(new FakeEngine(), page(), options);
    const body = expectStyleAllowed(res);
    expect(body).toContain('<header class="brand"><span>&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co</span></header>');
    expect(body).toContain('<p class="back"><a href="/home?a=1&amp;b=2">Cancel</a><a href="/logout">Sign out</a></p>');
    expect(body).not.toContain('Back to the site');
    expect(body).toContain('button{border-color:#0a7;background:#0a7}');
    expect(res.headers['Content-Security-Policy']).toMatch(/^default-src 'none'; style-src 'sha256-[^']+'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'$/);
  });

  it('shows a logo as an image whose alt text is the name, allowed by img-src', async () => {
    const res = await answer(new FakeEngine(), page(), { look: pageLook({ brand: { name: 'Acme "Pay"', logoUrl: 'https://img.example.com/logo.svg?v=1&x=2' } }) });
    expect(res.body).toContain('<header class="brand"><img src="https://img.example.com/logo.svg?v=1&amp;x=2" alt="Acme &quot;Pay&quot;"></header>');
    expect(res.headers['Content-Security-Policy']).toContain('img-src data: https://img.example.com;');
  });

  it("puts every page inside the app's layout: code page, message page and redirect page, with the same CSP", async () => {
    const look = pageLook({ layout, styleSrc: ["'self'"], cancelUrl: '/account' });
    const engine = new FakeEngine();
    const session: Record<string, unknown> = {};
    const code = await answer(engine, page({ session }), { look });
    const body = expectStyleAllowed(code);
    expect(code.status).toBe(401);
    expect(body).toMatch(/^<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Enter your code - Acme<\/title><meta name="robots" content="noindex">\n<style>/);
    expect(body).toContain('<header class="site">Acme site</header><main><div class="pm-guard"><h1>Enter your code</h1>');
    expect(body).toContain('<p class="back"><a href="/account">Cancel</a></p></div></main><footer>Acme footer</footer>');
    expect(code.headers['Content-Security-Policy']).toMatch(/style-src 'sha256-[^']+' 'self';/);

    const redirect = await answer(engine, { method: 'POST', path: '/_otp/verify', originalUrl: '/billing/_otp/verify', headers: { accept: BROWSER_ACCEPT, contentType: 'application/x-www-form-urlencoded' }, session, body: { otp: engine.code, _csrf: csrfToken(session) } }, { look });
    expect(redirect.status).toBe(303);
    expect(expectStyleAllowed(redirect)).toContain('<main><div class="pm-guard"><h1>Continue</h1>');

    const nobody = await answer(engine, page({ login: null }), { look });
    expect(nobody.status).toBe(401);
    expect(expectStyleAllowed(nobody)).toContain('<main><div class="pm-guard"><h1>Sign in first</h1>');

    engine.prepareError = new ProtectimusError('BLOCKED', 'blocked');
    const blocked = await answer(engine, page({ session: {} }), { look });
    expect(blocked.status).toBe(403);
    expect(expectStyleAllowed(blocked)).toContain('<title>Sign-in blocked - Acme</title>');
  });

  it("names the resource by its display name in the heading, escaped", async () => {
    const engine = new FakeEngine();
    engine.resourceDisplayName = 'Billing <b>& invoices</b>';
    const res = await answer(engine, page());
    expect(res.body).toContain('<title>Enter your code for Billing &lt;b&gt;&amp; invoices&lt;/b&gt;</title>');
    expect(res.body).toContain('<h1>Enter your code for Billing &lt;b&gt;&amp; invoices&lt;/b&gt;</h1>');
    // Kept in the session for a page drawn without asking the engine (a form without its CSRF token).
    const session: Record<string, unknown> = {};
    await answer(engine, page({ session }));
    engine.resourceDisplayName = null;
    const refused = await answer(engine, { method: 'POST', path: '/_otp/verify', originalUrl: '/billing/_otp/verify', headers: { accept: BROWSER_ACCEPT, contentType: 'application/x-www-form-urlencoded' }, session, body: { otp: '000000' } });
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('<h1>Enter your code for Billing &lt;b&gt;');
    // Without a display name the heading names no resource.
    expect((await answer(engine, page())).body).toContain('<h1>Enter your code</h1>');
  });

  const broken: [string, () => unknown][] = [
    ['throws', () => { throw new Error('template bug'); }],
    ['returns undefined', () => undefined],
    ['returns a number', () => 42],
  ];
  it.each(broken)('answers 503 unavailable, closed, and tells onError once, when the layout %s', async (_, fn) => {
    const reported: unknown[] = [];
    const look = pageLook({ layout: fn as PageOptions['layout'] });
    const engine = new FakeEngine();
    const res = await answer(engine, page(), { look, onError: (err) => reported.push(err) });
    expect(res.status).toBe(503);
    expect(res.headers['Content-Type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('<h1>Service unavailable</h1>');
    expect(reported).toHaveLength(1);
    expect(reported[0]).toMatchObject({ name: 'PageLayoutError', message: expect.stringMatching(/^protectimusMail: page\.layout /) });
    // A script still gets the protocol's JSON, which needs no layout.
    expect((await answer(engine, {}, { look })).status).toBe(401);
    // And a refusal page that the layout cannot draw is closed too.
    const nobody = await answer(engine, page({ login: null }), { look, onError: (err) => reported.push(err) });
    expect(nobody.status).toBe(503);
    expect(reported).toHaveLength(2);
  });

  it('accepts a layout returning SafeHtml or a string alike', async () => {
    for (const fn of [(p: { main: SafeHtml }) => html`<!doctype html><main>${p.main}</main>`, (p: { main: SafeHtml }) => `<!doctype html><main>${p.main.value}</main>`]) {
      const res = await answer(new FakeEngine(), page(), { look: pageLook({ layout: fn }) });
      expect(res.body).toMatch(/^<!doctype html><main><div class="pm-guard"><h1>Enter your code<\/h1>/);
    }
  });
});
