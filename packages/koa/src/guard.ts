import {
  DEFAULT_VERIFIED_FOR,
  defaultProtectimus,
  handleGuard,
  logGuardError,
  loginOfUser,
  reportGuardError,
  unavailableResponse,
  type GuardEngine,
  type GuardOptions,
  type GuardResponse,
} from '@protectimus-mail/core';
import type { Context, Middleware } from 'koa';
import { checkMountPath, locate, type MountPath } from './mount';
import { guardRequestOf } from './request';
import { grantInNewSession, sessionOf } from './session';

/** Reads the login of the user who passed the first factor, or null/undefined for nobody. */
export type LoginOf = (ctx: Context) => string | null | undefined;

/** Options of {@link protectimusMail}. */
export interface ProtectimusMailOptions {
  /**
   * The protectimus-mail instance (`createProtectimus(...)`). Default: one built by
   * `protectimusFromEnv()` on first use and shared by every guard left on the default, in this
   * adapter and the Express one (`defaultProtectimus()`).
   */
  protectimus?: GuardEngine;
  /** Resource id or name this guard protects. Default `'default'`. */
  resource?: string;
  /**
   * The login of the user who passed the first factor, or null/undefined for nobody. Default:
   * `ctx.state.user.login`, else `username`, else `id` (what koa-passport sets), as a string.
   */
  user?: LoginOf;
  /** Seconds a verification lasts in the session. Default `28800` (8 hours). */
  verifiedFor?: number;
  /**
   * Where the guarded area starts, from the site root (`'/billing'`), or a function of `ctx`.
   * Needed under @koa/router (`router.use('/billing', guard)`, a router `prefix`). Default: what
   * koa-mount cut from `ctx.path`, else `''` (the guard is app-wide).
   */
  mountPath?: MountPath;
  /**
   * Told of outages (Redis down: 503, SMTP refusing: 502) and of failures the protocol did not
   * expect (each answered 503 `unavailable`): a missing session, a session store or an environment
   * that fails, a `mountPath` that does not match. Refusals such as a wrong code are answers, not
   * errors, and are not reported. Default: one line on `console.error`, never a code.
   */
  onError?: (err: unknown) => void;
}

const NO_SESSION = 'protectimusMail needs koa-session (app.use(session(app))) or another session middleware before it';

/** Writes a guard answer; `vary` keeps what other middleware added (compression's Accept-Encoding). */
function writeAnswer(ctx: Context, answer: Extract<GuardResponse, { action: 'respond' }>): void {
  // A failure after the app began answering (none is expected) must not corrupt that answer.
  if (ctx.headerSent) return;
  ctx.status = answer.status;
  for (const [name, value] of Object.entries(answer.headers)) {
    if (name.toLowerCase() === 'vary') ctx.vary(value);
    else ctx.set(name, value);
  }
  ctx.body = answer.body;
}

/**
 * The second-factor guard as Koa middleware. Use it where the protected pages are
 * (`app.use(protectimusMail({ resource: 'billing' }))`, under koa-mount, or in a @koa/router with
 * `mountPath`): it passes a session verified for the resource on to the app, and otherwise
 * answers with the protocol of DESIGN.md (a code mailed, the code form, `<mount>/_otp/verify` and
 * `<mount>/_otp/resend`). Needs koa-session and, before it, the first factor (koa-passport).
 */
export function protectimusMail(options: ProtectimusMailOptions = {}): Middleware {
  const resource = options.resource ?? 'default';
  if (typeof resource !== 'string' || resource === '') throw new TypeError('protectimusMail: resource must be a non-empty string');
  const verifiedFor = options.verifiedFor ?? DEFAULT_VERIFIED_FOR;
  if (!(Number.isFinite(verifiedFor) && verifiedFor > 0)) throw new TypeError('protectimusMail: verifiedFor must be a positive number of seconds');
  if (typeof options.mountPath === 'string') checkMountPath(options.mountPath);
  const onError = options.onError ?? logGuardError;
  const loginOf: LoginOf = options.user ?? ((ctx) => loginOfUser((ctx.state as { user?: unknown } | undefined)?.user));
  const guardOptions: GuardOptions = { resource, verifiedFor, onError };

  async function decide(ctx: Context): Promise<GuardResponse> {
    const session = sessionOf(ctx);
    if (!session) {
      reportGuardError(onError, new Error(NO_SESSION));
      return unavailableResponse();
    }
    const engine = options.protectimus ?? defaultProtectimus();
    const login = loginOf(ctx) || null;
    const where = locate(ctx, options.mountPath);
    const answer = await handleGuard(engine, guardOptions, guardRequestOf(ctx, where, session, login));
    if (answer.action === 'respond' && answer.grant) await grantInNewSession(ctx, session, answer.grant);
    return answer;
  }

  return async function protectimusMailGuard(ctx, next) {
    let answer: GuardResponse;
    try {
      answer = await decide(ctx);
    } catch (err) {
      // Whatever fails here (the env, the app's `user`, the session store) closes the door.
      reportGuardError(onError, err);
      answer = unavailableResponse();
    }
    // Outside the try: the app's own errors are the app's, not a 503 of the guard.
    if (answer.action === 'next') return next();
    writeAnswer(ctx, answer);
  };
}
