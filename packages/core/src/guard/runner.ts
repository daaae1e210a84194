import { logGuardError, reportGuardError } from '../errors';
import { defaultProtectimus } from '../protectimus';
import { unavailableResponse } from './pages';
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

const NEXT: GuardResponse = { action: 'next' };

/** The options every adapter's `protectimusMail()` shares. */
export interface CommonGuardOptions {
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
}

/** What an adapter knows of its own request type `R`; everything else is done here. */
export interface GuardBinding<R> {
  /** Shown to `onError` when the app has no session middleware. */
  noSession: string;
  /** The live session, or null when there is no session middleware. */
  session(r: R): Record<string, unknown> | null;
  /** The first-factor login, or null/undefined for nobody. */
  login(r: R): string | null | undefined;
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
export function guardRunner<R>(options: CommonGuardOptions, binding: GuardBinding<R>): GuardRun<R> {
  const resource = options.resource ?? 'default';
  if (typeof resource !== 'string' || resource === '') throw new TypeError('protectimusMail: resource must be a non-empty string');
  const verifiedFor = options.verifiedFor ?? DEFAULT_VERIFIED_FOR;
  if (!(Number.isFinite(verifiedFor) && verifiedFor > 0)) throw new TypeError('protectimusMail: verifiedFor must be a positive number of seconds');
  const maxRequestsPerMinute = options.maxRequestsPerMinute ?? DEFAULT_MAX_REQUESTS_PER_MINUTE;
  if (!(Number.isInteger(maxRequestsPerMinute) && maxRequestsPerMinute > 0)) throw new TypeError('protectimusMail: maxRequestsPerMinute must be a positive whole number');
  const onError = options.onError ?? logGuardError;
  const guardOptions: GuardOptions = { resource, verifiedFor, maxRequestsPerMinute, onError };
  if (options.area !== undefined) checkArea(options.area);
  const area = options.area === undefined ? null : pathArea(options.area);
  const engine = options.protectimus ?? defaultProtectimus();

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
    const login = binding.login(r) || null;
    const answer = await handleGuard(engine, guardOptions, binding.request(r, session, login, where));
    if (answer.action === 'respond' && answer.grant) await binding.grant(r, session, answer.grant);
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
      return entry !== null && engine.stillGranted(resource, login, entry.stamp) === true;
    } catch {
      // Whatever failed here fails again on the full run, which answers and reports it.
      return false;
    }
  };
  return Object.assign(run, { passes });
}
