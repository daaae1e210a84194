import { createHash } from 'node:crypto';
import { ProtectimusError } from '../src/errors';
import type { ErrorCode } from '../src/errors';
import { csrfToken } from '../src/web/request';
import { applyGrant, guardState } from '../src/guard/session';
import { FAKE_STAMP, FakeEngine } from './support/fake-engine';
import { BROWSER_ACCEPT } from './support/guard-request';
import { answer } from './support/guard-run';
import type { Answer } from './support/guard-run';

const page = (over: Record<string, unknown> = {}) => ({ headers: { accept: BROWSER_ACCEPT }, ...over });
const FORM = { accept: BROWSER_ACCEPT, contentType: 'application/x-www-form-urlencoded' };

function formPost(session: Record<string, unknown>, path: '/_otp/verify' | '/_otp/resend', fields: Record<string, string> = {}) {
  return { method: 'POST', path, originalUrl: `/billing${path}`, headers: FORM, session, body: { _csrf: csrfToken(session), ...fields } };
}

function expectPage(res: Answer, status: number): string {
  expect(res.status).toBe(status);
  expect(res.headers['Content-Type']).toBe('text/html; charset=utf-8');
  expect(res.headers['Cache-Control']).toBe('no-store');
  expect(res.headers['X-Frame-Options']).toBe('DENY');
  expect(res.headers['Referrer-Policy']).toBe('no-referrer');
  expect(res.headers['Content-Security-Policy']).toContain("default-src 'none'");
  expect(res.body).not.toMatch(/<script/i);
  // Text has its `<` escaped, so every `<` left opens a real tag: none may carry a handler or a style.
  expect(res.body).not.toMatch(/<[^>]*\son[a-z]+\s*=/i);
  expect(res.body).not.toMatch(/<[^>]*\sstyle\s*=/i);
  return res.body;
}

/** The value of the first `name` attribute's input, by a simple look, enough for our own markup. */
function inputValue(html: string, name: string): string | undefined {
  return new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];
}

describe('code page', () => {
  it('is served with 401, a strict CSP whose style hash matches, and no script', async () => {
    const res = await answer(new FakeEngine(), page());
    const html = expectPage(res, 401);
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
    const hash = createHash('sha256').update(style).digest('base64');
    expect(res.headers['Content-Security-Policy']).toBe(
      `default-src 'none'; style-src 'sha256-${hash}'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
    );
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain('<html lang="en">');
    // No request for /favicon.ico: the icon is empty, and the CSP above allows it.
    expect(html).toContain('<link rel="icon" href="data:,">');
    expect(html).toContain('<p class="back"><a href="/">Back to the site</a></p>');
  });

  it('shows the masked address, the code length, the code field, CSRF fields and both forms', async () => {
    const session: Record<string, unknown> = {};
    const html = expectPage(await answer(new FakeEngine(), page({ session })), 401);
    const token = guardState(session).csrf;
    expect(token).toBeDefined();
    expect(html).toContain('a***e@example.com');
    expect(html).toContain('6-digit code');
    expect(html).toContain('Alice mail');
    expect(html).toContain('<form method="post" action="/billing/_otp/verify">');
    expect(html).toContain('<form class="resend" method="post" action="/billing/_otp/resend">');
    expect(html.match(new RegExp(`<input type="hidden" name="_csrf" value="${token}">`, 'g'))).toHaveLength(2);
    expect(html).toContain('<label for="otp">Code</label>');
    expect(html).toMatch(
      /<input id="otp" name="otp" type="text" autocomplete="one-time-code" inputmode="numeric" maxlength="64" required autofocus/,
    );
    expect(html).toContain('<button type="submit">Verify</button>');
    // No script may enable the button when the cooldown ends: it is drawn disabled, with the wait.
    expect(html).toContain('<button type="submit" class="secondary" disabled aria-describedby="resend-hint">Send a new code</button>');
    expect(html).toContain('<p id="resend-hint" class="muted">You can ask for a new code in 30 seconds. Reload this page then.</p>');
    expect(html).toContain('aria-describedby="otp-hint">');
    expect(html).not.toContain('aria-invalid');
    expect(html).toContain('It expires in 5 minutes.');
    expect(html).not.toContain('role="alert"');
  });

  it('counts the resend wait down with the clock, and enables the button once it is over', async () => {
    const engine = new FakeEngine();
    const session: Record<string, unknown> = {};
    await answer(engine, page({ session }));
    engine.clock.advanceSeconds(12);
    const html = expectPage(await answer(engine, page({ session })), 401);
    expect(html).toContain('You can ask for a new code in 18 seconds.');
    expect(html).toContain(' disabled ');
    engine.clock.advanceSeconds(18);
    const later = expectPage(await answer(engine, page({ session })), 401);
    expect(later).toContain('No mail? You can ask for a new code now.');
    expect(later).toContain('<button type="submit" class="secondary" aria-describedby="resend-hint">Send a new code</button>');
    // The same open code all along: the page load mailed nothing.
    expect(engine.prepareCalls.every((c) => c.resend === undefined)).toBe(true);
  });

  it('still works when the session knows nothing of the challenge', async () => {
    const res = await answer(new FakeEngine(), { ...formPost({}, '/_otp/verify', { otp: '000000' }), body: { otp: '000000' } });
    const html = expectPage(res, 403);
    expect(html).toContain('Type the code from the mail we sent you.');
    expect(html).toContain('No mail? You can ask for a new code now.');
  });

  it.each([
    ['before', 'Type your PIN, then the 6-digit code, with nothing between them.'],
    ['after', 'Type the 6-digit code, then your PIN, with nothing between them.'],
  ] as const)('gives the PIN hint for a PIN %s the code, without a numeric keypad', async (pin, hint) => {
    const engine = new FakeEngine();
    engine.pin = pin;
    const html = expectPage(await answer(engine, page()), 401);
    expect(html).toContain(hint);
    expect(html).toContain('<label for="otp">PIN and code</label>');
    expect(html).not.toContain('inputmode');
  });

  it('gives no PIN hint without a PIN, and the right length for 8 digits', async () => {
    const engine = new FakeEngine();
    engine.otpLength = 8;
    const html = expectPage(await answer(engine, page()), 401);
    expect(html).toContain('Type the 8-digit code.');
    expect(html).not.toContain('PIN');
  });

  it('escapes hostile values it shows', async () => {
    const engine = new FakeEngine();
    engine.tokenName = '<script>alert(1)</script>';
    engine.sentTo = '"><img src=x onerror=alert(1)>@example.com';
    const html = expectPage(await answer(engine, page({ mountPath: '/b"><script>x</script>' })), 401);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;@example.com');
    expect(html).not.toContain('<img');
    expect(html).toContain('action="/b&quot;&gt;&lt;script&gt;x&lt;/script&gt;/_otp/verify"');
  });

  it('keeps JSON for a client that does not ask for HTML', async () => {
    const res = await answer(new FakeEngine(), { headers: { accept: '*/*' } });
    expect(res.headers['Content-Type']).toBe('application/json; charset=utf-8');
  });
});

describe('returnTo', () => {
  async function verifyAfterVisiting(originalUrl: string, mountPath = '/billing'): Promise<Answer> {
    const engine = new FakeEngine();
    const session: Record<string, unknown> = {};
    await answer(engine, page({ session, originalUrl, mountPath, path: '/x' }));
    return answer(engine, { ...formPost(session, '/_otp/verify', { otp: '123456' }), mountPath });
  }

  it('sends a verified form post back to the page first asked for, with a grant', async () => {
    const engine = new FakeEngine();
    const session: Record<string, unknown> = {};
    await answer(engine, page({ session, originalUrl: '/billing/x?y=1', path: '/x' }));
    expect(guardState(session).returnTo.billing).toBe('/billing/x?y=1');
    const res = await answer(engine, formPost(session, '/_otp/verify', { otp: '123456' }));
    expectPage(res, 303);
    expect(res.headers.Location).toBe('/billing/x?y=1');
    expect(res.grant).toEqual({ resource: 'billing', login: 'alice', until: engine.clock.now() + 28800_000, stamp: FAKE_STAMP, verifiedAt: engine.clock.now() });
    expect(guardState(session).returnTo.billing).toBeUndefined();
  });

  it.each(['//evil.example', 'https://evil.example', '/\\evil', 'javascript:alert(1)', '/x\r\nSet-Cookie: a=b'])(
    'refuses %j and goes to the mount root',
    async (url) => {
      expect((await verifyAfterVisiting(url)).headers.Location).toBe('/billing');
    },
  );

  it('goes to / when mounted at the root with nothing remembered', async () => {
    const res = await answer(new FakeEngine(), { ...formPost({}, '/_otp/verify', { otp: '123456' }), mountPath: '' });
    expect(res.headers.Location).toBe('/');
  });

  it.each([' ', '//evil.example', '/\\evil', 'billing', '/bil ling'])('goes to / when the mount it was handed (%j) is no safe path', async (mountPath) => {
    const res = await answer(new FakeEngine(), { ...formPost({}, '/_otp/verify', { otp: '123456' }), mountPath });
    expect(res.headers.Location).toBe('/');
  });

  it('remembers on GET and HEAD only', async () => {
    const engine = new FakeEngine();
    const session: Record<string, unknown> = {};
    await answer(engine, page({ session, method: 'HEAD', originalUrl: '/billing/h' }));
    expect(guardState(session).returnTo.billing).toBe('/billing/h');
    await answer(engine, page({ session, method: 'POST', originalUrl: '/billing/pay', body: {} }));
    expect(guardState(session).returnTo.billing).toBe('/billing/h');
  });

  it('treats a fetch() form post (Accept */*) as a browser post', async () => {
    const session: Record<string, unknown> = {};
    const res = await answer(new FakeEngine(), { ...formPost(session, '/_otp/verify', { otp: '123456' }), headers: { ...FORM, accept: '*/*' } });
    expect(res.status).toBe(303);
  });

  it('answers a repeated form post of a verified session with the redirect and no new grant', async () => {
    const engine = new FakeEngine();
    const session: Record<string, unknown> = {};
    applyGrant(session, { resource: 'billing', login: 'alice', until: engine.clock.now() + 1000, stamp: FAKE_STAMP });
    const res = await answer(engine, formPost(session, '/_otp/verify', { otp: '123456' }));
    expect(res.status).toBe(303);
    expect(res.grant).toBeUndefined();
  });
});

describe('resend form', () => {
  it('redirects back to the page, which then says a new code is on its way (once)', async () => {
    const engine = new FakeEngine();
    const session: Record<string, unknown> = {};
    await answer(engine, page({ session, originalUrl: '/billing/r', path: '/r' }));
    const res = await answer(engine, formPost(session, '/_otp/resend'));
    expectPage(res, 303);
    expect(res.headers.Location).toBe('/billing/r');
    expect(engine.prepareCalls.at(-1)).toMatchObject({ resend: true });
    const next = expectPage(await answer(engine, page({ session, originalUrl: '/billing/r', path: '/r' })), 401);
    expect(next).toContain('<p class="notice" role="status">A new code is on its way.</p>');
    const again = expectPage(await answer(engine, page({ session, originalUrl: '/billing/r', path: '/r' })), 401);
    expect(again).not.toContain('A new code is on its way.');
  });

  it('sends a resend within the cooldown back to the page, which says it is the cooldown and how long to wait (once)', async () => {
    const engine = new FakeEngine();
    const session: Record<string, unknown> = {};
    await answer(engine, page({ session, originalUrl: '/billing/r', path: '/r' }));
    engine.clock.advanceSeconds(5);
    engine.prepareError = new ProtectimusError('RATE_LIMITED', 'x', { retryAfter: 25, reason: 'cooldown' });
    const res = await answer(engine, formPost(session, '/_otp/resend'));
    expectPage(res, 303);
    expect(res.headers.Location).toBe('/billing/r');
    engine.prepareError = null;
    engine.clock.advanceSeconds(2);
    const html = expectPage(await answer(engine, page({ session, originalUrl: '/billing/r', path: '/r' })), 401);
    expect(html).toContain('role="alert">A code was mailed to you moments ago: check your mail. You can ask for a new code in 23 seconds.</p>');
    expect(html).toContain('You can ask for a new code in 23 seconds. Reload this page then.');
    expect(html).toContain(' disabled ');
    // the open code still works, so the form to type it stays, and it is not what was refused
    expect(html).toContain('name="otp"');
    expect(html).not.toContain('aria-invalid');
    const again = expectPage(await answer(engine, page({ session, originalUrl: '/billing/r', path: '/r' })), 401);
    expect(again).not.toContain('role="alert"');
  });

  it('tells the hourly cap from the cooldown, in minutes, and keeps the button disabled until it ends', async () => {
    const engine = new FakeEngine();
    const session: Record<string, unknown> = {};
    await answer(engine, page({ session }));
    engine.clock.advanceSeconds(40);
    engine.prepareError = new ProtectimusError('RATE_LIMITED', 'x', { retryAfter: 1500, reason: 'hourly_cap' });
    expectPage(await answer(engine, formPost(session, '/_otp/resend')), 303);
    engine.prepareError = null;
    const html = expectPage(await answer(engine, page({ session })), 401);
    expect(html).toContain('role="alert">Too many codes were mailed in the last hour. You can ask for a new code in 25 minutes.</p>');
    expect(html).toContain('You can ask for a new code in 25 minutes. Reload this page then.');
    expect(html).toContain(' disabled ');
  });

  it('answers a script with the reason of the refusal next to Retry-After', async () => {
    const engine = new FakeEngine();
    for (const reason of ['cooldown', 'hourly_cap', 'requests'] as const) {
      engine.prepareError = new ProtectimusError('RATE_LIMITED', 'x', { retryAfter: 25, reason });
      const res = await answer(engine, { method: 'POST', path: '/_otp/resend', headers: { contentType: 'application/json' }, body: {} });
      expect(res.status).toBe(429);
      expect(res.headers['Retry-After']).toBe('25');
      expect(res.body).toBe(`{"error":"rate_limited","retryAfter":25,"reason":"${reason}"}`);
    }
  });
});

describe('refusal pages', () => {
  it('asks to sign in first without a user', async () => {
    const html = expectPage(await answer(new FakeEngine(), page({ login: null })), 401);
    expect(html).toContain('<h1>Sign in first</h1>');
    expect(html).toContain('role="alert">Sign in first, then open this page again.</p>');
    expect(html).not.toContain('<form');
  });

  it('answers a form post without the CSRF token with 403 and a fresh form', async () => {
    const engine = new FakeEngine();
    const session: Record<string, unknown> = {};
    await answer(engine, page({ session }));
    const res = await answer(engine, { ...formPost(session, '/_otp/verify', { otp: '123456' }), body: { otp: '123456' } });
    const html = expectPage(res, 403);
    expect(html).toContain('This form has expired. Type the code again.');
    expect(inputValue(html, '_csrf')).toBe(guardState(session).csrf);
    expect(engine.authenticateCalls).toHaveLength(0);
  });

  it('sends a wrong code back to the page (303), which shows attempts left once, tied to the field', async () => {
    const engine = new FakeEngine();
    const session: Record<string, unknown> = {};
    await answer(engine, page({ session, originalUrl: '/billing/x', path: '/x' }));
    const res = await answer(engine, formPost(session, '/_otp/verify', { otp: '000000' }));
    expectPage(res, 303);
    expect(res.headers.Location).toBe('/billing/x');
    const html = expectPage(await answer(engine, page({ session, originalUrl: '/billing/x', path: '/x' })), 401);
    expect(html).toContain('<p id="otp-error" class="alert" role="alert">That code is not right. 2 attempts left.</p>');
    expect(html).toContain('aria-invalid="true" aria-describedby="otp-error otp-hint">');
    expect(html).toContain('a***e@example.com');
    expect(html).toContain('name="otp"');
    // The page load reused the open code: nothing was mailed.
    expect(engine.prepareCalls).toHaveLength(2);
    expect(engine.prepareCalls.some((c) => c.resend === true)).toBe(false);
    const reload = expectPage(await answer(engine, page({ session, originalUrl: '/billing/x', path: '/x' })), 401);
    expect(reload).not.toContain('role="alert"');
    expect(reload).not.toContain('aria-invalid');
  });

  it('says after a resend that only the latest mail’s code works', async () => {
    const engine = new FakeEngine();
    const session: Record<string, unknown> = {};
    await answer(engine, page({ session }));
    expect(expectPage(await answer(engine, formPost(session, '/_otp/verify', { otp: '000000' })), 303));
    expect(expectPage(await answer(engine, page({ session })), 401)).toContain('That code is not right. 2 attempts left.');
    engine.clock.advanceSeconds(30);
    expectPage(await answer(engine, formPost(session, '/_otp/resend')), 303);
    const sent = expectPage(await answer(engine, page({ session })), 401);
    expect(sent).toContain('A new code is on its way.');
    expect(sent).toContain('Only the code in the latest mail works.');
    expectPage(await answer(engine, formPost(session, '/_otp/verify', { otp: '000000' })), 303);
    const html = expectPage(await answer(engine, page({ session })), 401);
    expect(html).toContain('role="alert">That code is not right. A newer code was sent: only the code in the latest mail works. 2 attempts left.</p>');
    engine.authenticateError = new ProtectimusError('INVALID_OTP', 'x', { attemptsLeft: 0 });
    expectPage(await answer(engine, formPost(session, '/_otp/verify', { otp: '000000' })), 303);
    const used = expectPage(await answer(engine, page({ session })), 401);
    expect(used).toContain('A newer code was sent: only the code in the latest mail works. The latest code is now used up: ask for a new one.');
  });

  it('does not say a newer code was sent before any was', async () => {
    const engine = new FakeEngine();
    const session: Record<string, unknown> = {};
    await answer(engine, page({ session }));
    engine.clock.advanceSeconds(60);
    await answer(engine, page({ session }));
    expectPage(await answer(engine, formPost(session, '/_otp/verify', { otp: '000000' })), 303);
    const html = expectPage(await answer(engine, page({ session })), 401);
    expect(html).not.toContain('newer');
    expect(html).not.toContain('latest mail');
  });

  it('says a used-up code is used up, promises it no minutes, mails nothing behind the user’s back, and offers the resend', async () => {
    const engine = new FakeEngine();
    const session: Record<string, unknown> = {};
    await answer(engine, page({ session }));
    engine.clock.advanceSeconds(10);
    engine.authenticateError = new ProtectimusError('INVALID_OTP', 'x', { attemptsLeft: 0 });
    expectPage(await answer(engine, formPost(session, '/_otp/verify', { otp: '000000' })), 303);
    const html = expectPage(await answer(engine, page({ session })), 401);
    expect(html).toContain('role="alert">That code is not right, and it is now used up. Ask for a new one.</p>');
    expect(html).not.toContain('It expires');
    expect(html).not.toContain('name="otp"');
    expect(html).toContain('You can ask for a new code in 20 seconds.');
    expect(engine.prepareCalls).toHaveLength(1);
  });

  it('does not show another login’s challenge', async () => {
    const engine = new FakeEngine();
    const session: Record<string, unknown> = {};
    engine.sentTo = 'm***y@example.com';
    await answer(engine, page({ session, login: 'mallory' }));
    engine.authenticateError = new ProtectimusError('OTP_EXPIRED', 'x');
    expectPage(await answer(engine, formPost(session, '/_otp/verify', { otp: '000000' })), 303);
    const html = expectPage(await answer(engine, page({ session })), 401);
    expect(html).toContain('That code has expired or was used up.');
    expect(html).not.toContain('m***y@example.com');
  });

  // A refusal of a form post: what the page shows after the 303 (status, sentence, code form).
  const posted: [ErrorCode, object, string, boolean][] = [
    ['INVALID_OTP', { attemptsLeft: 1 }, 'That code is not right. 1 attempt left.', true],
    ['INVALID_OTP', { attemptsLeft: 0 }, 'That code is not right, and it is now used up. Ask for a new one.', false],
    ['OTP_EXPIRED', {}, 'That code has expired or was used up. Ask for a new one.', false],
    ['RATE_LIMITED', { retryAfter: 9 }, 'Too many requests in a short time. Try again in 9 seconds.', true],
    ['INVALID_INPUT', {}, 'That entry could not be read. Type the code again.', true],
    ['DELIVERY_FAILED', {}, 'The code could not be mailed. Try again in a moment.', true],
  ];

  it.each(posted)('verify refused with %s %j -> 303, then the page says "%s"', async (code, details, message, codeForm) => {
    const engine = new FakeEngine();
    const session: Record<string, unknown> = {};
    await answer(engine, page({ session }));
    engine.authenticateError = new ProtectimusError(code, 'internal detail', details);
    const res = await answer(engine, formPost(session, '/_otp/verify', { otp: '123456' }));
    expectPage(res, 303);
    expect(res.headers.Location).toBe('/billing');
    expect(res.grant).toBeUndefined();
    const html = expectPage(await answer(engine, page({ session })), 401);
    expect(html).toContain(message);
    expect(html).toContain('role="alert"');
    expect(html).not.toContain('internal detail');
    expect(html.includes('name="otp"')).toBe(codeForm);
  });

  // Refusals only someone else can lift: the page after the 303 meets them too, and says so.
  const deadEnds: [ErrorCode, object, number, string][] = [
    ['BLOCKED', { retryAfter: 290 }, 403, 'Too many wrong codes: sign-in is blocked. Try again in 5 minutes.'],
    ['BLOCKED', { retryAfter: 30 }, 403, 'Try again in 1 minute.'],
    ['BLOCKED', {}, 403, 'Sign-in with your token is blocked. Ask your administrator to unblock it.'],
    ['NOT_ASSIGNED', {}, 403, 'Your account has no token for this area. Ask your administrator to assign one.'],
    ['NOT_FOUND', {}, 403, 'Your account has no token for this area.'],
    ['ACCESS_RESTRICTED', {}, 403, 'This area cannot be opened from your network.'],
    // Outside the time windows (the fake clock reads 2026-01-01 12:00 UTC, 14:00 in Kyiv).
    ['ACCESS_RESTRICTED', { opensAt: '2026-01-01T12:45:00.000Z', timeZone: 'Europe/Kyiv' }, 403, 'This area is closed at this time. It opens Thursday, January 1 at 2:45 PM GMT+2 (in 45 minutes).'],
    ['ACCESS_RESTRICTED', { opensAt: '2026-01-05T06:00:00.000Z', timeZone: 'America/New_York' }, 403, 'It opens Monday, January 5 at 1:00 AM EST (in 4 days).'],
    ['ACCESS_RESTRICTED', { opensAt: null, timeZone: 'UTC' }, 403, 'This area is closed at this time, and no opening is scheduled. Ask your administrator.'],
  ];

  it.each(deadEnds)('verify refused with %s %j -> 303, then the page load -> %i "%s", no form, a way back', async (code, details, status, message) => {
    const engine = new FakeEngine();
    const session: Record<string, unknown> = {};
    await answer(engine, page({ session }));
    engine.authenticateError = new ProtectimusError(code, 'internal detail', details);
    expectPage(await answer(engine, formPost(session, '/_otp/verify', { otp: '123456' })), 303);
    engine.prepareError = engine.authenticateError;
    const html = expectPage(await answer(engine, page({ session })), status);
    expect(html).toContain(message);
    expect(html).not.toContain('<form');
    expect(html).toContain('<a href="/">Back to the site</a>');
  });

  it('shows no stale refusal once the page load gets past it (a lock that ended)', async () => {
    const engine = new FakeEngine();
    const session: Record<string, unknown> = {};
    await answer(engine, page({ session }));
    engine.authenticateError = new ProtectimusError('BLOCKED', 'x', { retryAfter: 290 });
    expectPage(await answer(engine, formPost(session, '/_otp/verify', { otp: '123456' })), 303);
    const html = expectPage(await answer(engine, page({ session })), 401);
    expect(html).not.toContain('role="alert"');
  });

  it('answers an outage of a form post where it happened: 503, closed, no redirect', async () => {
    const engine = new FakeEngine();
    const session: Record<string, unknown> = {};
    await answer(engine, page({ session }));
    engine.authenticateError = new ProtectimusError('STORE_UNAVAILABLE', 'internal detail');
    const html = expectPage(await answer(engine, formPost(session, '/_otp/verify', { otp: '123456' })), 503);
    expect(html).toContain('The service is unavailable right now. Try again in a moment.');
    expect(html).not.toContain('internal detail');
  });

  const codes: [ErrorCode, object, number, string][] = [
    ...deadEnds,
    ['RATE_LIMITED', { retryAfter: 9 }, 429, 'Too many requests in a short time. Try again in 9 seconds.'],
    ['RATE_LIMITED', { retryAfter: 9, reason: 'hourly_cap' }, 429, 'Too many codes were mailed in the last hour. You can ask for a new code in 9 seconds.'],
    ['INVALID_INPUT', {}, 400, 'That entry could not be read. Type the code again.'],
    ['DELIVERY_FAILED', {}, 502, 'The code could not be mailed. Try again in a moment.'],
    ['STORE_UNAVAILABLE', {}, 503, 'The service is unavailable right now. Try again in a moment.'],
  ];

  it.each(codes)(
    'page load refused with %s %j -> %i, no code form',
    async (code, details, status, message) => {
      const engine = new FakeEngine();
      engine.prepareError = new ProtectimusError(code, 'internal detail', details);
      const html = expectPage(await answer(engine, page()), status);
      expect(html).toContain(message);
      expect(html).not.toContain('name="otp"');
    },
  );

  it('offers a new code when the mail could not be sent, and nothing to do when blocked', async () => {
    const engine = new FakeEngine();
    engine.prepareError = new ProtectimusError('DELIVERY_FAILED', 'x');
    expect(expectPage(await answer(engine, page()), 502)).toContain('Send a new code');
    engine.prepareError = new ProtectimusError('BLOCKED', 'x');
    expect(expectPage(await answer(engine, page()), 403)).not.toContain('<form');
  });

  it('shows a page, not a stack, on an unexpected error', async () => {
    const engine = new FakeEngine();
    engine.prepareError = new Error('ECONNREFUSED 10.0.0.5:6379');
    const html = expectPage(await answer(engine, page()), 503);
    expect(html).toContain('Service unavailable');
    expect(html).not.toContain('ECONNREFUSED');
  });
});
