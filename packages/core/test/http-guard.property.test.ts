/**
 * The guard's protocol fed random requests (fast-check), straight through `handleGuard` with a
 * real `Protectimus` behind it: random methods, paths, mounts, return URLs, headers, bodies (parsed
 * or raw, well-formed or not), sessions (including garbage a JSON session store could hand back)
 * and logins, in random sequences on one session. Whatever comes in: no exception, never a 500 (or
 * any 5xx but the fail-closed 503 for a body that could not be read), JSON answers in the documented
 * vocabulary, and never a pass or a grant without the right PIN+code.
 */
import fc from 'fast-check';
import { capture } from './support/capture';
import { ProtectimusError } from '../src/errors';
import { handleGuard } from '../src/guard/protocol';
import { applyGrant } from '../src/guard/session';
import type { GuardRequest } from '../src/guard/protocol';

const RESOURCE = 'area';
const PIN = 'Pin7';
const CODE_MARK = '{{CODE}}';
const ERRORS = new Set([
  'otp_required',
  'unauthenticated',
  'invalid_otp',
  'otp_expired',
  'blocked',
  'not_assigned',
  'access_restricted',
  'rate_limited',
  'invalid_input',
  'csrf_failed',
  'delivery_failed',
  'unavailable',
  'method_not_allowed',
]);

const world = capture();
const { pm, codes, clock } = world;
let resourceId = '';

beforeAll(async () => {
  resourceId = (await pm.resources.create({ name: RESOURCE, failedAttemptsBeforeLock: 5 })).id;
  // Someone else with a token on the resource, whose login the fuzzer may borrow.
  await newUser('other');
});

afterAll(async () => {
  await world.close();
});

let seq = 0;
async function newUser(login = `u${++seq}`) {
  const email = `${login}@example.com`;
  const token = await pm.tokens.createMail({ name: `${login} mail`, email, otpLength: 6, pin: PIN, pinPosition: 'before' });
  const user = await pm.users.create({ login, email });
  await pm.users.assignToken(user.id, token.id);
  await pm.resources.assignTokenWithUser(resourceId, token.id);
  return { login, email };
}

/** The verification the guard must honour, read from the session independently of the guard's code. */
function verifiedBefore(session: Record<string, unknown>, login: string | null, now: number): boolean {
  const state = session.protectimus;
  if (typeof state !== 'object' || state === null || Array.isArray(state)) return false;
  const verified = (state as Record<string, unknown>).verified;
  if (typeof verified !== 'object' || verified === null || Array.isArray(verified)) return false;
  if (!Object.hasOwn(verified, RESOURCE)) return false;
  const entry = (verified as Record<string, unknown>)[RESOURCE] as Record<string, unknown> | null;
  return typeof entry === 'object' && entry !== null && entry.login === login && typeof entry.until === 'number' && entry.until > now;
}

// ---- the random parts of a request ----

const header = (known: string[]) => fc.option(fc.oneof(fc.constantFrom(...known), fc.string({ maxLength: 60 })), { nil: undefined });
const accepts = header(['application/json', 'text/html', 'text/html,application/xhtml+xml,*/*;q=0.8', '*/*', 'application/json;q=0, text/html', 'text/html;q=0', 'image/png', '']);
const types = header([
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'text/plain',
  'application/json, text/html',
  'application/jsonx',
]);
/** A value for the otp field: the right PIN+code (marked, filled in at run time), near misses, or anything. */
const otpValue = fc.oneof(
  { arbitrary: fc.constant(`${PIN}${CODE_MARK}`), weight: 8 },
  fc.constant(` ${PIN}${CODE_MARK}\n`),
  fc.constant(CODE_MARK),
  fc.constant(`${CODE_MARK}${PIN}`),
  fc.constant(`${PIN.toLowerCase()}${CODE_MARK}`),
  fc.constant([`${PIN}${CODE_MARK}`]),
  fc.constant(`${PIN}${CODE_MARK}`.repeat(5)),
  fc.anything(),
  fc.string({ maxLength: 70 }),
);
const fields = fc.record(
  { otp: otpValue, _csrf: fc.oneof(fc.constant('{{CSRF}}'), fc.string({ maxLength: 50 })), extra: fc.anything() },
  { requiredKeys: [] },
);
/** Fields a client of the protocol posts: always an otp, sometimes the CSRF token. */
const clientFields = fc.record({ otp: otpValue, _csrf: fc.constant('{{CSRF}}') }, { requiredKeys: ['otp'] });
const parsedBody = fc.oneof(fc.constant(undefined), fields, fc.anything(), fc.constant(Buffer.from('otp=1')), fc.constant(Object.create(null) as object));
const rawBody = fc.oneof(
  fields.map((f) => JSON.stringify(f) ?? ''),
  fields.map((f) => new URLSearchParams(Object.entries(f).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : (JSON.stringify(v) ?? '')])).toString()),
  fc.string({ maxLength: 200 }),
  fc.constantFrom('', '{', 'null', '[]', '"otp"', '{"__proto__":{"otp":"1"}}', '{"constructor":{"prototype":{}}}', 'otp=1&otp=2', '%E0%A4%A'),
);
type RawRead = { kind: 'none' } | { kind: 'text'; text: string } | { kind: 'refused' } | { kind: 'broken' };
const rawRead: fc.Arbitrary<RawRead> = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  rawBody.map((text) => ({ kind: 'text' as const, text })),
  fc.constant({ kind: 'refused' as const }),
  fc.constant({ kind: 'broken' as const }),
);
const paths = fc.oneof(
  fc.constantFrom('/', '/_otp/verify', '/_otp/resend', '/_otp/verify/', '/_OTP/verify', '//_otp/verify', '/_otp', '/x/_otp/verify', '/invoices', ''),
  fc.string({ maxLength: 40 }),
);
const methods = fc.oneof(fc.constantFrom('GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'get', 'post', 'Post'), fc.string({ maxLength: 8 }));
const randomRequest = fc.record({
  method: methods,
  path: paths,
  mountPath: fc.oneof(fc.constantFrom('', '/area', '/area/', '/a/b'), fc.string({ maxLength: 20 })),
  originalUrl: fc.oneof(fc.constantFrom('/area', '/area/x?y=1', '//evil.example', '/\\evil', 'javascript:alert(1)', '/area/%0d%0aSet-Cookie:x'), fc.string({ maxLength: 80 })),
  accept: accepts,
  contentType: types,
  body: parsedBody,
  raw: rawRead,
  ip: fc.option(fc.oneof(fc.constantFrom('127.0.0.1', '::1', '::ffff:10.0.0.1'), fc.string({ maxLength: 20 })), { nil: undefined }),
});
/** Requests a client of the protocol would send, with random parts: these reach the deeper states. */
const plausibleRequest = fc.record({
  method: fc.constantFrom('GET', 'POST'),
  path: fc.constantFrom('/', '/_otp/verify', '/_otp/verify', '/_otp/resend'),
  mountPath: fc.constant('/area'),
  originalUrl: fc.constantFrom('/area', '/area/invoices?page=2'),
  accept: fc.constantFrom('application/json', 'text/html', undefined),
  contentType: fc.constantFrom('application/json', 'application/x-www-form-urlencoded', undefined),
  body: fc.oneof(fc.constant(undefined), clientFields),
  raw: fc.oneof(
    clientFields.map((f) => ({ kind: 'text' as const, text: JSON.stringify(f) ?? '' })),
    clientFields.map((f) => ({ kind: 'text' as const, text: new URLSearchParams(Object.entries(f).filter(([, v]) => typeof v === 'string') as [string, string][]).toString() })),
    fc.constant({ kind: 'none' as const }),
  ),
  ip: fc.constant('127.0.0.1'),
});
const requestArb = fc.oneof({ arbitrary: plausibleRequest, weight: 3 }, { arbitrary: randomRequest, weight: 2 });
const sessionArb = fc.oneof(
  fc.constant({}),
  fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 3 })),
  fc.record({ protectimus: fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.record({ verified: fc.jsonValue({ maxDepth: 3 }), csrf: fc.jsonValue(), pending: fc.jsonValue(), returnTo: fc.jsonValue(), notice: fc.jsonValue() }, { requiredKeys: [] })) }),
);
type Who = 'self' | 'other' | 'nobody' | 'empty' | 'random';
const whoArb = fc.oneof(
  { arbitrary: fc.constant<Who>('self'), weight: 6 },
  { arbitrary: fc.constantFrom<Who>('other', 'nobody', 'empty'), weight: 3 },
  { arbitrary: fc.string({ maxLength: 80 }), weight: 1 },
);

/** Replaces the marks with the current right code and the session's CSRF token, deep. */
function fill(value: unknown, code: string, csrf: string, depth = 0): unknown {
  if (typeof value === 'string') return value.split(CODE_MARK).join(code).split('{{CSRF}}').join(csrf);
  if (depth > 3 || typeof value !== 'object' || value === null || Buffer.isBuffer(value)) return value;
  if (Array.isArray(value)) return value.map((v) => fill(v, code, csrf, depth + 1));
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return value;
  const out: Record<string, unknown> = Object.getPrototypeOf(value) === null ? (Object.create(null) as Record<string, unknown>) : {};
  for (const [k, v] of Object.entries(value)) out[k] = fill(v, code, csrf, depth + 1);
  return out;
}

describe('handleGuard with random requests (property)', () => {
  it('never errors, never passes or grants without the right code, answers in the protocol', async () => {
    let passes = 0;
    let grants = 0;
    await fc.assert(
      fc.asyncProperty(sessionArb, whoArb, fc.boolean(), fc.array(requestArb, { minLength: 1, maxLength: 8 }), async (initial, who, prime, requests) => {
        const me = await newUser();
        // Half the runs start with a code mailed, as after a first page load.
        if (prime) await pm.prepare({ resource: RESOURCE, login: me.login });
        const session = structuredClone(initial) as Record<string, unknown>;
        const login = who === 'self' ? me.login : who === 'other' ? 'other' : who === 'nobody' ? null : who === 'empty' ? '' : who;
        let rightCodePosted = false;
        for (const r of requests) {
          clock.advanceSeconds(1);
          const code = codes.get(me.email) ?? '000000';
          const state = session.protectimus as { csrf?: unknown } | undefined;
          const csrf = typeof state?.csrf === 'string' ? state.csrf : 'no-csrf';
          const body = fill(r.body, code, csrf);
          const raw = r.raw.kind === 'text' ? (fill(r.raw.text, code, csrf) as string) : '';
          const req: GuardRequest = {
            method: r.method,
            path: r.path,
            mountPath: r.mountPath,
            originalUrl: r.originalUrl,
            headers: { accept: r.accept, contentType: r.contentType },
            body,
            session,
            login,
            ...(r.ip === undefined ? {} : { ip: r.ip }),
          };
          if (r.raw.kind === 'text') req.readRawBody = async () => raw;
          if (r.raw.kind === 'refused') req.readRawBody = async () => Promise.reject(new ProtectimusError('INVALID_INPUT', 'body too large', { field: 'body' }));
          if (r.raw.kind === 'broken') req.readRawBody = async () => Promise.reject(new Error('socket hang up'));
          const sent = `${stringify(body)}\n${raw}`;
          const carriesCode = codes.has(me.email) && sent.includes(`${PIN}${code}`);
          const wasVerified = verifiedBefore(session, login, clock.now());

          const res = await handleGuard(pm, { resource: RESOURCE }, req);

          if (res.action === 'next') {
            passes++;
            // A pass needs a verification this run earned with the right code, for this login.
            expect(wasVerified).toBe(true);
            expect(rightCodePosted).toBe(true);
            continue;
          }
          expect(res.status).toBeGreaterThanOrEqual(200);
          expect(res.status).toBeLessThan(600);
          expect(res.status).not.toBe(500);
          if (res.status >= 500) {
            // Fail closed: only for the adapter's body reader failing unexpectedly (or mail, never here).
            expect(res.status).toBe(503);
            expect(r.raw.kind === 'broken' && body === undefined).toBe(true);
          }
          if (res.grant) {
            grants++;
            expect(carriesCode).toBe(true);
            expect(res.grant).toMatchObject({ resource: RESOURCE, login });
            rightCodePosted = true;
            applyGrant(session, res.grant);
          }
          if (r.path === '/_otp/verify' && (res.status === 200 || res.status === 303)) {
            // A verify succeeds only with a fresh grant, or as the double-submit of a verified
            // session; any other 303 is a refused form post sent back to the page (POST/Redirect/GET),
            // its refusal kept in the session for that page.
            const notice = (session.protectimus as { notice: Record<string, unknown> }).notice[RESOURCE];
            expect(res.grant !== undefined || wasVerified || (res.status === 303 && typeof (notice as { error?: unknown })?.error === 'string')).toBe(true);
          }
          if (res.headers['Content-Type']?.startsWith('application/json')) {
            const json = JSON.parse(res.body) as Record<string, unknown>;
            if (typeof json.error === 'string') expect(ERRORS.has(json.error)).toBe(true);
            else expect(json.ok === true || json.status === 'otp_sent').toBe(true);
            if (codes.has(me.email)) expect(res.body).not.toContain(code);
          } else {
            expect(res.headers['Content-Type']).toMatch(/^text\/html/);
          }
          if (res.headers.Location !== undefined) expect(res.headers.Location).toMatch(/^\/(?![/\\])[\x21-\x7e]*$/);
        }
      }),
      { numRuns: 600 },
    );
    // The properties were exercised, not vacuous.
    expect(grants).toBeGreaterThan(5);
    expect(passes).toBeGreaterThan(0);
  });
});

function stringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

