import { randomBytes, timingSafeEqual } from 'node:crypto';
import { guardState } from './session-state';

/** This session's CSRF token for the guard's forms, made on first use. */
export function csrfToken(session: Record<string, unknown>): string {
  const state = guardState(session);
  state.csrf ??= randomBytes(32).toString('base64url');
  return state.csrf;
}

/** True when `given` is this session's CSRF token; compared in constant time. */
export function checkCsrf(session: Record<string, unknown>, given: unknown): boolean {
  const expected = guardState(session).csrf;
  if (typeof given !== 'string' || expected === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
