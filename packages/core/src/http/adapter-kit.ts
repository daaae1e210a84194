import { protectimusFromEnv, type Protectimus } from '../protectimus';
import { jsonResponse } from './responses';
import type { GuardResponse } from './types';

/**
 * What every adapter needs beside `handleGuard`, written once so the Express and Koa bindings stay
 * thin and answer alike.
 */

/**
 * The login of a first-factor user as Passport (`req.user`) or koa-passport (`ctx.state.user`)
 * leaves it: its `login`, else `username`, else `id`, as a string. Null for no user, or for one
 * with none of them: an unnamed user must not pass as somebody.
 */
export function loginOfUser(user: unknown): string | null {
  if (typeof user !== 'object' || user === null) return null;
  const fields = user as Record<string, unknown>;
  for (const key of ['login', 'username', 'id']) {
    const value = fields[key];
    if (typeof value === 'string' && value !== '') return value;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    if (typeof value === 'bigint') return String(value);
  }
  return null;
}

let shared: Protectimus | undefined;

/**
 * The instance every guard and strategy made without a `protectimus` option uses, whatever the
 * adapter: built by `protectimusFromEnv()` on first call, then the same one for the whole process
 * (one Redis connection, one mail transport). Call it to administer that instance or `close()` it.
 * Throws while the environment is incomplete (no `SMTP_URL`), and tries again on the next call.
 */
export function defaultProtectimus(): Protectimus {
  shared ??= protectimusFromEnv();
  return shared;
}

/** An error as one log line: its name and the first line of its message, capped. */
export function describeError(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  const line = text.split(/\r?\n/, 1)[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}...` : line;
}

/**
 * The adapters' default `onError`: one line on stderr. Core errors never carry a code or a PIN,
 * and this line has no stack and no request data, so it is safe for any log.
 */
export function logGuardError(err: unknown): void {
  console.error(`protectimus-mail: ${describeError(err)}`);
}

/** Calls the app's `onError`; a failing logger must not change the answer. */
export function reportGuardError(onError: (err: unknown) => void, err: unknown): void {
  try {
    onError(err);
  } catch {
    // Nothing better to do with it.
  }
}

/**
 * The protocol's 503 for what fails before or around `handleGuard` (no session, no instance, a
 * session store that cannot regenerate): closed, and the same bytes from every adapter.
 */
export function unavailableResponse(): Extract<GuardResponse, { action: 'respond' }> {
  return jsonResponse(503, { error: 'unavailable' }) as Extract<GuardResponse, { action: 'respond' }>;
}
