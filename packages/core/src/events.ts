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
  /**
   * Short non-secret facts: `attemptsLeft`, `retryAfter`, `reason`, `blockedUntil`, `actor`; in the
   * log, `repeats`: how many more of the same decision were made since the last entry of it.
   */
  detail?: Record<string, string | number | boolean | null>;
}

/**
 * The two capped logs of the store. `security`: what a request cannot repeat at will, so noise
 * can never push it out: attempts that count towards a lock, blocks, successful verifications
 * (each costs a mailed code), failed deliveries and every admin change. `activity`: what anyone
 * holding the first factor can repeat (page loads, mails within their caps, refusals).
 */
export type EventLog = 'security' | 'activity';

// Spelled as a record so the compiler insists every event type is classified.
const LOG_OF: Readonly<Record<EventType, EventLog>> = {
  'otp.sent': 'activity',
  'otp.reused': 'activity',
  'otp.verified': 'security',
  'otp.failed': 'security',
  'otp.expired': 'activity',
  'otp.rate_limited': 'activity',
  'otp.delivery_failed': 'security',
  'access.denied': 'activity',
  'token.blocked': 'security',
  'token.unblocked': 'security',
  'user.blocked': 'security',
  'user.unblocked': 'security',
  'token.created': 'security',
  'token.updated': 'security',
  'token.removed': 'security',
  'user.created': 'security',
  'user.updated': 'security',
  'user.removed': 'security',
  'resource.created': 'security',
  'resource.updated': 'security',
  'resource.removed': 'security',
  'assignment.created': 'security',
  'assignment.removed': 'security',
};

/** The log an event type is kept in. */
export function eventLog(type: EventType): EventLog {
  // A type that is not one (from untyped code) reads as activity rather than off the prototype.
  return Object.hasOwn(LOG_OF, type) ? LOG_OF[type] : 'activity';
}
