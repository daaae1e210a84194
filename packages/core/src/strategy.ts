import type { PrepareResult } from './challenge';
import { failureOf, isOutage, logGuardError, ProtectimusError, reportGuardError, type GuardFailure } from './errors';
import { DEFAULT_VERIFIED_FOR, type Grant, type GuardEngine } from './guard/protocol';
import { loginOfUser } from './guard/runner';
import { applyGrant, ownEntry } from './guard/session';
import { defaultProtectimus } from './protectimus';
import { builtInCatalogue } from './locale';
import type { MailToken, PinPosition, User } from './model';

type Done = (err?: unknown) => void;

/**
 * What the strategy reads of a request: the same under Passport (Express) and koa-passport, whose
 * strategies see a request with `body`, `user`, `ip` and `session` (koa-passport's stand-in hands
 * on `ctx.request.body`, `ctx.state.user`, `ctx.ip` and `ctx.session`). `logIn` and `authInfo`
 * are Passport's own: the strategy carries its verification through `logIn`'s new session, and
 * leaves a refusal's body in `authInfo` (koa-passport: `ctx.state.authInfo`).
 */
export interface StrategyRequest {
  body?: unknown;
  user?: unknown;
  ip?: string;
  session?: unknown;
  /** Passport's `req.logIn(user, options?, done)`; `unknown` so every framework's typing fits. */
  logIn?: unknown;
  login?: unknown;
  authInfo?: unknown;
  /** The request's headers (Node's, lower-cased); `accept-language` picks the code mail's language for a user without one. */
  headers?: unknown;
}

/** Passport's and koa-passport's take `done`; @fastify/passport's takes none and returns a promise. */
type LogIn = (this: unknown, user: unknown, options?: unknown, done?: Done) => unknown;

/** Reads the login of the user who passed the first factor, or null/undefined for nobody. */
export type StrategyLoginOf = (req: StrategyRequest) => string | null | undefined;

/**
 * Maps the protectimus-mail `User` whose code was right to the user Passport signs in, the way
 * passport-local's verify callback does: `done(null, user, info?)` signs `user` in,
 * `done(null, false, info?)` refuses (`info` is then the challenge, 401), `done(err)` errs.
 */
export type ProtectimusMailVerify = (req: StrategyRequest, user: User, done: (err: unknown, user?: unknown, info?: unknown) => void) => void;

const defaultLogin: StrategyLoginOf = (req) => loginOfUser(req.user);

/** Options of {@link ProtectimusMailStrategy}. */
export interface ProtectimusMailStrategyOptions {
  /** The protectimus-mail instance. Default: the shared `defaultProtectimus()` (from the environment). */
  protectimus?: Pick<GuardEngine, 'authenticate' | 'prepare' | 'clock'>;
  /** Resource id or name the code is checked on, and the session is verified for. Default `'default'`. */
  resource?: string;
  /** Body field holding PIN and code as typed. Default `'otp'`. */
  otpField?: string;
  /** Body field holding the login when nobody is signed in yet (PIN+code as the credential). Default `'login'`. */
  loginField?: string;
  /** The signed-in user's login, like the guard's `user`. Default: `req.user` `login`, `username` or `id`. */
  user?: StrategyLoginOf;
  /**
   * Maps the protectimus-mail `User` to the user to sign in. Default: the signed-in `req.user` as
   * it is; with nobody signed in (a posted login), the protectimus-mail `User`.
   */
  verify?: ProtectimusMailVerify;
  /** Seconds the session stays verified for the resource, as the guard's `verifiedFor`. Default `28800`. */
  verifiedFor?: number;
  /** Told of outages and unexpected failures (answered 503 or 502, as the guard does). Default: one line on `console.error`. */
  onError?: (err: unknown) => void;
}

/** What `success` hands Passport as `info` (and so `req.authInfo`). */
export interface ProtectimusMailAuthInfo {
  resource: string;
  /** The token the code came from (no secret in it). */
  token: MailToken;
}

/** The answer to a request with no code: one was mailed (or is still open), as the guard's JSON says. */
export interface ProtectimusMailOtpRequired {
  error: 'otp_required';
  resource: string;
  /** The token's address, masked. */
  sentTo: string;
  otpLength: 6 | 8;
  pin: PinPosition | null;
  expiresAt: string;
  resendAfter: string;
}

/** A refusal as the guard answers it: the same JSON body, sent as Passport's challenge. */
export type ProtectimusMailChallenge = Omit<GuardFailure, 'status'> | ProtectimusMailOtpRequired;

type Outcome =
  | { ok: true; user: User; info: ProtectimusMailAuthInfo; login: string; proven: boolean; stamp: string }
  | { ok: false; status: number; challenge: ProtectimusMailChallenge };

interface Settings {
  engine: () => Pick<GuardEngine, 'authenticate' | 'prepare' | 'clock' | 'locales'>;
  resource: string;
  otpField: string;
  loginField: string;
  loginOf: StrategyLoginOf;
  verify: ProtectimusMailVerify | undefined;
  verifiedFor: number;
  onError: (err: unknown) => void;
}

function fieldsOf(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whose code is checked: the signed-in user's login, or one posted by a client not yet known. */
interface Claimant {
  login: string;
  /** False when the login was only posted: nothing is proven of the client yet. */
  proven: boolean;
}

/** The signed-in user's login; else, with nobody signed in, the login posted with the code. */
function claimantOf(s: Settings, req: StrategyRequest, fields: Record<string, unknown>): Claimant | null {
  const signedIn = s.loginOf(req);
  if (signedIn) return { login: signedIn, proven: true };
  // A signed-in user the app's `user` cannot name is still signed in: a posted login must not stand in.
  if (req.user) return null;
  const posted = fields[s.loginField];
  if (posted === undefined || posted === null || posted === '') return null;
  if (typeof posted !== 'string') throw new ProtectimusError('INVALID_INPUT', `${s.loginField} must be a string`, { field: s.loginField });
  return { login: posted, proven: false };
}

/**
 * Refusals that tell one login from another: unknown (`not_assigned`), `blocked`, enrolled with no
 * code open (`otp_expired`). A client that only posted a login gets the last for all three, so it
 * cannot probe which logins exist or are blocked; the audit log still records the real reason.
 */
const TELLING = new Set(['NOT_ASSIGNED', 'BLOCKED', 'OTP_EXPIRED']);
const UNTOLD = new ProtectimusError('OTP_EXPIRED', 'no code is open: it expired, was used, or was never sent');

function otpRequired(resource: string, result: PrepareResult): ProtectimusMailOtpRequired {
  const { sentTo, otpLength, pin, expiresAt, resendAfter } = result;
  return { error: 'otp_required', resource, sentTo, otpLength, pin, expiresAt, resendAfter };
}

/**
 * Checks the posted code, or, for a signed-in user who posted none, has one mailed (an open one
 * is reused, as the guard's page does). Never rejects: every failure is an outcome with the
 * guard's status and body.
 */
async function check(s: Settings, req: StrategyRequest): Promise<Outcome> {
  let claimant: Claimant | null = null;
  try {
    const fields = fieldsOf(req.body);
    claimant = claimantOf(s, req, fields);
    if (claimant === null) return { ok: false, status: 401, challenge: { error: 'unauthenticated' } };
    const otp = fields[s.otpField];
    // Only a user who passed the first factor may have a code mailed: a posted login would let
    // anyone mail codes to any address. A posted login without a code is refused by `authenticate`
    // as `invalid_input`, before any lookup, so it tells nothing either.
    if (claimant.proven && (otp === undefined || otp === null || otp === '')) {
      const engine = s.engine();
      const result = await engine.prepare({ resource: s.resource, login: claimant.login, ip: req.ip, ...mailLocale(engine, req) });
      return { ok: false, status: 401, challenge: otpRequired(s.resource, result) };
    }
    const { user, token, stamp } = await s.engine().authenticate({ resource: s.resource, login: claimant.login, otp, ip: req.ip });
    // The guard grants the login it read of the request; a posted login is granted as stored, the
    // spelling the guard will read of the `User` once it is signed in.
    return { ok: true, user, info: { resource: s.resource, token }, login: claimant.proven ? claimant.login : user.login, proven: claimant.proven, stamp };
  } catch (err) {
    if (isOutage(err)) reportGuardError(s.onError, err);
    const told = claimant?.proven === false && err instanceof ProtectimusError && TELLING.has(err.code) ? UNTOLD : err;
    const { status, ...challenge } = failureOf(told);
    return { ok: false, status, challenge };
  }
}

/** The session the app's session middleware gave the request, or null (`session: false` apps). */
function sessionOf(req: StrategyRequest): Record<string, unknown> | null {
  return isRecord(req.session) ? req.session : null;
}

/** Whether the session already holds this very grant (koa-session keeps the data on `regenerate`). */
function holdsGrant(session: Record<string, unknown>, grant: Grant): boolean {
  const state = session.protectimus;
  const verified = isRecord(state) && isRecord(state.verified) ? ownEntry(state.verified, grant.resource) : undefined;
  return isRecord(verified) && verified.stamp === grant.stamp && verified.login === grant.login && verified.until === grant.until;
}

/** Saves a session whose `save` takes a callback, returns a promise (koa-session 7), or both. */
function saveSession(session: Record<string, unknown>): Promise<void> {
  const save = session.save;
  if (typeof save !== 'function') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (err?: unknown): void => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve());
    const returned: unknown = (save as (cb: Done) => unknown).call(session, done);
    if (returned instanceof Promise) returned.then(() => resolve(), reject);
  });
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Passport 0.6+'s `req.logIn` regenerates the session, and express-session's new one is empty
 * unless the app passed `keepSessionInfo`: the verification written before `success` would be
 * lost. So `logIn` (the one `success` calls, or the app's own in a callback) is wrapped for this
 * request to write the grant into the new session and save it once Passport has.
 */
function grantAcrossLogIn(req: StrategyRequest, grant: Grant): void {
  if (typeof req.logIn !== 'function') return;
  const logIn = req.logIn as LogIn;
  /** Writes the grant into the session `logIn` left (a new one, maybe empty) and saves it. */
  const carry = (): Promise<void> => {
    const session = sessionOf(req);
    if (session === null || holdsGrant(session, grant)) return Promise.resolve();
    applyGrant(session, grant);
    return saveSession(session);
  };
  const wrapped = (user: unknown, options?: unknown, done?: Done): unknown => {
    const callback = typeof options === 'function' ? (options as Done) : done;
    const opts = typeof options === 'function' ? {} : options;
    if (typeof callback !== 'function') {
      // @fastify/passport's `logIn` returns a promise (its session regenerated when it resolves);
      // Passport without a callback logs in without a session (or throws): nothing to carry.
      const returned = logIn.call(req, user, opts, done);
      return isPromiseLike(returned) ? Promise.resolve(returned).then(carry) : returned;
    }
    logIn.call(req, user, opts, (err?: unknown) => {
      if (err) return callback(err);
      let carried: Promise<void>;
      try {
        carried = carry();
      } catch (failed) {
        return callback(failed);
      }
      carried.then(() => callback(), callback);
    });
    return undefined;
  };
  req.logIn = wrapped;
  if (req.login === logIn) req.login = wrapped;
}

/**
 * A Passport strategy as Passport and koa-passport use one: a `name`, and `authenticate(req)` per
 * request, called on an object made from the strategy (`Object.create`) to which they add these
 * actions. They are only declared here: nothing is needed of passport-strategy, whose typings pull
 * in Express's.
 */
abstract class PassportStrategy {
  abstract name: string;
  declare success: (user: unknown, info?: unknown) => void;
  declare fail: (challenge?: unknown, status?: number) => void;
  declare error: (err: unknown) => void;
  declare pass: () => void;
  declare redirect: (url: string, status?: number) => void;
  abstract authenticate(req: StrategyRequest, options?: unknown): void;
}

/**
 * A Passport strategy, `'protectimus-mail'`, that checks the mailed code posted in
 * `req.body[otpField]`: as a second factor for `req.user`, or, with nobody signed in, with
 * `req.body[loginField]` as the login (PIN+code as the credential). See docs/design.md, "The
 * Passport strategy".
 *
 * - Success keeps the app's `req.user` (or what `verify` maps to; with a posted login and no
 *   `verify`, the protectimus-mail `User`) and marks the session verified for the resource as
 *   the guard does, so the guard on that resource passes at once.
 * - A signed-in user who posts no code has one mailed (an open one is reused) and is refused
 *   401 with the guard's `otp_required` body, without its URLs: the client posts the code back to
 *   the route it called.
 * - A refusal calls `fail(body, status)` with the guard's JSON body and status and leaves the body
 *   in `req.authInfo` (koa-passport: `ctx.state.authInfo`), for a `failWithError` handler.
 *
 * Uses only `req.body`, `req.user`, `req.ip`, `req.session` and Passport's `req.logIn`, so it
 * also runs under koa-passport.
 */
export class ProtectimusMailStrategy extends PassportStrategy {
  /** The name Passport knows it by: `passport.authenticate('protectimus-mail')`. */
  name = 'protectimus-mail';
  private readonly settings: Settings;

  constructor(options: ProtectimusMailStrategyOptions = {}) {
    super();
    const verifiedFor = options.verifiedFor ?? DEFAULT_VERIFIED_FOR;
    if (!(Number.isFinite(verifiedFor) && verifiedFor > 0)) throw new TypeError('ProtectimusMailStrategy: verifiedFor must be a positive number of seconds');
    if (options.verify !== undefined && typeof options.verify !== 'function') throw new TypeError('ProtectimusMailStrategy: verify must be a function');
    this.settings = {
      engine: () => options.protectimus ?? defaultProtectimus(),
      resource: options.resource ?? 'default',
      otpField: options.otpField ?? 'otp',
      loginField: options.loginField ?? 'login',
      loginOf: options.user ?? defaultLogin,
      verify: options.verify,
      verifiedFor,
      onError: options.onError ?? logGuardError,
    };
  }

  /** Called by Passport per request; answers through `success`, `fail(body, status)` or `error`. */
  override authenticate(req: StrategyRequest): void {
    check(this.settings, req)
      .then((outcome) => {
        if (!outcome.ok) return this.refuse(req, outcome.challenge, outcome.status);
        const { verify } = this.settings;
        // Signed in already: that user stays who Passport signs in (its `serializeUser` sees it).
        if (!verify) return this.admit(req, outcome, outcome.proven ? req.user : outcome.user, outcome.info);
        verify(req, outcome.user, (err, user, info) => {
          if (err) return this.error(err);
          if (!user) return this.refuse(req, isRecord(info) ? info : { error: 'unauthenticated' }, 401);
          this.admit(req, outcome, user, info ?? outcome.info);
        });
      })
      .catch((err: unknown) => this.error(err));
  }

  private refuse(req: StrategyRequest, challenge: unknown, status: number): void {
    // Passport's `failWithError` hands the app only the status: the body waits here for its handler.
    req.authInfo = challenge;
    this.fail(challenge, status);
  }

  /** Marks the session verified, as the guard's grant does, then hands Passport the user. */
  private admit(req: StrategyRequest, outcome: Extract<Outcome, { ok: true }>, user: unknown, info: unknown): void {
    const { settings } = this;
    const grant: Grant = {
      resource: settings.resource,
      login: outcome.login,
      until: settings.engine().clock.now() + settings.verifiedFor * 1000,
      stamp: outcome.stamp,
    };
    const session = sessionOf(req);
    if (session !== null) {
      applyGrant(session, grant);
      grantAcrossLogIn(req, grant);
    }
    this.success(user, info);
  }
}

/**
 * The language of the client's `Accept-Language`, for the code mail of a user without their own
 * (docs/design.md, "Languages"); nothing when the request has no such header.
 */
function mailLocale(engine: Pick<GuardEngine, 'locales'>, req: StrategyRequest): { locale?: string } {
  const headers = req.headers;
  const header = typeof headers === 'object' && headers !== null ? (headers as Record<string, unknown>)['accept-language'] : undefined;
  return typeof header === 'string' && header.trim() !== '' ? { locale: (engine.locales ?? builtInCatalogue).negotiate(header).tag } : {};
}
