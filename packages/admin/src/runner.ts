import { logGuardError, refusal, reportGuardError } from '../errors';
import { defaultProtectimus, type Protectimus } from '../protectimus';
import { json, type Answer } from '../web/answer';
import { handleAdmin } from './handle';
import type { AdminRequest } from './types';

/** Throws when the app gave no `authorize`: the admin router has no open default. */
function assertAuthorize(options: unknown, name = 'protectimusAdmin'): void {
  const authorize = typeof options === 'object' && options !== null ? (options as { authorize?: unknown }).authorize : undefined;
  if (typeof authorize !== 'function') {
    throw new TypeError(`${name}: authorize(req) is required, there is no open default; e.g. authorize: (req) => req.user?.role === 'admin'`);
  }
}

/** Logged when a binding runs without a session: the CSRF token needs one. */
const ADMIN_NO_SESSION = 'protectimusAdmin needs a session middleware (express-session, koa-session) before it, for its CSRF token';

/** The answer for what fails around `handleAdmin` (no session, `authorize` or the instance throwing). */
function adminInternalError(message?: string): Answer {
  const { status, error, message: told } = refusal('FAULT', 'admin');
  return json(status, { error, message: message ?? told });
}

/** The options every adapter's `protectimusAdmin()` takes, for its own request type `R`. */
export interface CommonAdminOptions<R> {
  /** The instance to administer. Default: the one guards left on the default share (`defaultProtectimus()`). */
  protectimus?: Protectimus;
  /**
   * Whether this request may administer protectimus-mail: must return (or resolve to) `true`,
   * anything else is 403. Required: there is no open default.
   */
  authorize: (r: R) => boolean | Promise<boolean>;
  /** Told of errors the admin layer did not expect (answered 500). Default: one line on `console.error`. */
  onError?: (err: unknown) => void;
}

/** What an adapter knows of its own request type `R`. */
export interface AdminBinding<R> {
  /** The live session (the CSRF token lives there), or null without session middleware. */
  session(r: R): Record<string, unknown> | null;
  /** The framework-neutral request for `handleAdmin`. */
  request(r: R, session: Record<string, unknown>, authorized: boolean): AdminRequest;
}

/**
 * The admin router's run for one request, whatever the framework: refuses to exist without
 * `authorize`, then per request checks the session, asks `authorize`, and answers through
 * `handleAdmin`. Never rejects: `authorize` or the default instance failing is a 500.
 */
export function adminRunner<R>(options: CommonAdminOptions<R>, binding: AdminBinding<R>): (r: R) => Promise<Answer> {
  assertAuthorize(options);
  const onError = options.onError ?? logGuardError;

  async function decide(r: R): Promise<Answer> {
    const session = binding.session(r);
    if (!session) {
      reportGuardError(onError, new Error(ADMIN_NO_SESSION));
      return adminInternalError(ADMIN_NO_SESSION);
    }
    const authorized = (await options.authorize(r)) === true;
    const pm = options.protectimus ?? defaultProtectimus();
    return handleAdmin(pm, binding.request(r, session, authorized), { onError });
  }

  return async (r) => {
    try {
      return await decide(r);
    } catch (err) {
      reportGuardError(onError, err);
      return adminInternalError();
    }
  };
}
