import { applyGrant, carrySession, type Grant } from '@protectimus-mail/core/adapter';
import type { Context } from 'koa';

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
