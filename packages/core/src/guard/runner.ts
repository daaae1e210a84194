import type { Enrollee } from '../directory/enrollment';
import { isProtectimusError, logGuardError, reportGuardError } from '../errors';
import { defaultProtectimus, type Protectimus } from '../protectimus';
import { builtInCatalogue } from '../locale';
import { pageLook } from './look';
import { unavailableResponse, type PageOptions } from './pages';
import { checkArea, pathArea, pathOfTarget, type AreaPlace } from './path-area';
import {
  DEFAULT_MAX_REQUESTS_PER_MINUTE,
  DEFAULT_VERIFIED_FOR,
  handleGuard,
  OWN_PREFIX,
  type Grant,
  type GuardEngine,
  type GuardOptions,
  type GuardRequest,
  type GuardResponse,
} from './protocol';
import { MAX_REMEMBER_DAYS } from '../devices';
import { isFresh } from './protocol';
import { verifiedEntry } from './session';

/**
 * The login of a first-factor user as Passport (`req.user`) or koa-passport (`ctx.state.user`)
 * leaves it: its `login`, else `username`, else `id`, as a string. Null for no user, or for one
 * with none of them: an unnamed user must not pass as somebody.
 */
export function loginOfUser(user: unknown): string | null {
  if (typeof user !== 'object' || user === null) return null;
  const fields = user as Record<string, unknown>;
  for (const key of ['login', 'username', 'id']) {
    const value = fields[key];
    if (typeof value === 'string' && value !== '') return value;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    if (typeof value === 'bigint') return String(value);
  }
  return null;
}

/**
 * What `enroll: true` reads of the first-factor user (`req.user`, `ctx.state.user`): its `email`,
 * and its `name` when it is a string. Null without an address: such a user is not enrolled.
 */
export function enrolleeOfUser(user: unknown): Enrollee | null {
  if (typeof user !== 'object' || user === null) return null;
  const { email, name } = user as Record<string, unknown>;
  if (typeof email !== 'string' || email === '') return null;
  return typeof name === 'string' ? { email, name } : { email };
}

/** Reads, for enrollment, what the app knows of its first-factor user; null for nothing. */
export type EnrolleeOf<R> = (r: R) => Enrollee | null | undefined | Promise<Enrollee | null | undefined>;

const NEXT: GuardResponse = { action: 'next' };

/**
 * True where the shared default instance is the embedded one (outside production, no `SMTP_URL`):
 * there, and only there, an `enroll` guard makes its missing resource with enrollment allowed,
 * so that `app.use(protectimusMail({ enroll: true }))` works with nothing configured. Elsewhere a
 * missing resource is a configuration error (403 `not_assigned`, as the protocol answers it).
 */
function embeddedDefault(): boolean {
  return process.env.NODE_ENV !== 'production' && !process.env.SMTP_URL;
}

/** The options every adapter's `protectimusMail()` shares; `R` is the adapter's request (`req`, `ctx`). */
export interface CommonGuardOptions<R = never> {
  /**
   * The protectimus-mail instance (`createProtectimus(...)`). Default: `defaultProtectimus()`,
   * built by `protectimusFromEnv()` when the first guard is created and shared by every guard,
   * admin router and strategy left on the default, in every adapter. Outside production a missing
   * `SMTP_URL`, `REDIS_URL` or `PROTECTIMUS_SECRET` gets a development default (one warning);
   * with NODE_ENV=production creating the guard throws, naming each missing variable.
   */
  protectimus?: GuardEngine;
  /** Resource id or name this guard protects. Default `'default'`. */
  resource?: string;
  /**
   * Seconds a verification lasts in the session, at most: an admin change to what granted it
   * (user or token blocked, token unassigned, user deleted, address or PIN changed) ends it at
   * once. Default `28800` (8 hours).
   */
  verifiedFor?: number;
  /**
   * Requests to this guard one session may make per minute while it is not verified (page loads
   * that ask for a code, code and resend posts); more are answered 429 `rate_limited` with
   * `Retry-After`, before anything reaches the store. Verified pages are never counted. The
   * store also limits `prepare` per token (`otp.maxPreparesPerMinute`), across sessions.
   * @default 30
   */
  maxRequestsPerMinute?: number;
  /**
   * Told of outages (Redis down: 503, SMTP refusing: 502) and of failures the protocol did not
   * expect (each answered 503 `unavailable`): a missing session, a session store that fails. Refusals such as a wrong code are answers, not errors, and are not reported.
   * Default: one line on `console.error`, never a code.
   */
  onError?: (err: unknown) => void;
  /**
   * The guarded area, from the site root (`'/billing'`): the guard then tells its requests by the
   * path itself and can be `app.use`d app-wide, before any router. It guards every spelling of a
   * path under the area that a router might route there (any letter case, `%xx`, `//`, `.` and
   * `..` segments, `;params`, `\`), answers its own URLs `<area>/_otp/verify` and
   * `<area>/_otp/resend` (at that exact spelling only), and passes every other request on
   * untouched. A URL that a middleware before the guard rewrote into the area is guarded too.
   * Default: none, the guard guards whatever reaches it.
   */
  area?: string;
  /**
   * Enrolls the app's own users (docs/design.md, "Enrollment"): a first-factor user with no token
   * on the resource gets a user, a mail token at their address and the assignment, where the
   * administrator allows it (`resources.update(r, { enrollment: 'allowed' })`); the first code
   * mailed there confirms the address. `true` reads `req.user.email` / `ctx.state.user.email`
   * (and `name`); a function returns `{ email, name? }`, or null for a user not to enroll.
   * Refused enrollments answer 403 `not_assigned`, with nothing made and nothing mailed.
   * Default: off.
   */
  enroll?: boolean | EnrolleeOf<R>;
  /**
   * The guard's pages in the app's look and language (docs/design.md, "The guard's pages in the
   * app's look", "Languages"): `brand`, `cancelUrl`, `signOutUrl`, `layout` (the site's own
   * document around the content), `styleSrc` (the layout's stylesheet in the CSP) and `locale`,
   * which forces the pages' language (a tag the instance serves); without it each request's
   * `Accept-Language` picks among the instance's locales, English when it names none. Checked
   * when the guard is created: a bad value throws naming it. Default: the guard's own page
   * shell, in the negotiated language.
   */
  page?: PageOptions<R>;
  /**
   * Offers "Remember this device for N days" on the code form (docs/design.md, "Remember this
   * device"): after a right code with the box ticked (JSON: `"remember": true`), the browser gets
   * an HttpOnly, SameSite=Lax cookie `pm_device_<resource>` holding a random id, and for `days`
   * (1..365) a new session of the same user on this resource skips the code (the token and the
   * resource must be the same; a block, an unassigned token, a new address or PIN, the user's
   * deletion, the user's "forget this device" and the admin's forget revoke it). `Secure` unless
   * the request came over http to localhost, 127.0.0.1 or ::1. Default: off.
   */
  rememberDevice?: { days: number };
  /**
   * Step-up (docs/design.md, "Step-up"): a session whose code was typed more than `maxAge`
   * seconds ago, on this guard or another one of the resource, is asked for a fresh code here
   * (JSON: 401 `otp_required` with `"reason": "stale"`); the other guards keep letting it through.
   * A remembered device never satisfies it. Default: none, any verification counts.
   */
  maxAge?: number;
}

/** What an adapter knows of its own request type `R`; everything else is done here. */
export interface GuardBinding<R> {
  /** Shown to `onError` when the app has no session middleware. */
  noSession: string;
  /** The live session, or null when there is no session middleware. */
  session(r: R): Record<string, unknown> | null;
  /** The first-factor login, or null/undefined for nobody. */
  login(r: R): string | null | undefined;
  /** The first-factor user object (`req.user`, `ctx.state.user`), which `enroll: true` reads. */
  user?(r: R): unknown;
  /** The URL as the client asked for it (path and query): cheap to read, for the fast path. */
  url(r: R): string;
  /**
   * The URL from the site root as the routers after the guard will match it, when a middleware
   * before the guard may have rewritten it (`req.baseUrl + req.url`, `ctx.url`). With `area`, a
   * request is the guard's when either URL is in the area.
   */
  routedUrl?(r: R): string;
  /**
   * The framework-neutral request for `handleGuard`. With the `area` option, `where` is the mount
   * and path found from the URL, to use instead of the framework's own.
   */
  request(r: R, session: Record<string, unknown>, login: string | null, where?: AreaPlace): GuardRequest;
  /** Regenerates the session id keeping its data, then applies the grant and saves. */
  grant(r: R, session: Record<string, unknown>, grant: Grant): Promise<void>;
}

/** The guard's run for one request, plus its synchronous fast path. */
export interface GuardRun<R> {
  (r: R): Promise<GuardResponse>;
  /**
   * True when the request may pass at once: a first-factor user whose session is verified for
   * the resource, on a page (not one of the guard's own URLs), and the directory as the engine
   * knows it without I/O still grants that verification. Synchronous and allocation-light, so
   * the common case costs no promise; false sends the request down the full run.
   */
  passes(r: R): boolean;
}

/**
 * The guard's run for one request, whatever the framework: checks the options and resolves the
 * instance once, when the guard is created (so a configuration mistake stops the start, never
 * becomes a 503 per request), then for each request finds the session and the login, runs the
 * protocol and grants in a new session. Never rejects: whatever fails (the app's `user`, the
 * session store) is a 503.
 */
export function guardRunner<R>(options: CommonGuardOptions<R>, binding: GuardBinding<R>): GuardRun<R> {
  const resource = options.resource ?? 'default';
  if (typeof resource !== 'string' || resource === '') throw new TypeError('protectimusMail: resource must be a non-empty string');
  const verifiedFor = options.verifiedFor ?? DEFAULT_VERIFIED_FOR;
  if (!(Number.isFinite(verifiedFor) && verifiedFor > 0)) throw new TypeError('protectimusMail: verifiedFor must be a positive number of seconds');
  const maxRequestsPerMinute = options.maxRequestsPerMinute ?? DEFAULT_MAX_REQUESTS_PER_MINUTE;
  if (!(Number.isInteger(maxRequestsPerMinute) && maxRequestsPerMinute > 0)) throw new TypeError('protectimusMail: maxRequestsPerMinute must be a positive whole number');
  const onError = options.onError ?? logGuardError;
  // The stylesheet, its hash and the CSP of the pages, once per guard, never per request.
  const look = pageLook(options.page);
  const guardOptions: GuardOptions = { resource, verifiedFor, maxRequestsPerMinute, onError, look };
  if (options.rememberDevice !== undefined) guardOptions.rememberDevice = { days: rememberDays(options.rememberDevice) };
  if (options.maxAge !== undefined) {
    if (!(typeof options.maxAge === 'number' && Number.isFinite(options.maxAge) && options.maxAge > 0)) throw new TypeError('protectimusMail: maxAge must be a positive number of seconds');
    guardOptions.maxAge = options.maxAge;
  }
  const maxAge = guardOptions.maxAge;
  if (options.area !== undefined) checkArea(options.area);
  const area = options.area === undefined ? null : pathArea(options.area);
  const enrolleeOf = enrolleeReader(options.enroll, binding);
  const shared = options.protectimus === undefined ? defaultProtectimus() : null;
  const engine: GuardEngine = options.protectimus ?? (shared as Protectimus);
  const locale = forcedLocale(options.page, engine);
  if (locale !== undefined) guardOptions.locale = locale;
  if (guardOptions.rememberDevice && typeof engine.devices?.remember !== 'function') {
    throw new TypeError('protectimusMail: rememberDevice needs a protectimus instance with devices (createProtectimus)');
  }
  // The embedded default's resource, made once per guard (again after a failure).
  let madeResource: Promise<void> | null = null;
  const makeResource = (pm: Protectimus): Promise<void> =>
    (madeResource ??= ensureResource(pm, resource).catch((err: unknown) => {
      madeResource = null;
      throw err;
    }));

  /** A URL a middleware before the guard rewrote into the area, or null. */
  const rewrittenInto = (r: R, url: string): string | null => {
    const routed = binding.routedUrl?.(r);
    return routed !== undefined && routed !== url && area !== null && area.contains(routed) ? routed : null;
  };

  async function decide(r: R): Promise<GuardResponse> {
    let where: AreaPlace | undefined;
    if (area) {
      const url = binding.url(r);
      const routed = rewrittenInto(r, url);
      // Rewritten into the area, it is a page there, whatever the client's URL was.
      const found = area.locate(url) ?? (routed !== null ? { mountPath: area.path, path: pathOfTarget(routed), canonical: false } : null);
      if (!found) return NEXT;
      where = found;
    }
    const session = binding.session(r);
    if (!session) {
      reportGuardError(onError, new Error(binding.noSession));
      return unavailableResponse();
    }
    if (shared !== null && enrolleeOf !== null && embeddedDefault()) await makeResource(shared);
    const login = binding.login(r) || null;
    const req = binding.request(r, session, login, where);
    if (enrolleeOf !== null) req.enroll = () => enrolleeOf(r);
    if (look.layout !== null) req.frameworkRequest = r;
    const answer = await handleGuard(engine, guardOptions, req);
    if (answer.grant) await binding.grant(r, session, answer.grant);
    return answer;
  }

  const run = async (r: R): Promise<GuardResponse> => {
    try {
      return await decide(r);
    } catch (err) {
      reportGuardError(onError, err);
      return unavailableResponse();
    }
  };

  // The same answer `handleGuard` gives a verified session on a page, before the full request is
  // built (path parsing, proxy-aware ip, mount detection, content negotiation) or a promise made.
  // Outside the area, the request is none of the guard's business. Inside it, only a URL with
  // `/_otp/` written as is can be one of the guard's own (they answer at their exact spelling), so
  // any other spelling (`/_OTP/verify`, `/_otp%2Fverify`) is a page: passed on here only for a
  // verified session, as the full run would.
  const passes = (r: R): boolean => {
    try {
      const url = binding.url(r);
      if (area !== null && !area.contains(url) && rewrittenInto(r, url) === null) return true;
      const session = binding.session(r);
      const login = session && (binding.login(r) || null);
      if (!session || !login || url.includes(OWN_PREFIX)) return false;
      const entry = verifiedEntry(session, resource, login, engine.clock.now());
      // Still granted by the directory, as far as the engine knows without I/O; when it does not
      // know, the full run asks the store.
      return entry !== null && (maxAge === undefined || isFresh(entry, engine.clock.now(), maxAge)) && engine.stillGranted(resource, login, entry.stamp) === true;
    } catch {
      // Whatever failed here fails again on the full run, which answers and reports it.
      return false;
    }
  };
  return Object.assign(run, { passes });
}

/** `page.locale` as a tag the engine serves (`de-AT` as `de`), checked at creation; undefined when not forced. */
function forcedLocale(page: PageOptions | undefined, engine: GuardEngine): string | undefined {
  if (page === undefined) return undefined;
  if (typeof page !== 'object' || page === null) throw new TypeError('protectimusMail: page must be an object');
  if (page.locale === undefined) return undefined;
  const locales = engine.locales ?? builtInCatalogue;
  const tag = typeof page.locale === 'string' ? locales.resolve(page.locale) : null;
  if (tag === null) {
    throw new TypeError(`protectimusMail: page.locale must be a language the instance serves (${locales.tags.join(', ')}); add others with createProtectimus({ locales })`);
  }
  return tag;
}

/** `rememberDevice.days`, checked at creation: a whole number of days, 1..365. */
function rememberDays(option: unknown): number {
  const days = typeof option === 'object' && option !== null ? (option as { days?: unknown }).days : undefined;
  if (!(typeof days === 'number' && Number.isInteger(days) && days >= 1 && days <= MAX_REMEMBER_DAYS)) {
    throw new TypeError(`protectimusMail: rememberDevice must be { days } with days a whole number from 1 to ${MAX_REMEMBER_DAYS}`);
  }
  return days;
}

/** The reader of `enroll`, checked at creation; null when the guard does not enroll. */
function enrolleeReader<R>(enroll: CommonGuardOptions<R>['enroll'], binding: GuardBinding<R>): EnrolleeOf<R> | null {
  if (enroll === undefined || enroll === false) return null;
  if (typeof enroll === 'function') return enroll;
  if (enroll !== true) throw new TypeError('protectimusMail: enroll must be true, false or a function of the request');
  const userOf = binding.user;
  if (userOf === undefined) throw new TypeError('protectimusMail: enroll: true needs a binding that reads the first-factor user');
  return (r) => enrolleeOfUser(userOf(r));
}

/** Makes the resource with enrollment allowed unless it exists (in any state the admin left it). */
async function ensureResource(pm: Protectimus, resource: string): Promise<void> {
  try {
    await pm.resources.get(resource);
  } catch (err) {
    if (!isProtectimusError(err, 'NOT_FOUND')) throw err;
    await pm.resources.create({ name: resource, enrollment: 'allowed' }).catch((again: unknown) => {
      // Another guard (or request) made it first.
      if (!isProtectimusError(again, 'ALREADY_EXISTS')) throw again;
    });
  }
}
