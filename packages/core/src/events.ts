/** Every decision protectimus-mail takes, as an audit event type. */
export type EventType =
  | 'otp.sent'
  | 'otp.reused'
  | 'otp.verified'
  | 'otp.failed'
  | 'otp.expired'
  | 'otp.rate_limited'
  | 'otp.delivery_failed'
  | 'access.denied'
  | 'token.blocked'
  | 'token.unblocked'
  | 'user.blocked'
  | 'user.unblocked'
  | 'token.created'
  | 'token.updated'
  | 'token.removed'
  | 'user.created'
  | 'user.updated'
  | 'user.removed'
  | 'resource.created'
  | 'resource.updated'
  | 'resource.removed'
  | 'assignment.created'
  | 'assignment.removed';

/** One audit entry: who, what resource, when, from where. Never a code or a PIN. */
export interface ProtectimusEvent {
  /** Store-given id; pass as `before` to page back. Empty for an event not yet stored. */
  id: string;
  type: EventType;
  /** ISO time. */
  at: string;
  resourceId?: string;
  resourceName?: string;
  userId?: string;
  login?: string;
  tokenId?: string;
  ip?: string;
  /** The stable error code behind a refusal (`INVALID_OTP`, `BLOCKED`, ...). */
  code?: string;
  /** Short non-secret facts: `attemptsLeft`, `retryAfter`, `reason`, `blockedUntil`, `actor`. */
  detail?: Record<string, string | number | boolean | null>;
}
