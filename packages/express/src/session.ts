import { applyGrant, carrySession, type Grant } from '@protectimus-mail/core/adapter';
import type { Request } from 'express';

type Callback = (err?: unknown) => void;

/** The parts of express-session's `req.session` used here; other session middleware may lack some. */
interface RegenerableSession extends Record<string, unknown> {
  regenerate?: (done: Callback) => void;
  save?: (done: Callback) => void;
}

/** The session express-session (or another session middleware) put on `req`, or null without one. */
export function sessionOf(req: Request): Record<string, unknown> | null {
  const session = (req as { session?: unknown }).session;
  return typeof session === 'object' && session !== null ? (session as Record<string, unknown>) : null;
}

/**
 * The new session gets express-session's default cookie; an app may have set this one's own
 * lifetime ("remember me": `req.session.cookie.maxAge = ...`), which must outlive the grant.
 */
function keepCookieLifetime(old: RegenerableSession, fresh: RegenerableSession): void {
  const before = old.cookie as { originalMaxAge?: unknown } | undefined;
  const after = fresh.cookie as { maxAge?: unknown } | undefined;
  if (typeof before !== 'object' || before === null || typeof after !== 'object' || after === null) return;
  // null: a browser-session cookie; a number: the lifetime in ms, counted from now as at login.
  if (before.originalMaxAge === null || typeof before.originalMaxAge === 'number') after.maxAge = before.originalMaxAge;
}

function call(session: RegenerableSession, method: 'regenerate' | 'save'): Promise<void> {
  const fn = session[method];
  if (typeof fn !== 'function') return Promise.resolve();
  return new Promise((resolve, reject) => {
    fn.call(session, (err?: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()));
  });
}

/**
 * Records a verification under a new session id, so a session id planted before the second
 * factor is worth nothing after it. express-session's `regenerate` empties the session, so its
 * data (Passport's `passport.user` among it) is carried over first. A session middleware without
 * `regenerate` (cookie-session: the cookie is the data, there is no id to fixate) is written in place.
 */
export async function grantInNewSession(req: Request, grant: Grant): Promise<void> {
  // Read through a cast: this package does not make express-session's typings global.
  const sessionOf = (): RegenerableSession => (req as { session?: unknown }).session as RegenerableSession;
  const old = sessionOf();
  await call(old, 'regenerate');
  const fresh = sessionOf();
  if (fresh !== old) {
    carrySession(old, fresh);
    keepCookieLifetime(old, fresh);
  }
  applyGrant(fresh, grant);
  await call(fresh, 'save');
}
