import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';

declare module 'express-session' {
  interface SessionData {
    /** The site's CSRF token; the guard keeps its own under `protectimus`. */
    siteCsrf?: string;
  }
}

/** This session's CSRF token for the site's forms, made on first use. */
export function csrfToken(req: Request): string {
  req.session.siteCsrf ??= randomBytes(32).toString('base64url');
  return req.session.siteCsrf;
}

/** Whether the posted `_csrf` field is this session's token; compared in constant time. */
export function csrfValid(req: Request): boolean {
  const expected = req.session.siteCsrf;
  const given: unknown = (req.body as Record<string, unknown> | undefined)?._csrf;
  if (typeof given !== 'string' || expected === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
