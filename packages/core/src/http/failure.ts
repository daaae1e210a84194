import { isProtectimusError } from '../errors';

/** The stable `error` values of the guard's JSON answers. */
export type GuardErrorCode =
  | 'unauthenticated'
  | 'invalid_otp'
  | 'otp_expired'
  | 'blocked'
  | 'not_assigned'
  | 'access_restricted'
  | 'rate_limited'
  | 'invalid_input'
  | 'csrf_failed'
  | 'delivery_failed'
  | 'unavailable'
  | 'method_not_allowed';

/** A refusal as the guard answers it: status, stable code, and the facts the client may see. */
export interface GuardFailure {
  status: number;
  error: GuardErrorCode;
  attemptsLeft?: number;
  retryAfter?: number;
}

/**
 * Maps anything the engine throws to the protocol's answer. `NOT_FOUND` answers like
 * `NOT_ASSIGNED` so a client cannot probe which users or resources exist; anything unexpected
 * is `unavailable`: the guard fails closed, never open and never with a stack.
 */
export function failureOf(err: unknown): GuardFailure {
  if (!isProtectimusError(err)) return { status: 503, error: 'unavailable' };
  switch (err.code) {
    case 'INVALID_OTP':
      return { status: 401, error: 'invalid_otp', ...(err.attemptsLeft !== undefined ? { attemptsLeft: err.attemptsLeft } : {}) };
    case 'OTP_EXPIRED':
      return { status: 401, error: 'otp_expired' };
    case 'BLOCKED':
      return { status: 403, error: 'blocked', ...(err.retryAfter !== undefined ? { retryAfter: err.retryAfter } : {}) };
    case 'NOT_ASSIGNED':
    case 'NOT_FOUND':
      return { status: 403, error: 'not_assigned' };
    case 'ACCESS_RESTRICTED':
      return { status: 403, error: 'access_restricted' };
    case 'RATE_LIMITED':
      // The protocol promises a retryAfter; a second is the least wait that can be honest.
      return { status: 429, error: 'rate_limited', retryAfter: Math.max(1, Math.ceil(err.retryAfter ?? 1)) };
    case 'INVALID_INPUT':
      return { status: 400, error: 'invalid_input' };
    case 'DELIVERY_FAILED':
      return { status: 502, error: 'delivery_failed' };
    default:
      return { status: 503, error: 'unavailable' };
  }
}

/** True for refusals that only someone else can lift (an admin, the first factor, the network). */
export function isDeadEnd(failure: GuardFailure): boolean {
  return ['unauthenticated', 'blocked', 'not_assigned', 'access_restricted', 'unavailable', 'method_not_allowed'].includes(
    failure.error,
  );
}

/**
 * Whether an error is news for the operator, not only an answer for the client: the store or the
 * mail server failing, or anything the protocol did not expect. Wrong codes and blocks are not.
 */
export function isOutage(err: unknown): boolean {
  return !isProtectimusError(err) || err.code === 'STORE_UNAVAILABLE' || err.code === 'DELIVERY_FAILED';
}
