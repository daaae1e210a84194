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

/** HTTP status for each code, shared by the guard and the admin API. */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  INVALID_INPUT: 400,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  NOT_ASSIGNED: 403,
  INVALID_OTP: 401,
  OTP_EXPIRED: 401,
  BLOCKED: 403,
  RATE_LIMITED: 429,
  ACCESS_RESTRICTED: 403,
  DELIVERY_FAILED: 502,
  STORE_UNAVAILABLE: 503,
};

/** Extra facts some codes carry; never a code, a PIN or a secret. */
export interface ErrorDetails {
  /** `INVALID_OTP`: wrong tries left on the open code. */
  attemptsLeft?: number;
  /** `BLOCKED` (temporary) and `RATE_LIMITED`: whole seconds until a retry can succeed. */
  retryAfter?: number;
  /** `INVALID_INPUT`: the offending field. */
  field?: string;
}

/** Every refusal of protectimus-mail: a stable `code`, an HTTP `status`, a human `message`. */
export class ProtectimusError extends Error implements ErrorDetails {
  override readonly name = 'ProtectimusError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly attemptsLeft?: number;
  readonly retryAfter?: number;
  readonly field?: string;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.status = HTTP_STATUS[code];
    if (details.attemptsLeft !== undefined) this.attemptsLeft = details.attemptsLeft;
    if (details.retryAfter !== undefined) this.retryAfter = details.retryAfter;
    if (details.field !== undefined) this.field = details.field;
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
