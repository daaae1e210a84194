import { applyGrant, carrySession, readBody, setHeaders, type Answer, type Grant, type GuardRequest } from '@protectimus-mail/core/adapter';
import type { Context } from 'koa';
import type { Location } from './mount';

// What the guard and the admin router read of a Koa context and write to it: its body and headers,
// its session (and a grant in a new one), the answer.

/**
 * The body the app's parser produced, or undefined. @koa/bodyparser sets `{}` without reading
 * for types it skips: only a body whose stream was read to its end was parsed, else the guard
 * reads the stream itself (as the Express adapter decides).
 */
export function parsedBody(ctx: Context): unknown {
  const body = (ctx.request as { body?: unknown }).body;
  return body !== undefined && ctx.req.readableEnded ? body : undefined;
}

/** A request header, or undefined when absent. */
export function header(ctx: Context, name: string): string | undefined {
  return ctx.get(name) || undefined;
}

/** The framework-neutral view of a Koa request, for `handleGuard`. */
export function guardRequestOf(ctx: Context, where: Location, session: Record<string, unknown>, login: string | null): GuardRequest {
  return {
    method: ctx.method,
    path: where.path,
    mountPath: where.mountPath,
    originalUrl: ctx.originalUrl,
    headers: {
      accept: header(ctx, 'accept'),
      contentType: header(ctx, 'content-type'),
      acceptLanguage: header(ctx, 'accept-language'),
      origin: header(ctx, 'origin'),
      cookie: header(ctx, 'cookie'),
      userAgent: header(ctx, 'user-agent'),
    },
    body: parsedBody(ctx),
    readRawBody: () => readBody(ctx.req),
    session,
    login,
    ip: ctx.ip,
    // Both by Koa's `app.proxy`, as the app sees the request.
    secure: ctx.secure,
    hostname: ctx.hostname,
  };
}

type Callback = (err?: unknown) => void;

/** The parts of koa-session's `ctx.session` used here (`regenerate` since koa-session 6.4). */
interface KoaSession extends Record<string, unknown> {
  regenerate?: (done: Callback) => unknown;
}

/** The session object on `ctx`, or null when no session middleware ran before the guard. */
export function sessionOf(ctx: Context): KoaSession | null {
  const session = (ctx as { session?: unknown }).session;
  return typeof session === 'object' && session !== null ? (session as KoaSession) : null;
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** koa-session's `regenerate` takes a callback in every version that has it, a promise only in 7. */
function regenerate(session: KoaSession & { regenerate: (done: Callback) => unknown }): Promise<void> {
  return new Promise((resolve, reject) => {
    const returned = session.regenerate((err) => (err ? reject(toError(err)) : resolve()));
    if (returned && typeof (returned as Promise<void>).then === 'function') (returned as Promise<void>).then(() => resolve(), reject);
  });
}

/**
 * Records a verification under a new session id, so an id planted before the second factor is
 * worth nothing after it. koa-session's `regenerate` keeps the data (koa-passport's login among
 * it) under a new external key; koa-generic-session's `ctx.regenerateSession()` starts an empty
 * session, so the data is carried over. A session with neither (no id to fixate, as with a cookie
 * holding the data) is written in place, as the Express adapter does.
 */
export async function grantInNewSession(ctx: Context, old: KoaSession, grant: Grant): Promise<void> {
  const generic = ctx as { regenerateSession?: () => Promise<void> };
  if (typeof old.regenerate === 'function') await regenerate(old as KoaSession & { regenerate: (done: Callback) => unknown });
  else if (typeof generic.regenerateSession === 'function') await generic.regenerateSession();
  const fresh = sessionOf(ctx);
  if (!fresh) throw new Error('protectimusMail: the session was gone after regenerating it');
  if (fresh !== old) carrySession(old, fresh);
  applyGrant(fresh, grant);
}

/** Writes an answer; `vary` keeps what other middleware added (compression's Accept-Encoding). */
export function writeAnswer(ctx: Context, answer: Answer): void {
  // A failure after the app began answering (none is expected) must not corrupt that answer.
  if (ctx.headerSent) return;
  ctx.status = answer.status;
  setHeaders(
    answer,
    (name, value) => ctx.set(name, value),
    (value) => ctx.vary(value),
    (name, value) => ctx.append(name, value),
  );
  // Koa would turn an empty string into a 200 with a body; a 204 has none.
  ctx.body = answer.status === 204 ? null : answer.body;
}
