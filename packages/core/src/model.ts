/** Where the PIN goes relative to the code in what the user types. */
export type PinPosition = 'before' | 'after';

/** Why a token or user is blocked: by an administrator, or by too many failed codes. */
export type BlockReason = 'admin' | 'failed_attempts';

/** A block as stored: `until` is epoch ms for a temporary block, null for one that waits for an admin. */
export interface Block {
  reason: BlockReason;
  until: number | null;
}

/** OTP lengths a mail token may have. */
export type OtpLength = 6 | 8;

/** A mail token as the API shows it: never its secret, counter or PIN. */
export interface MailToken {
  id: string;
  type: 'mail';
  name: string;
  email: string;
  otpLength: OtpLength;
  /** Whether a PIN is set; the PIN itself is never returned. */
  hasPin: boolean;
  /** Where the PIN goes, or null when the token has none. */
  pinPosition: PinPosition | null;
  /** Owner, or null. */
  userId: string | null;
  blocked: BlockReason | null;
  /** ISO time a temporary block ends; null when not blocked or blocked until an admin acts. */
  blockedUntil: string | null;
  createdAt: string;
}

/** A user of the protected app. */
export interface User {
  id: string;
  login: string;
  email: string | null;
  firstName: string | null;
  secondName: string | null;
  blocked: BlockReason | null;
  blockedUntil: string | null;
  createdAt: string;
}

/** A protected area of an app. */
export interface Resource {
  id: string;
  name: string;
  /** Consecutive failures that lock a token here, 3..10. */
  failedAttemptsBeforeLock: number;
  /** How long such a lock lasts. */
  lockMinutes: number;
  /** Addresses or CIDRs allowed in; empty means any. */
  allowedIps: string[];
  createdAt: string;
}

/** "Token with user" assigned to a resource. */
export interface Assignment {
  resourceId: string;
  userId: string;
  tokenId: string;
}

/** One page of a list; pass `next` back as `cursor` for the following page. */
export interface Page<T> {
  items: T[];
  next: string | null;
}

/** How to page and filter a list. */
export interface ListQuery {
  /** Case-insensitive text to look for in names, logins and addresses. */
  q?: string;
  /** From a previous page's `next`. */
  cursor?: string | null;
  /** Items per page, 1..200; default 50. */
  limit?: number;
}
