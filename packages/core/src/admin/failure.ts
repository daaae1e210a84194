import { isProtectimusError } from '../errors';

/** A refusal of the admin layer itself (not of the model): forbidden, CSRF, unknown route. */
export class AdminRefusal extends Error {
  override readonly name = 'AdminRefusal';
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** An error as the API answers it. */
export interface AdminFailure {
  status: number;
  /** The stable code: a `ProtectimusError` code in lower case, or the admin layer's own. */
  error: string;
  message: string;
  /** For `invalid_input` and `already_exists`: the field at fault, so a form can point at it. */
  field?: string;
  headers?: Record<string, string>;
}

/** True when the failure was not a decision but a fault (a bug, a broken session object). */
export function isFault(err: unknown): boolean {
  return !isProtectimusError(err) && !(err instanceof AdminRefusal);
}

/**
 * Maps what an operation threw to the API's answer. The model's messages are written for people
 * and never hold a secret, so they are passed on. `NOT_ASSIGNED` is 404 here (the guard's 403 is
 * about a user; here it is an assignment that does not exist), an unreachable store is 503, and
 * anything unexpected is 500 with no detail.
 */
export function adminFailure(err: unknown): AdminFailure {
  if (err instanceof AdminRefusal) return { status: err.status, error: err.error, message: err.message, headers: err.headers };
  if (!isProtectimusError(err)) return { status: 500, error: 'internal_error', message: 'something went wrong; the server log has the details' };
  const field = err.field !== undefined ? { field: err.field } : {};
  switch (err.code) {
    case 'NOT_ASSIGNED':
      return { status: 404, error: 'not_assigned', message: err.message };
    case 'STORE_UNAVAILABLE':
      return { status: 503, error: 'unavailable', message: 'the store is unreachable; try again in a moment' };
    default:
      return { status: err.status, error: err.code.toLowerCase(), message: err.message, ...field };
  }
}

export const forbidden = (): AdminRefusal => new AdminRefusal(403, 'forbidden', 'you are not allowed to administer protectimus-mail');
export const csrfFailed = (): AdminRefusal =>
  new AdminRefusal(403, 'csrf_failed', 'the X-CSRF-Token header is missing or wrong; GET api/csrf gives the session\'s token');
export const routeNotFound = (): AdminRefusal => new AdminRefusal(404, 'not_found', 'no such address in the admin API');
export const methodNotAllowed = (allow: string[]): AdminRefusal =>
  new AdminRefusal(405, 'method_not_allowed', `use ${allow.join(', ')} here`, { Allow: allow.join(', ') });
