import { checkCsrf, csrfToken } from '../src/web/request';
import { safeReturnTo } from '../src/web/request';
import { carrySession } from '../src/guard/session';
import { applyGrant, guardState, verifiedEntry } from '../src/guard/session';

describe('safeReturnTo', () => {
  it.each(['/', '/billing', '/billing/x?y=1', '/billing/x?next=%2F%2Fevil#frag', '/a/b/../c', '/%E2%82%AC'])('keeps %j', (url) => {
    expect(safeReturnTo(url)).toBe(url);
  });

  it.each([
    '//evil.example',
    '//evil.example/path',
    'https://evil.example',
    'http:/evil.example',
    '/\\evil',
    '/\\\\evil.example',
    '/foo\\bar',
    'javascript:alert(1)',
    ' /billing',
    '/billing\r\nSet-Cookie: x=1',
    '/billing\tx',
    '/bil ling',
    '/€',
    'billing',
    '',
    '/' + 'a'.repeat(2048),
  ])('refuses %j', (url) => {
    expect(safeReturnTo(url)).toBeNull();
  });

  it('refuses what is not a string', () => {
    expect(safeReturnTo(undefined)).toBeNull();
    expect(safeReturnTo(['/x'])).toBeNull();
  });
});

describe('csrf', () => {
  it('makes one 32-byte token per session and checks it', () => {
    const session: Record<string, unknown> = {};
    const token = csrfToken(session);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(csrfToken(session)).toBe(token);
    expect(checkCsrf(session, token)).toBe(true);
    expect(csrfToken({})).not.toBe(token);
  });

  it.each([undefined, '', 'x', ['t'], 42])('refuses %j', (given) => {
    const session: Record<string, unknown> = {};
    csrfToken(session);
    expect(checkCsrf(session, given)).toBe(false);
  });

  it('refuses anything when the session has no token yet', () => {
    expect(checkCsrf({}, '')).toBe(false);
    expect(checkCsrf({}, 'undefined')).toBe(false);
  });

  it('refuses a token of another session', () => {
    const a: Record<string, unknown> = {};
    const b: Record<string, unknown> = {};
    csrfToken(b);
    expect(checkCsrf(b, csrfToken(a))).toBe(false);
  });
});

describe('session state', () => {
  const now = Date.UTC(2026, 0, 1);

  it('applies a grant under session.protectimus, keeping the rest and dropping the CSRF token', () => {
    const session: Record<string, unknown> = { passport: { user: 'alice' } };
    const csrf = csrfToken(session);
    applyGrant(session, { resource: 'billing', login: 'alice', until: now + 1000, stamp: 'st' });
    expect(session.passport).toEqual({ user: 'alice' });
    expect(guardState(session).verified.billing).toEqual({ login: 'alice', until: now + 1000, stamp: 'st' });
    expect(verifiedEntry(session, 'billing', 'alice', now)).toEqual({ login: 'alice', until: now + 1000, stamp: 'st' });
    expect(csrfToken(session)).not.toBe(csrf);
  });

  it('treats another login or an ended verification as none, and forgets it', () => {
    const session: Record<string, unknown> = {};
    applyGrant(session, { resource: 'billing', login: 'alice', until: now + 1000, stamp: 'st' });
    expect(verifiedEntry(session, 'billing', 'mallory', now)).toBeNull();
    expect(guardState(session).verified.billing).toBeUndefined();

    applyGrant(session, { resource: 'billing', login: 'alice', until: now + 1000, stamp: 'st' });
    expect(verifiedEntry(session, 'billing', 'alice', now + 1000)).toBeNull();
    expect(verifiedEntry(session, 'other', 'alice', now)).toBeNull();
  });

  it('treats a verification without a stamp (granted before stamps existed) as none, and forgets it', () => {
    const session: Record<string, unknown> = { protectimus: { verified: { billing: { login: 'alice', until: now + 1000 } } } };
    expect(verifiedEntry(session, 'billing', 'alice', now)).toBeNull();
    expect(guardState(session).verified.billing).toBeUndefined();
    const odd: Record<string, unknown> = { protectimus: { verified: { billing: { login: 'alice', until: now + 1000, stamp: 7 } } } };
    expect(verifiedEntry(odd, 'billing', 'alice', now)).toBeNull();
  });

  it('survives a JSON round trip and repairs a damaged state', () => {
    const session: Record<string, unknown> = {};
    applyGrant(session, { resource: 'billing', login: 'alice', until: now + 1000, stamp: 'st' });
    const back = JSON.parse(JSON.stringify(session)) as Record<string, unknown>;
    expect(verifiedEntry(back, 'billing', 'alice', now)).not.toBeNull();

    const broken: Record<string, unknown> = { protectimus: { verified: 'yes', csrf: 7, returnTo: [] } };
    expect(verifiedEntry(broken, 'billing', 'alice', now)).toBeNull();
    expect(guardState(broken)).toMatchObject({ verified: {}, returnTo: {}, pending: {}, notice: {} });
    expect(guardState(broken).csrf).toBeUndefined();
  });

  it('keeps a resource named like an Object.prototype key as plain data', () => {
    const session: Record<string, unknown> = {};
    expect(verifiedEntry(session, 'constructor', 'alice', now)).toBeNull();
    expect(verifiedEntry(session, 'toString', 'alice', now)).toBeNull();
    applyGrant(session, { resource: '__proto__', login: 'alice', until: now + 1000, stamp: 'st' });
    expect(verifiedEntry(session, '__proto__', 'alice', now)).not.toBeNull();
    expect(Object.getPrototypeOf(guardState(session).verified)).toBe(Object.prototype);
  });
});

describe('carrySession', () => {
  it('copies everything but the cookie', () => {
    const old = { cookie: { maxAge: 1 }, passport: { user: 'alice' }, protectimus: { csrf: 'x' }, cart: [1] };
    const fresh: Record<string, unknown> = { cookie: { maxAge: 2 } };
    carrySession(old, fresh);
    expect(fresh).toEqual({ cookie: { maxAge: 2 }, passport: { user: 'alice' }, protectimus: { csrf: 'x' }, cart: [1] });
  });
});
