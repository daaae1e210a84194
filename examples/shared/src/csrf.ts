import { randomBytes, timingSafeEqual } from 'node:crypto';

/** Where the site keeps its CSRF token in the session; the guard keeps its own under `protectimus`. */
const KEY = 'siteCsrf';

/** This session's CSRF token for the site's forms, made on first use. `session` is the framework's session object. */
export function siteCsrfToken(session: object): string {
  const data = session as Record<string, unknown>;
  if (typeof data[KEY] !== 'string') data[KEY] = randomBytes(32).toString('base64url');
  return data[KEY] as string;
}

/** Whether the posted form's `_csrf` field is this session's token; compared in constant time. */
export function siteCsrfValid(session: object, body: unknown): boolean {
  const expected = (session as Record<string, unknown>)[KEY];
  const given = (body as Record<string, unknown> | null | undefined)?._csrf;
  if (typeof given !== 'string' || typeof expected !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
