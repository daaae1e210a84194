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
      `default-src 'none'; style-src 'sha256-${hash}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
    );
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain('<html lang="en">');
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
    expect(html).toContain('Send a new code</button>');
    expect(html).toContain('You can ask for a new code in 30 s.');
    expect(html).toContain('It works for 5 more minutes.');
    expect(html).not.toContain('role="alert"');
  });

  it('counts the resend wait down with the clock', async () => {
    const engine = new FakeEngine();
    const session: Record<string, unknown> = {};
    await answer(engine, page({ session }));
    engine.clock.advanceSeconds(12);
    const html = expectPage(await answer(engine, formPost(session, '/_otp/verify', { otp: '000000' })), 401);
    expect(html).toContain('You can ask for a new code in 18 s.');
    engine.clock.advanceSeconds(18);
    const later = expectPage(await answer(engine, formPost(session, '/_otp/verify', { otp: '000000' })), 401);
    expect(later).toContain('No mail? You can ask for a new code now.');
  });

  it('still works when the session knows nothing of the challenge', async () => {
    const html = expectPage(await answer(new FakeEngine(), formPost({}, '/_otp/verify', { otp: '000000' })), 401);
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
    expect(res.grant).toEqual({ resource: 'billing', login: 'alice', until: engine.clock.now() + 28800_000, stamp: FAKE_STAMP });
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

  it('shows the wait when a resend comes too soon, with Retry-After', async () => {
    const engine = new FakeEngine();
    const session: Record<string, unknown> = {};
    await answer(engine, page({ session }));
    engine.prepareError = new ProtectimusError('RATE_LIMITED', 'x', { retryAfter: 25 });
    const res = await answer(engine, formPost(session, '/_otp/resend'));
    const html = expectPage(res, 429);
    expect(res.headers['Retry-After']).toBe('25');
    expect(html).toContain('role="alert">Too many codes asked for. You can ask for a new code in 25 s.</p>');
    // the open code still works, so the form to type it stays
    expect(html).toContain('name="otp"');
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

  it('shows attempts left after a wrong code, keeping what it knows of the challenge', async () => {
    const engine = new FakeEngine();
    const session: Record<string, unknown> = {};
    await answer(engine, page({ session }));
    const html = expectPage(await answer(engine, formPost(session, '/_otp/verify', { otp: '000000' })), 401);
    expect(html).toContain('role="alert">That code is not right. 2 attempts left.</p>');
    expect(html).toContain('a***e@example.com');
    expect(html).toContain('name="otp"');
    expect(engine.prepareCalls).toHaveLength(1);
  });

  it('does not show another login’s challenge', async () => {
    const engine = new FakeEngine();
    const session: Record<string, unknown> = {};
    engine.sentTo = 'm***y@example.com';
    await answer(engine, page({ session, login: 'mallory' }));
    const html = expectPage(await answer(engine, formPost(session, '/_otp/verify', { otp: '000000' })), 401);
    expect(html).not.toContain('m***y@example.com');
  });

  const codes: [ErrorCode, object, number, string, boolean][] = [
    ['INVALID_OTP', { attemptsLeft: 1 }, 401, 'That code is not right. 1 attempt left.', true],
    ['INVALID_OTP', { attemptsLeft: 0 }, 401, 'That code is not right, and it is now used up. Ask for a new one.', false],
    ['OTP_EXPIRED', {}, 401, 'That code has expired or was used up. Ask for a new one.', false],
    ['BLOCKED', { retryAfter: 290 }, 403, 'Too many wrong codes: sign-in is blocked. Try again in 5 minutes.', false],
    ['BLOCKED', { retryAfter: 30 }, 403, 'Try again in 1 minute.', false],
    ['BLOCKED', {}, 403, 'Sign-in with your token is blocked. Ask your administrator to unblock it.', false],
    ['NOT_ASSIGNED', {}, 403, 'Your account has no token for this area. Ask your administrator to assign one.', false],
    ['NOT_FOUND', {}, 403, 'Your account has no token for this area.', false],
    ['ACCESS_RESTRICTED', {}, 403, 'This area cannot be opened from your network.', false],
    ['RATE_LIMITED', { retryAfter: 9 }, 429, 'You can ask for a new code in 9 s.', true],
    ['INVALID_INPUT', {}, 400, 'That entry could not be read. Type the code again.', true],
    ['DELIVERY_FAILED', {}, 502, 'The code could not be mailed. Try again in a moment.', false],
    ['STORE_UNAVAILABLE', {}, 503, 'The service is unavailable right now. Try again in a moment.', false],
  ];

  it.each(codes)('verify refused with %s %j -> %i "%s"', async (code, details, status, message, codeForm) => {
    const engine = new FakeEngine();
    const session: Record<string, unknown> = {};
    await answer(engine, page({ session }));
    engine.authenticateError = new ProtectimusError(code, 'internal detail', details);
    const res = await answer(engine, formPost(session, '/_otp/verify', { otp: '123456' }));
    const html = expectPage(res, status);
    expect(html).toContain(message);
    expect(html).toContain('role="alert"');
    expect(html).not.toContain('internal detail');
    expect(html.includes('name="otp"')).toBe(codeForm);
    expect(res.grant).toBeUndefined();
  });

  it.each(codes.filter(([code]) => !['INVALID_OTP', 'OTP_EXPIRED'].includes(code)))(
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
