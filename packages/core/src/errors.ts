/** The stable error codes of docs/design.md ("Rules", the error table); `ProtectimusError.code` is always one of these. */
export type ErrorCode =
  | 'INVALID_INPUT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'NOT_ASSIGNED'
  | 'INVALID_OTP'
  | 'OTP_EXPIRED'
  | 'BLOCKED'
  | 'RATE_LIMITED'
  | 'ACCESS_RESTRICTED'
  | 'DELIVERY_FAILED'
  | 'STORE_UNAVAILABLE';

/** Extra facts some codes carry; never a code, a PIN or a secret. */
export interface ErrorDetails {
  /** `INVALID_OTP`: wrong tries left on the open code. */
  attemptsLeft?: number;
  /** `BLOCKED` (temporary) and `RATE_LIMITED`: whole seconds until a retry can succeed. */
  retryAfter?: number;
  /** `INVALID_INPUT`: the offending field. */
  field?: string;
  /** `RATE_LIMITED`: which limit refused (docs/design.md, "Rules" 3 and 7). */
  reason?: RateLimitReason;
  /**
   * `ACCESS_RESTRICTED` outside the resource's time windows (docs/design.md, "Time windows"): ISO
   * time it opens next, or null when no window opens within two weeks. Absent for an address refusal.
   */
  opensAt?: string | null;
  /** With `opensAt`: the schedule's IANA time zone, to tell the opening time in local terms. */
  timeZone?: string;
}

/**
 * Why a request was rate limited: a resend within the cooldown of the last mail, the hourly cap
 * of mails per token, or too many requests (page loads of one token, or of one session).
 */
export type RateLimitReason = 'cooldown' | 'hourly_cap' | 'requests';

/** Every refusal of protectimus-mail: a stable `code`, an HTTP `status`, a human `message`. */
export class ProtectimusError extends Error implements ErrorDetails {
  override readonly name = 'ProtectimusError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly attemptsLeft?: number;
  readonly retryAfter?: number;
  readonly field?: string;
  readonly reason?: RateLimitReason;
  readonly opensAt?: string | null;
  readonly timeZone?: string;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.status = ERRORS[code].status;
    if (details.attemptsLeft !== undefined) this.attemptsLeft = details.attemptsLeft;
    if (details.retryAfter !== undefined) this.retryAfter = details.retryAfter;
    if (details.field !== undefined) this.field = details.field;
    if (details.reason !== undefined) this.reason = details.reason;
    if (details.opensAt !== undefined) this.opensAt = details.opensAt;
    if (details.timeZone !== undefined) this.timeZone = details.timeZone;
  }
}

/** True for a `ProtectimusError`, optionally of one code. */
export function isProtectimusError(err: unknown, code?: ErrorCode): err is ProtectimusError {
  return err instanceof ProtectimusError && (code === undefined || err.code === code);
}

/** Shorthand for the most common refusal. */
export function invalidInput(field: string, message: string): ProtectimusError {
  return new ProtectimusError('INVALID_INPUT', message, { field });
}

/**
 * The refusals the web layer makes itself, never thrown by the model: nobody signed in, not
 * authorized, a CSRF token missing, a method the address does not take, and a fault (anything
 * that was not a decision).
 */
export type WebCode = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'CSRF_FAILED' | 'METHOD_NOT_ALLOWED' | 'FAULT';

/** The stable `error` values of the guard's and the admin API's JSON answers. */
export type WireCode =
  | 'invalid_input'
  | 'not_found'
  | 'already_exists'
  | 'not_assigned'
  | 'invalid_otp'
  | 'otp_expired'
  | 'blocked'
  | 'rate_limited'
  | 'access_restricted'
  | 'delivery_failed'
  | 'unavailable'
  | 'unauthenticated'
  | 'forbidden'
  | 'csrf_failed'
  | 'method_not_allowed'
  | 'internal_error';

/** Who answers: the guard's protocol, or the admin API and panel. */
export type Surface = 'guard' | 'admin';

interface Wire {
  status: number;
  error: WireCode;
  /** The message the admin API gives instead of the error's own. */
  message?: string;
}

interface Row extends Wire {
  guard?: Wire;
  admin?: Wire;
}

/**
 * The one table of refusals (docs/design.md, "Rules" and the protocol's status table): each code's
 * HTTP status and wire code, and where the guard and the admin API answer differently, their own.
 */
const ERRORS: Readonly<Record<ErrorCode | WebCode, Row>> = {
  INVALID_INPUT: { status: 400, error: 'invalid_input' },
  // To the guard, an unknown user or resource answers like a missing assignment, so a client
  // cannot probe which exist.
  NOT_FOUND: { status: 404, error: 'not_found', guard: { status: 403, error: 'not_assigned' } },
  // The guard never creates anything: a conflict there is a fault.
  ALREADY_EXISTS: { status: 409, error: 'already_exists', guard: { status: 503, error: 'unavailable' } },
  // The guard's 403 is about a user; in the admin API it is an assignment that does not exist.
  NOT_ASSIGNED: { status: 403, error: 'not_assigned', admin: { status: 404, error: 'not_assigned' } },
  INVALID_OTP: { status: 401, error: 'invalid_otp' },
  OTP_EXPIRED: { status: 401, error: 'otp_expired' },
  BLOCKED: { status: 403, error: 'blocked' },
  RATE_LIMITED: { status: 429, error: 'rate_limited' },
  ACCESS_RESTRICTED: { status: 403, error: 'access_restricted' },
  DELIVERY_FAILED: { status: 502, error: 'delivery_failed' },
  STORE_UNAVAILABLE: {
    status: 503,
    error: 'unavailable',
    admin: { status: 503, error: 'unavailable', message: 'the store is unreachable; try again in a moment' },
  },
  UNAUTHENTICATED: { status: 401, error: 'unauthenticated' },
  FORBIDDEN: { status: 403, error: 'forbidden', message: 'you are not allowed to administer protectimus-mail' },
  CSRF_FAILED: { status: 403, error: 'csrf_failed', message: "the X-CSRF-Token header is missing or wrong; GET api/csrf gives the session's token" },
  METHOD_NOT_ALLOWED: { status: 405, error: 'method_not_allowed' },
  // Fails closed: the guard never opens and never shows a stack; the admin API says it broke.
  FAULT: {
    status: 500,
    error: 'internal_error',
    message: 'something went wrong; the server log has the details',
    guard: { status: 503, error: 'unavailable' },
  },
};

function wireOf(code: ErrorCode | WebCode, surface: Surface): Wire {
  const row = ERRORS[code];
  return row[surface] ?? row;
}

/** A refusal of the web layer itself (not of the model): its status and wire code come from the table. */
export class WebRefusal extends Error {
  override readonly name = 'WebRefusal';
  constructor(
    readonly code: WebCode | 'NOT_FOUND',
    message: string = ERRORS[code].message ?? '',
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** A refusal as a surface answers it: status, stable code, and the facts the client may see. */
export interface Failure {
  status: number;
  error: WireCode;
  /** The guard's `invalid_otp`: wrong tries left on the open code. */
  attemptsLeft?: number;
  /** The guard's `blocked` (temporary) and `rate_limited`: whole seconds to wait. */
  retryAfter?: number;
  /** The guard's `rate_limited`: which limit refused. */
  reason?: RateLimitReason;
  /** The guard's `access_restricted` outside the time windows: ISO time the resource opens next, or null. */
  opensAt?: string | null;
  /** With `opensAt`: the schedule's time zone. */
  timeZone?: string;
  /** The admin API's: the model's message (written for people, never a secret) or the table's. */
  message?: string;
  /** The admin API's, for `invalid_input` and `already_exists`: the field at fault, so a form can point at it. */
  field?: string;
  /** The admin API's extra headers (`Allow`). */
  headers?: Record<string, string>;
}

/** A refusal as the guard answers it: its status and the body of its JSON. */
export type GuardFailure = Pick<Failure, 'status' | 'error' | 'attemptsLeft' | 'retryAfter' | 'reason' | 'opensAt' | 'timeZone'>;

/** The failure for a refusal the caller decided itself, by its code in the table. */
export function refusal(code: ErrorCode | WebCode, surface: Surface, facts: Pick<Failure, 'retryAfter' | 'reason'> = {}): Failure {
  const wire = wireOf(code, surface);
  return { status: wire.status, error: wire.error, ...(surface === 'admin' ? { message: wire.message ?? '' } : {}), ...facts };
}

/**
 * Maps anything thrown to a surface's answer (the guard's by default), by the table. Anything
 * that is neither a `ProtectimusError` nor a `WebRefusal` is a fault: 503 `unavailable` from the
 * guard, 500 `internal_error` from the admin API, with no detail either way.
 */
export function failureOf(err: unknown, surface: Surface = 'guard'): Failure {
  if (err instanceof WebRefusal) {
    const wire = wireOf(err.code, surface);
    return { status: wire.status, error: wire.error, message: err.message, headers: err.headers };
  }
  if (!isProtectimusError(err)) return refusal('FAULT', surface);
  const wire = wireOf(err.code, surface);
  const failure: Failure = { status: wire.status, error: wire.error };
  if (surface === 'admin') {
    failure.message = wire.message ?? err.message;
    // A surface's own answer (an override) is about something else than the field at fault.
    if (err.field !== undefined && ERRORS[err.code].admin === undefined) failure.field = err.field;
    return failure;
  }
  if (wire.error === 'invalid_otp' && err.attemptsLeft !== undefined) failure.attemptsLeft = err.attemptsLeft;
  if (wire.error === 'blocked' && err.retryAfter !== undefined) failure.retryAfter = err.retryAfter;
  if (wire.error === 'access_restricted' && err.opensAt !== undefined) {
    failure.opensAt = err.opensAt;
    if (err.timeZone !== undefined) failure.timeZone = err.timeZone;
  }
  // The protocol promises a retryAfter; a second is the least wait that can be honest.
  if (wire.error === 'rate_limited') {
    failure.retryAfter = Math.max(1, Math.ceil(err.retryAfter ?? 1));
    failure.reason = err.reason ?? 'requests';
  }
  return failure;
}

/** True when the error was not a decision but a fault (a bug, a broken session object). */
export function isFault(err: unknown): boolean {
  return !isProtectimusError(err) && !(err instanceof WebRefusal);
}

/**
 * Whether an error is news for the operator, not only an answer for the client: the store or the
 * mail server failing, or anything the protocol did not expect. Wrong codes and blocks are not.
 */
export function isOutage(err: unknown): boolean {
  return !isProtectimusError(err) || err.code === 'STORE_UNAVAILABLE' || err.code === 'DELIVERY_FAILED';
}

/** An error as one log line: its name and the first line of its message, capped. */
export function describeError(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  const line = text.split(/\r?\n/, 1)[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}...` : line;
}

/**
 * The default `onError` of guards and admin routers: one line on stderr. Core errors never carry
 * a code or a PIN, and this line has no stack and no request data, so it is safe for any log.
 */
export function logGuardError(err: unknown): void {
  console.error(`protectimus-mail: ${describeError(err)}`);
}

/** Calls the app's `onError`; a failing logger must not change the answer. */
export function reportGuardError(onError: ((err: unknown) => void) | undefined, err: unknown): void {
  try {
    onError?.(err);
  } catch {
    // Nothing better to do with it.
  }
}
