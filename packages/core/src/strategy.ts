import { failureOf, isOutage, logGuardError, ProtectimusError, reportGuardError, type GuardFailure } from './errors';
import type { GuardEngine } from './guard/protocol';
import { loginOfUser } from './guard/runner';
import { defaultProtectimus } from './protectimus';
import type { MailToken, User } from './model';

/**
 * What the strategy reads of a request: the same under Passport (Express) and koa-passport, whose
 * strategies see a request with `body`, `user` and `ip`.
 */
export interface StrategyRequest {
  body?: unknown;
  user?: unknown;
  ip?: string;
}

/** Reads the login of the user who passed the first factor, or null/undefined for nobody. */
export type StrategyLoginOf = (req: StrategyRequest) => string | null | undefined;

const defaultLogin: StrategyLoginOf = (req) => loginOfUser(req.user);

/** Options of {@link ProtectimusMailStrategy}. */
export interface ProtectimusMailStrategyOptions {
  /** The protectimus-mail instance. Default: the shared `defaultProtectimus()` (from the environment). */
  protectimus?: Pick<GuardEngine, 'authenticate'>;
  /** Resource id or name the code is checked on. Default `'default'`. */
  resource?: string;
  /** Body field holding PIN and code as typed. Default `'otp'`. */
  otpField?: string;
  /** Body field holding the login when nobody is signed in yet (PIN+code as the credential). Default `'login'`. */
  loginField?: string;
  /** The signed-in user's login, like the guard's `user`. Default: `req.user` `login`, `username` or `id`. */
  user?: StrategyLoginOf;
  /** Told of outages and unexpected failures (answered 503 or 502, as the guard does). Default: one line on `console.error`. */
  onError?: (err: unknown) => void;
}

/** What `success` hands Passport as `info` (and so `req.authInfo`). */
export interface ProtectimusMailAuthInfo {
  resource: string;
  /** The token the code came from (no secret in it). */
  token: MailToken;
}

/** A refusal as the guard answers it: the same JSON body, sent as Passport's challenge. */
export type ProtectimusMailChallenge = Omit<GuardFailure, 'status'>;

type Outcome =
  | { ok: true; user: User; info: ProtectimusMailAuthInfo }
  | { ok: false; status: number; challenge: ProtectimusMailChallenge };

interface Settings {
  engine: () => Pick<GuardEngine, 'authenticate'>;
  resource: string;
  otpField: string;
  loginField: string;
  loginOf: StrategyLoginOf;
  onError: (err: unknown) => void;
}

function fieldsOf(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
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

/** Checks the posted code; never rejects: every failure is an outcome with the guard's status and body. */
async function check(s: Settings, req: StrategyRequest): Promise<Outcome> {
  let claimant: Claimant | null = null;
  try {
    const fields = fieldsOf(req.body);
    claimant = claimantOf(s, req, fields);
    if (claimant === null) return { ok: false, status: 401, challenge: { error: 'unauthenticated' } };
    const { user, token } = await s.engine().authenticate({ resource: s.resource, login: claimant.login, otp: fields[s.otpField], ip: req.ip });
    return { ok: true, user, info: { resource: s.resource, token } };
  } catch (err) {
    if (isOutage(err)) reportGuardError(s.onError, err);
    const told = claimant?.proven === false && err instanceof ProtectimusError && TELLING.has(err.code) ? UNTOLD : err;
    const { status, ...challenge } = failureOf(told);
    return { ok: false, status, challenge };
  }
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
 * `req.body[loginField]` as the login (PIN+code as the credential). Success hands Passport the
 * protectimus-mail `User`; a refusal calls `fail(body, status)` with the guard's JSON body and
 * status (`{error:'invalid_otp', attemptsLeft}` and 401, ...). The code must have been mailed
 * before (the guard's page, or `pm.prepare`). Uses only `req.body`, `req.user` and `req.ip`, so
 * it also runs under koa-passport.
 */
export class ProtectimusMailStrategy extends PassportStrategy {
  /** The name Passport knows it by: `passport.authenticate('protectimus-mail')`. */
  name = 'protectimus-mail';
  private readonly verifyCode: (req: StrategyRequest) => Promise<Outcome>;

  constructor(options: ProtectimusMailStrategyOptions = {}) {
    super();
    const settings: Settings = {
      engine: () => options.protectimus ?? defaultProtectimus(),
      resource: options.resource ?? 'default',
      otpField: options.otpField ?? 'otp',
      loginField: options.loginField ?? 'login',
      loginOf: options.user ?? defaultLogin,
      onError: options.onError ?? logGuardError,
    };
    this.verifyCode = (req) => check(settings, req);
  }

  /** Called by Passport per request; answers through `success`, `fail(body, status)` or `error`. */
  override authenticate(req: StrategyRequest): void {
    this.verifyCode(req)
      .then((o) => (o.ok ? this.success(o.user, o.info) : this.fail(o.challenge, o.status)))
      .catch((err: unknown) => this.error(err));
  }
}
