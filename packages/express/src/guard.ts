import {
  DEFAULT_VERIFIED_FOR,
  defaultProtectimus,
  handleGuard,
  logGuardError,
  reportGuardError,
  unavailableResponse,
  type GuardEngine,
  type GuardOptions,
  type GuardResponse,
} from '@protectimus-mail/core';
import type { Request, RequestHandler } from 'express';
import { defaultLogin, type LoginOf } from './login';
import { guardRequestOf } from './request';
import { writeAnswer } from './response';
import { grantInNewSession } from './session';

/** Options of {@link protectimusMail}. */
export interface ProtectimusMailOptions {
  /**
   * The protectimus-mail instance (`createProtectimus(...)`). Default: one built by
   * `protectimusFromEnv()` on first use and shared by every guard and strategy left on the
   * default, in this adapter and the Koa one (`defaultProtectimus()`).
   */
  protectimus?: GuardEngine;
  /** Resource id or name this guard protects. Default `'default'`. */
  resource?: string;
  /**
   * The login of the user who passed the first factor, or null/undefined for nobody. Default:
   * `req.user.login`, else `username`, else `id` (Passport's `req.user`), as a string.
   */
  user?: LoginOf;
  /** Seconds a verification lasts in the session. Default `28800` (8 hours). */
  verifiedFor?: number;
  /**
   * Told of outages (Redis down: 503, SMTP refusing: 502) and of failures the protocol did not
   * expect (each answered 503 `unavailable`): a missing session, a session store or an environment
   * that fails. Refusals such as a wrong code are answers, not errors, and are not reported.
   * Default: one line on `console.error`, never a code.
   */
  onError?: (err: unknown) => void;
}

const NO_SESSION = 'protectimusMail needs express-session (or another session middleware) before it';

/**
 * The second-factor guard as Express middleware. Mount it where the protected pages are
 * (`app.use('/billing', protectimusMail({ resource: 'billing' }))`, a Router, or the root): it
 * passes a session verified for the resource on to the app, and otherwise answers with the
 * protocol of DESIGN.md (a code mailed, the code form, `<mount>/_otp/verify` and
 * `<mount>/_otp/resend`). Needs a session middleware and, before it, the first factor.
 */
export function protectimusMail(options: ProtectimusMailOptions = {}): RequestHandler {
  const resource = options.resource ?? 'default';
  if (typeof resource !== 'string' || resource === '') throw new TypeError('protectimusMail: resource must be a non-empty string');
  const verifiedFor = options.verifiedFor ?? DEFAULT_VERIFIED_FOR;
  if (!(Number.isFinite(verifiedFor) && verifiedFor > 0)) throw new TypeError('protectimusMail: verifiedFor must be a positive number of seconds');
  const onError = options.onError ?? logGuardError;
  const loginOf = options.user ?? defaultLogin;
  const guardOptions: GuardOptions = { resource, verifiedFor, onError };

  async function decide(req: Request): Promise<GuardResponse> {
    const session = (req as { session?: unknown }).session;
    if (typeof session !== 'object' || session === null) {
      reportGuardError(onError, new Error(NO_SESSION));
      return unavailableResponse();
    }
    const engine = options.protectimus ?? defaultProtectimus();
    const login = loginOf(req) || null;
    const answer = await handleGuard(engine, guardOptions, guardRequestOf(req, session as Record<string, unknown>, login));
    if (answer.action === 'respond' && answer.grant) await grantInNewSession(req, answer.grant);
    return answer;
  }

  return async function protectimusMailGuard(req, res, next) {
    let answer: GuardResponse;
    try {
      answer = await decide(req);
    } catch (err) {
      // Whatever fails here (the env, the app's `user`, the session store) closes the door.
      reportGuardError(onError, err);
      answer = unavailableResponse();
    }
    // Outside the try: the app's own errors are the app's (Express's error handling), not a 503.
    if (answer.action === 'next') return next();
    writeAnswer(res, answer);
  };
}
