import { ProtectimusError } from '../src/errors';
import type { ErrorCode } from '../src/errors';
import { csrfToken } from '../src/web/request';
import { handleGuard } from '../src/guard/protocol';
import { applyGrant, guardState } from '../src/guard/session';
import { FAKE_STAMP, FakeEngine } from './support/fake-engine';
import { guardRequest } from './support/guard-request';
import { answer, bodyOf } from './support/guard-run';

const JSON_POST = { method: 'POST', headers: { accept: 'application/json', contentType: 'application/json' } };
const verifyPost = (body: unknown) => ({ ...JSON_POST, path: '/_otp/verify', originalUrl: '/billing/_otp/verify', body });
const resendPost = (body: unknown = {}) => ({ ...JSON_POST, path: '/_otp/resend', originalUrl: '/billing/_otp/resend', body });

describe('guard: passing', () => {
  it('passes a session verified for this resource and login', async () => {
    const engine = new FakeEngine();
    const session: Record<string, unknown> = {};
    applyGrant(session, { resource: 'billing', login: 'alice', until: engine.clock.now() + 60_000, stamp: FAKE_STAMP });
    expect(await handleGuard(engine, { resource: 'billing' }, guardRequest({ session }))).toEqual({ action: 'next' });
    expect(engine.prepareCalls).toHaveLength(0);
  });

  it('stops passing once verifiedFor has run out', async () => {
    const engine = new FakeEngine();
    const session: Record<string, unknown> = {};
    applyGrant(session, { resource: 'billing', login: 'alice', until: engine.clock.now() + 60_000, stamp: FAKE_STAMP });
    engine.clock.advanceSeconds(59);
    expect((await handleGuard(engine, { resource: 'billing' }, guardRequest({ session }))).action).toBe('next');
    engine.clock.advanceSeconds(1);
    const res = await answer(engine, { session });
    expect(res.status).toBe(401);
    expect(bodyOf(res).error).toBe('otp_required');
  });

  it('does not pass a session verified for another login', async () => {
    const engine = new FakeEngine();
    const session: Record<string, unknown> = {};
    applyGrant(session, { resource: 'billing', login: 'mallory', until: engine.clock.now() + 60_000, stamp: FAKE_STAMP });
    const res = await answer(engine, { session });
    expect(bodyOf(res).error).toBe('otp_required');
    expect(engine.prepareCalls[0]?.login).toBe('alice');
  });

  it('does not pass a session the directory no longer grants: drops it and asks for a code', async () => {
    const engine = new FakeEngine();
    const session: Record<string, unknown> = {};
    applyGrant(session, { resource: 'billing', login: 'alice', until: engine.clock.now() + 60_000, stamp: FAKE_STAMP });
    engine.granted = false;
    expect(bodyOf(await answer(engine, { session })).error).toBe('otp_required');
    expect(guardState(session).verified.billing).toBeUndefined();
    // Granted again in the directory, the dropped verification does not come back.
    engine.granted = true;
    expect(bodyOf(await answer(engine, { session })).error).toBe('otp_required');
  });

  it('does not pass a session whose stamp is not the directory\'s', async () => {
    const engine = new FakeEngine();
    const session: Record<string, unknown> = {};
    applyGrant(session, { resource: 'billing', login: 'alice', until: engine.clock.now() + 60_000, stamp: 'an-older-stamp' });
    expect(bodyOf(await answer(engine, { session })).error).toBe('otp_required');
  });

  it('asks the store when the engine cannot tell at once, and decides by its answer', async () => {
    const engine = new FakeEngine();
    engine.knows = false;
    const session: Record<string, unknown> = {};
    applyGrant(session, { resource: 'billing', login: 'alice', until: engine.clock.now() + 60_000, stamp: FAKE_STAMP });
    expect(await handleGuard(engine, { resource: 'billing' }, guardRequest({ session }))).toEqual({ action: 'next' });
    expect(engine.confirmCalls).toEqual([FAKE_STAMP]);
    engine.granted = false;
    expect(bodyOf(await answer(engine, { session })).error).toBe('otp_required');
    expect(engine.confirmCalls).toHaveLength(2);
  });

  it('answers 503 (never a pass) when the store cannot confirm a verified session', async () => {
    const engine = new FakeEngine();
    engine.knows = false;
    jest.spyOn(engine, 'confirmGrant').mockRejectedValue(new ProtectimusError('STORE_UNAVAILABLE', 'down'));
    const session: Record<string, unknown> = {};
    applyGrant(session, { resource: 'billing', login: 'alice', until: engine.clock.now() + 60_000, stamp: FAKE_STAMP });
    const res = await answer(engine, { session });
    expect(res.status).toBe(503);
    expect(bodyOf(res)).toEqual({ error: 'unavailable' });
  });

  it('does not pass a session verified for another resource', async () => {
    const engine = new FakeEngine();
    const session: Record<string, unknown> = {};
    applyGrant(session, { resource: 'payroll', login: 'alice', until: engine.clock.now() + 60_000, stamp: FAKE_STAMP });
    expect(bodyOf(await answer(engine, { session })).error).toBe('otp_required');
  });
});

describe('guard: asking for a code', () => {
  it('answers 401 unauthenticated without a first-factor user', async () => {
    for (const login of [null, '']) {
      const engine = new FakeEngine();
      const res = await answer(engine, { login });
      expect(res.status).toBe(401);
      expect(bodyOf(res)).toEqual({ error: 'unauthenticated' });
      expect(engine.prepareCalls).toHaveLength(0);
    }
  });

  it('also on the verify and resend URLs', async () => {
    const engine = new FakeEngine();
    expect(bodyOf(await answer(engine, { ...verifyPost({ otp: '123456' }), login: null }))).toEqual({ error: 'unauthenticated' });
    expect(bodyOf(await answer(engine, { ...resendPost(), login: null }))).toEqual({ error: 'unauthenticated' });
    expect(engine.authenticateCalls).toHaveLength(0);
  });

  it('prepares a code and answers 401 otp_required with what the client needs', async () => {
    const engine = new FakeEngine();
    engine.pin = 'before';
    const res = await answer(engine);
    expect(res.status).toBe(401);
    expect(res.headers['Cache-Control']).toBe('no-store');
    const now = engine.clock.now();
    expect(bodyOf(res)).toEqual({
      error: 'otp_required',
      resource: 'billing',
      sentTo: 'a***e@example.com',
      otpLength: 6,
      pin: 'before',
      expiresAt: new Date(now + 300_000).toISOString(),
      resendAfter: new Date(now + 30_000).toISOString(),
      verifyUrl: '/billing/_otp/verify',
      resendUrl: '/billing/_otp/resend',
    });
    expect(engine.prepareCalls).toEqual([{ resource: 'billing', login: 'alice', ip: '203.0.113.7', locale: 'en' }]);
  });

  it('builds the URLs from an empty or slash mount', async () => {
    for (const mountPath of ['', '/']) {
      const body = bodyOf(await answer(new FakeEngine(), { mountPath, originalUrl: '/x', path: '/x' }));
      expect(body.verifyUrl).toBe('/_otp/verify');
      expect(body.resendUrl).toBe('/_otp/resend');
    }
  });

  it('guards every method on protected paths', async () => {
    const res = await answer(new FakeEngine(), { method: 'POST', path: '/pay', body: { amount: 1 } });
    expect(bodyOf(res).error).toBe('otp_required');
  });

  it('does not remember returnTo for JSON clients', async () => {
    const session: Record<string, unknown> = {};
    await answer(new FakeEngine(), { session, originalUrl: '/billing/x?y=1', path: '/x' });
    expect(guardState(session).returnTo).toEqual({});
  });

  it('does not read the body of a protected page', async () => {
    const readRawBody = jest.fn(async () => '');
    await answer(new FakeEngine(), { method: 'POST', path: '/pay', readRawBody });
    expect(readRawBody).not.toHaveBeenCalled();
  });
});

describe('guard: verify', () => {
  it('answers 200 with verifiedUntil and a grant for verifiedFor (default 8 h)', async () => {
    const engine = new FakeEngine();
    const res = await answer(engine, verifyPost({ otp: '123456' }));
    const until = engine.clock.now() + 28800 * 1000;
    expect(res.status).toBe(200);
    expect(bodyOf(res)).toEqual({ ok: true, resource: 'billing', verifiedUntil: new Date(until).toISOString() });
    expect(res.grant).toEqual({ resource: 'billing', login: 'alice', until, stamp: FAKE_STAMP, verifiedAt: engine.clock.now() });
    expect(engine.authenticateCalls).toEqual([{ resource: 'billing', login: 'alice', otp: '123456', ip: '203.0.113.7' }]);
  });

  it('honours verifiedFor, and the grant then passes until it ends', async () => {
    const engine = new FakeEngine();
    const session: Record<string, unknown> = {};
    const res = await answer(engine, { ...verifyPost({ otp: '123456' }), session }, { verifiedFor: 60 });
    expect(res.grant?.until).toBe(engine.clock.now() + 60_000);
    if (res.grant) applyGrant(session, res.grant);
    const page = { session, method: 'GET', path: '/', body: undefined };
    expect((await handleGuard(engine, { resource: 'billing', verifiedFor: 60 }, guardRequest(page))).action).toBe('next');
    engine.clock.advanceSeconds(60);
    expect((await handleGuard(engine, { resource: 'billing', verifiedFor: 60 }, guardRequest(page))).action).toBe('respond');
  });

  it('spends the posted code when the verification in the session is no longer granted', async () => {
    const engine = new FakeEngine();
    const session: Record<string, unknown> = {};
    applyGrant(session, { resource: 'billing', login: 'alice', until: engine.clock.now() + 1000, stamp: 'an-older-stamp' });
    const res = await answer(engine, { ...verifyPost({ otp: '123456' }), session });
    expect(res.status).toBe(200);
    expect(res.grant).toMatchObject({ resource: 'billing', login: 'alice', stamp: FAKE_STAMP });
    expect(engine.authenticateCalls).toHaveLength(1);
  });

  it('answers a repeated post of an already verified session without spending a code', async () => {
    const engine = new FakeEngine();
    const session: Record<string, unknown> = {};
    const until = engine.clock.now() + 1000;
    applyGrant(session, { resource: 'billing', login: 'alice', until, stamp: FAKE_STAMP });
    const res = await answer(engine, { ...verifyPost({ otp: 'whatever' }), session });
    expect(res.status).toBe(200);
    expect(bodyOf(res).verifiedUntil).toBe(new Date(until).toISOString());
    expect(res.grant).toBeUndefined();
    expect(engine.authenticateCalls).toHaveLength(0);
  });

  it('answers 401 invalid_otp with attemptsLeft for a wrong code', async () => {
    const res = await answer(new FakeEngine(), verifyPost({ otp: '000000' }));
    expect(res.status).toBe(401);
    expect(bodyOf(res)).toEqual({ error: 'invalid_otp', attemptsLeft: 2 });
    expect(res.grant).toBeUndefined();
  });

  it('reads a raw JSON body through readRawBody when the app had no parser', async () => {
    const engine = new FakeEngine();
    const res = await answer(engine, { ...verifyPost(undefined), readRawBody: async () => '{"otp":"123456"}' });
    expect(res.status).toBe(200);
  });

  it('accepts an otp of exactly 64 characters and hands it on as typed', async () => {
    const engine = new FakeEngine();
    await answer(engine, verifyPost({ otp: ' '.repeat(58) + '123456' }));
    expect(engine.authenticateCalls[0]?.otp).toHaveLength(64);
  });

  it.each([
    ['a number', { otp: 123456 }],
    ['missing', {}],
    ['null', { otp: null }],
    ['an array', { otp: ['123456'] }],
    ['an object', { otp: { $gt: '' } }],
    ['over 64 chars', { otp: '1'.repeat(65) }],
    ['a string body', '123456'],
    ['an array body', [{ otp: '123456' }]],
    ['a Buffer body', Buffer.from('{"otp":"123456"}')],
    ['no body', undefined],
  ])('answers 400 invalid_input when the otp is %s', async (_label, body) => {
    const engine = new FakeEngine();
    const res = await answer(engine, verifyPost(body));
    expect(res.status).toBe(400);
    expect(bodyOf(res)).toEqual({ error: 'invalid_input' });
    expect(engine.authenticateCalls).toHaveLength(0);
  });

  it('answers 400 for a raw body that does not parse or is too large', async () => {
    const bad = await answer(new FakeEngine(), { ...verifyPost(undefined), readRawBody: async () => '{"otp":' });
    expect(bodyOf(bad)).toEqual({ error: 'invalid_input' });
    const tooBig = await answer(new FakeEngine(), {
      ...verifyPost(undefined),
      readRawBody: async () => {
        throw new ProtectimusError('INVALID_INPUT', 'body too large', { field: 'body' });
      },
    });
    expect(tooBig.status).toBe(400);
  });
});

describe('guard: resend', () => {
  it('answers 202 otp_sent after a resend', async () => {
    const engine = new FakeEngine();
    const res = await answer(engine, resendPost());
    expect(res.status).toBe(202);
    const body = bodyOf(res);
    expect(body).toMatchObject({ status: 'otp_sent', resource: 'billing', sentTo: 'a***e@example.com', otpLength: 6, pin: null });
    expect(body.verifyUrl).toBe('/billing/_otp/verify');
    expect(engine.prepareCalls).toEqual([{ resource: 'billing', login: 'alice', ip: '203.0.113.7', resend: true, locale: 'en' }]);
  });

  it('answers 429 with Retry-After when too soon', async () => {
    const engine = new FakeEngine();
    engine.prepareError = new ProtectimusError('RATE_LIMITED', 'too soon', { retryAfter: 17, reason: 'cooldown' });
    const res = await answer(engine, resendPost());
    expect(res.status).toBe(429);
    expect(res.headers['Retry-After']).toBe('17');
    expect(bodyOf(res)).toEqual({ error: 'rate_limited', retryAfter: 17, reason: 'cooldown' });
  });

  it('answers 400 for a body that is not an object', async () => {
    expect((await answer(new FakeEngine(), resendPost('x'))).status).toBe(400);
  });
});

describe('guard: only POST on its own URLs', () => {
  it.each([
    ['GET', '/_otp/verify'],
    ['HEAD', '/_otp/verify'],
    ['PUT', '/_otp/verify'],
    ['GET', '/_otp/resend'],
    ['delete', '/_otp/resend'],
  ])('%s %s -> 405 with Allow: POST', async (method, path) => {
    const engine = new FakeEngine();
    const res = await answer(engine, { method, path, headers: { accept: 'text/html' } });
    expect(res.status).toBe(405);
    expect(res.headers.Allow).toBe('POST');
    expect(res.headers['Cache-Control']).toBe('no-store');
    expect(bodyOf(res)).toEqual({ error: 'method_not_allowed' });
    expect(engine.prepareCalls).toHaveLength(0);
  });

  it('takes a lower-case post', async () => {
    expect((await answer(new FakeEngine(), { ...verifyPost({ otp: '123456' }), method: 'post' })).status).toBe(200);
  });
});

describe('guard: CSRF', () => {
  const form = (session: Record<string, unknown>, body: unknown) => ({
    method: 'POST',
    path: '/_otp/verify',
    headers: { accept: 'application/json', contentType: 'application/x-www-form-urlencoded' },
    session,
    body,
  });

  it('refuses a form post without the token or with a wrong one', async () => {
    for (const body of [{ otp: '123456' }, { otp: '123456', _csrf: 'nope' }]) {
      const session: Record<string, unknown> = {};
      csrfToken(session);
      const engine = new FakeEngine();
      const res = await answer(engine, form(session, body));
      expect(res.status).toBe(403);
      expect(bodyOf(res)).toEqual({ error: 'csrf_failed' });
      expect(engine.authenticateCalls).toHaveLength(0);
    }
  });

  it('refuses a form post to a session that never got a token', async () => {
    const res = await answer(new FakeEngine(), form({}, { otp: '123456', _csrf: '' }));
    expect(res.status).toBe(403);
  });

  it('accepts a form post with the session token', async () => {
    const session: Record<string, unknown> = {};
    const res = await answer(new FakeEngine(), form(session, { otp: '123456', _csrf: csrfToken(session) }));
    expect(res.status).toBe(200);
  });

  it('wants the token for any type but JSON, and from resend posts too', async () => {
    for (const contentType of ['text/plain', 'multipart/form-data; boundary=x', undefined]) {
      const res = await answer(new FakeEngine(), { ...verifyPost({ otp: '123456' }), headers: { accept: 'application/json', contentType } });
      expect(res.status).toBe(403);
    }
    const resend = await answer(new FakeEngine(), { ...resendPost(), headers: { accept: 'application/json', contentType: 'application/x-www-form-urlencoded' } });
    expect(bodyOf(resend)).toEqual({ error: 'csrf_failed' });
  });

  it('wants no token from a JSON post', async () => {
    const res = await answer(new FakeEngine(), verifyPost({ otp: '123456' }));
    expect(res.status).toBe(200);
  });
});

describe('guard: refusals by error code', () => {
  const cases: [ErrorCode, object, number, Record<string, unknown>][] = [
    ['INVALID_OTP', { attemptsLeft: 0 }, 401, { error: 'invalid_otp', attemptsLeft: 0 }],
    ['OTP_EXPIRED', {}, 401, { error: 'otp_expired' }],
    ['BLOCKED', { retryAfter: 300 }, 403, { error: 'blocked', retryAfter: 300 }],
    ['BLOCKED', {}, 403, { error: 'blocked' }],
    ['NOT_ASSIGNED', {}, 403, { error: 'not_assigned' }],
    ['NOT_FOUND', {}, 403, { error: 'not_assigned' }],
    ['ACCESS_RESTRICTED', {}, 403, { error: 'access_restricted' }],
    ['ACCESS_RESTRICTED', { opensAt: '2026-01-05T06:00:00.000Z', timeZone: 'Europe/Kyiv' }, 403, { error: 'access_restricted', opensAt: '2026-01-05T06:00:00.000Z', timeZone: 'Europe/Kyiv' }],
    ['ACCESS_RESTRICTED', { opensAt: null, timeZone: 'UTC' }, 403, { error: 'access_restricted', opensAt: null, timeZone: 'UTC' }],
    ['RATE_LIMITED', { retryAfter: 12 }, 429, { error: 'rate_limited', retryAfter: 12, reason: 'requests' }],
    ['RATE_LIMITED', { retryAfter: 12, reason: 'hourly_cap' }, 429, { error: 'rate_limited', retryAfter: 12, reason: 'hourly_cap' }],
    ['INVALID_INPUT', { field: 'login' }, 400, { error: 'invalid_input' }],
    ['DELIVERY_FAILED', {}, 502, { error: 'delivery_failed' }],
    ['STORE_UNAVAILABLE', {}, 503, { error: 'unavailable' }],
    ['ALREADY_EXISTS', {}, 503, { error: 'unavailable' }],
  ];

  it.each(cases)('prepare throwing %s %j -> %i %j', async (code, details, status, body) => {
    const engine = new FakeEngine();
    engine.prepareError = new ProtectimusError(code, 'secret detail 123456', details);
    const res = await answer(engine);
    expect(res.status).toBe(status);
    expect(bodyOf(res)).toEqual(body);
    expect(res.body).not.toContain('secret detail');
  });

  it.each(cases)('authenticate throwing %s %j -> %i %j', async (code, details, status, body) => {
    const engine = new FakeEngine();
    engine.authenticateError = new ProtectimusError(code, 'secret detail', details);
    const res = await answer(engine, verifyPost({ otp: '123456' }));
    expect(res.status).toBe(status);
    expect(bodyOf(res)).toEqual(body);
    expect(res.grant).toBeUndefined();
  });

  it('sends Retry-After only with 429', async () => {
    const engine = new FakeEngine();
    engine.prepareError = new ProtectimusError('BLOCKED', 'x', { retryAfter: 60 });
    expect((await answer(engine)).headers['Retry-After']).toBeUndefined();
  });

  it('fails closed with 503 on an unexpected error, and reports it', async () => {
    const engine = new FakeEngine();
    const boom = new TypeError('Cannot read properties of undefined (at /srv/app/secret.js:1)');
    engine.authenticateError = boom;
    const onError = jest.fn();
    const res = await answer(engine, verifyPost({ otp: '123456' }), { onError });
    expect(res.status).toBe(503);
    expect(bodyOf(res)).toEqual({ error: 'unavailable' });
    expect(res.body).not.toContain('secret.js');
    expect(res.grant).toBeUndefined();
    expect(onError).toHaveBeenCalledWith(boom);
  });

  it('reports outages (store, mail) to the operator but not the refusals a user causes', async () => {
    const engine = new FakeEngine();
    const onError = jest.fn();
    engine.prepareError = new ProtectimusError('RATE_LIMITED', 'wait', { retryAfter: 5 });
    await answer(engine, {}, { onError });
    engine.prepareError = new ProtectimusError('BLOCKED', 'blocked');
    await answer(engine, {}, { onError });
    expect(onError).not.toHaveBeenCalled();
    const down = new ProtectimusError('STORE_UNAVAILABLE', 'redis down');
    engine.prepareError = down;
    await answer(engine, {}, { onError });
    const refused = new ProtectimusError('DELIVERY_FAILED', 'smtp refused');
    engine.prepareError = refused;
    await answer(engine, {}, { onError });
    expect(onError.mock.calls).toEqual([[down], [refused]]);
  });

  it('fails closed when the session is unusable or the hook itself throws', async () => {
    const engine = new FakeEngine();
    const res = await answer(engine, { session: undefined as unknown as Record<string, unknown> }, {
      onError: () => {
        throw new Error('logger down');
      },
    });
    expect(res.status).toBe(503);
    expect(bodyOf(res)).toEqual({ error: 'unavailable' });
  });

  it('fails closed on a bad verifiedFor', async () => {
    const res = await answer(new FakeEngine(), verifyPost({ otp: '123456' }), { verifiedFor: -1 });
    expect(res.status).toBe(503);
  });

  it('fails closed when a verified session meets a clock that throws', async () => {
    const engine = new FakeEngine();
    const session: Record<string, unknown> = {};
    applyGrant(session, { resource: 'billing', login: 'alice', until: engine.clock.now() + 1000, stamp: FAKE_STAMP });
    jest.spyOn(engine.clock, 'now').mockImplementation(() => {
      throw new Error('clock');
    });
    const res = await handleGuard(engine, { resource: 'billing' }, guardRequest({ session, headers: { accept: 'text/html' } }));
    expect(res).toMatchObject({ action: 'respond', status: 503 });
  });
});

describe('guard: requests per session', () => {
  it('counts page loads and posts per session, refuses past the limit without calling the engine, and starts over each minute', async () => {
    const engine = new FakeEngine();
    const session: Record<string, unknown> = {};
    const options = { maxRequestsPerMinute: 4 };
    for (let i = 0; i < 2; i++) expect((await answer(engine, { session }, options)).status).toBe(401);
    expect((await answer(engine, { session, ...verifyPost({ otp: '000000' }) }, options)).status).toBe(401);
    expect((await answer(engine, { session, ...resendPost() }, options)).status).toBe(202);
    engine.clock.advanceSeconds(45);
    for (const over of [{}, verifyPost({ otp: engine.code }), resendPost()]) {
      const res = await answer(engine, { session, ...over }, options);
      expect(res.status).toBe(429);
      expect(res.headers['Retry-After']).toBe('15');
      expect(bodyOf(res)).toEqual({ error: 'rate_limited', retryAfter: 15, reason: 'requests' });
    }
    expect(engine.prepareCalls).toHaveLength(3);
    expect(engine.authenticateCalls).toHaveLength(1);
    engine.clock.advanceSeconds(15);
    expect((await answer(engine, { session, ...verifyPost({ otp: engine.code }) }, options)).status).toBe(200);
  });

  it('never counts a verified session, nor a request with nobody signed in', async () => {
    const engine = new FakeEngine();
    const session: Record<string, unknown> = {};
    applyGrant(session, { resource: 'billing', login: 'alice', until: engine.clock.now() + 60_000, stamp: FAKE_STAMP });
    for (let i = 0; i < 100; i++) expect(await handleGuard(engine, { resource: 'billing', maxRequestsPerMinute: 1 }, guardRequest({ session }))).toEqual({ action: 'next' });
    const anonymous: Record<string, unknown> = {};
    for (let i = 0; i < 5; i++) expect((await answer(engine, { session: anonymous, login: null }, { maxRequestsPerMinute: 1 })).status).toBe(401);
    expect((await answer(engine, { session: anonymous }, { maxRequestsPerMinute: 1 })).status).toBe(401);
    expect((await answer(engine, { session: anonymous }, { maxRequestsPerMinute: 1 })).status).toBe(429);
  });

  it('takes a count it cannot trust from the session for none, and caps what it writes', async () => {
    const engine = new FakeEngine();
    const now = engine.clock.now();
    for (const requests of ['x', [1, 2], null, { since: 'x', count: 99 }, { since: now + 60_000, count: 99 }, { since: now - 60_000, count: 99 }, { since: now, count: 'x' }]) {
      const session: Record<string, unknown> = { protectimus: { requests } };
      expect((await answer(engine, { session }, { maxRequestsPerMinute: 1 })).status).toBe(401);
      expect(guardState(session)).toMatchObject({ requests: { since: now, count: 1 } });
    }
    const session: Record<string, unknown> = {};
    for (let i = 0; i < 10; i++) await answer(engine, { session }, { maxRequestsPerMinute: 2 });
    expect(guardState(session)).toMatchObject({ requests: { since: now, count: 2 } });
  });

  it('refuses a limit that is not a positive whole number', async () => {
    for (const maxRequestsPerMinute of [0, -1, 1.5, Number.NaN]) {
      const res = await answer(new FakeEngine(), {}, { maxRequestsPerMinute });
      expect(res.status).toBe(503);
    }
  });
});
