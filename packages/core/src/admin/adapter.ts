import { json } from './responses';
import type { AdminResponse } from './types';

// What every admin binding needs beside `handleAdmin`, written once so Express and Koa answer alike.

/** Throws when the app gave no `authorize`: the admin router has no open default. */
export function assertAuthorize(options: unknown, name = 'protectimusAdmin'): void {
  const authorize = typeof options === 'object' && options !== null ? (options as { authorize?: unknown }).authorize : undefined;
  if (typeof authorize !== 'function') {
    throw new TypeError(`${name}: authorize(req) is required, there is no open default; e.g. authorize: (req) => req.user?.role === 'admin'`);
  }
}

/** The query as one string per name (the first of repeated names); nested objects are dropped. */
export function flatQuery(query: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(query)) {
    const first: unknown = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') out[name] = first;
  }
  return out;
}

/** Logged when a binding runs without a session: the CSRF token needs one. */
export const ADMIN_NO_SESSION = 'protectimusAdmin needs a session middleware (express-session, koa-session) before it, for its CSRF token';

/** The answer for what fails around `handleAdmin` (no session, `authorize` or the instance throwing). */
export function adminInternalError(message = 'something went wrong; the server log has the details'): AdminResponse {
  return json(500, { error: 'internal_error', message });
}
