import type { MailToken, PinPosition, User } from './model';

/** Who asks for a code, where. */
export interface PrepareInput {
  /** Resource id or name. */
  resource: string;
  /** The user's login (first factor already passed). */
  login: string;
  /** Client address, checked against the resource's `allowedIps` and written to the audit log. */
  ip?: string;
  /** Send a new code that replaces the open one (rate limited). */
  resend?: boolean;
}

/** What the user needs to know to type the code; nothing secret. */
export interface PrepareResult {
  tokenId: string;
  tokenName: string;
  /** The token's address, masked: `a***e@example.com`. */
  sentTo: string;
  otpLength: 6 | 8;
  pin: PinPosition | null;
  /** ISO time the code stops working. */
  expiresAt: string;
  /** ISO time a resend will be accepted. */
  resendAfter: string;
  /** False when an open code was reused and nothing was mailed. */
  sent: boolean;
}

/** A typed code, checked against the open challenge. */
export interface AuthenticateInput {
  resource: string;
  login: string;
  /** PIN and code as one string, as typed (surrounding whitespace is trimmed). */
  otp: unknown;
  ip?: string;
}

/** Who passed. */
export interface AuthenticateResult {
  user: User;
  token: MailToken;
  /**
   * What this success stood on (resource, user, token, and the admin state that ends a verified
   * session), as an opaque string to keep with the session: `pm.stillGranted(resource, login,
   * stamp)` tells on each later request whether it still holds.
   */
  stamp: string;
}
