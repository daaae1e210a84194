import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';

/** Where the site keeps its CSRF token in the session; the guard keeps its own under `protectimus`. */
const KEY = 'siteCsrf';

function sessionOf(ctx: Context): Record<string, unknown> {
  const session = (ctx as { session?: Record<string, unknown> | null }).session;
  if (!session) throw new Error('the site needs koa-session before its forms');
  return session;
}

/** This session's CSRF token for the site's forms, made on first use. */
export function csrfToken(ctx: Context): string {
  const session = sessionOf(ctx);
  if (typeof session[KEY] !== 'string') session[KEY] = randomBytes(32).toString('base64url');
  return session[KEY] as string;
}

/** Whether the posted `_csrf` field is this session's token; compared in constant time. */
export function csrfValid(ctx: Context): boolean {
  const expected = sessionOf(ctx)[KEY];
  const given = (ctx.request as { body?: Record<string, unknown> }).body?._csrf;
  if (typeof given !== 'string' || typeof expected !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
