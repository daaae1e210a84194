import type { EventType } from '../audit';

// Spelled as a record so the compiler insists every event type is listed.
const ALL: Record<EventType, true> = {
  'otp.sent': true,
  'otp.reused': true,
  'otp.verified': true,
  'otp.failed': true,
  'otp.expired': true,
  'otp.rate_limited': true,
  'otp.delivery_failed': true,
  'access.denied': true,
  'token.blocked': true,
  'token.unblocked': true,
  'user.blocked': true,
  'user.unblocked': true,
  'token.created': true,
  'token.updated': true,
  'token.removed': true,
  'token.enrolled': true,
  'token.confirmed': true,
  'user.created': true,
  'user.updated': true,
  'user.removed': true,
  'resource.created': true,
  'resource.updated': true,
  'resource.removed': true,
  'assignment.created': true,
  'assignment.removed': true,
};

/** Every audit event type, for the event log's filter. */
export const EVENT_TYPES = Object.keys(ALL) as EventType[];

export function isEventType(value: string): value is EventType {
  return Object.hasOwn(ALL, value);
}
