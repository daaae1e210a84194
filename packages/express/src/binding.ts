import { applyGrant, carrySession, loginOfUser, readBody, setHeaders, type Answer, type AreaPlace, type Grant, type GuardRequest } from '@protectimus-mail/core/adapter';
import type { Request, Response } from 'express';

// What the guard and the admin router read of an Express request and write to it: its body, its
// session (and a grant in a new one), the login of its user, the answer.

/**
 * The body the app's parser produced, or undefined. Express 5's parsers leave `req.body`
 * undefined when they skip a request, but other middleware may set `{}` without reading: only a
 * body whose stream has been read to its end was parsed, else the guard reads the stream itself.
 */
export function parsedBody(req: Request): unknown {
  const body: unknown = req.body;
  return body !== undefined && req.readableEnded ? body : undefined;
}

/**
 * The framework-neutral view of an Express request, for `handleGuard`; `where`, the place the
 * `area` option found, replaces Express's mount point.
 */
export function guardRequestOf(req: Request, session: Record<string, unknown>, login: string | null, where?: AreaPlace): GuardRequest {
  return {
    method: req.method,
    // Relative to where the guard is mounted (app.use('/billing'), a Router, or the root).
    path: where ? where.path : req.path,
    mountPath: where ? where.mountPath : req.baseUrl,
    originalUrl: req.originalUrl,
    headers: {
      accept: req.headers.accept,
      contentType: req.headers['content-type'],
      acceptLanguage: req.headers['accept-language'],
      origin: req.headers.origin,
      cookie: req.headers.cookie,
      userAgent: req.headers['user-agent'],
    },
    body: parsedBody(req),
    readRawBody: () => readBody(req),
    session,
    login,
    ip: req.ip,
    // Both by Express's `trust proxy`, as the app sees the request.
    secure: req.secure,
    hostname: req.hostname,
  };
}

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

/** Writes an answer as is: `end` rather than `send`, so no ETag and no 304 for a no-store answer. */
export function writeAnswer(res: Response, answer: Answer): void {
  // A failure after the app began answering (none is expected) must not corrupt that answer.
  if (res.headersSent) return;
  res.status(answer.status);
  setHeaders(
    answer,
    (name, value) => res.setHeader(name, value),
    (value) => res.vary(value),
    (name, value) => res.append(name, value),
  );
  res.end(answer.body);
}

/** Reads the login of the user who passed the first factor, or null/undefined for nobody. */
export type LoginOf = (req: Request) => string | null | undefined;

/**
 * The default `user`: `req.user.login`, else `username`, else `id`, as a string. Only reads
 * `req.user`, so it also works on koa-passport's request.
 */
export function defaultLogin(req: Request): string | null {
  return loginOfUser((req as { user?: unknown }).user);
}
