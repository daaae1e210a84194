import { createHash } from 'node:crypto';
import type { Schedule } from './schedule';

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
  /**
   * ISO time the address was confirmed; null while an enrolled token is pending confirmation (no
   * right code typed yet). A token an administrator made counts as confirmed when it was created.
   */
  confirmedAt: string | null;
}

/** A user of the protected app. */
export interface User {
  id: string;
  login: string;
  email: string | null;
  firstName: string | null;
  secondName: string | null;
  /**
   * The language of the user's code mail, a BCP 47 tag (`uk`, `pt-BR`), or null to follow the
   * page's (docs/design.md, "Languages").
   */
  locale: string | null;
  blocked: BlockReason | null;
  blockedUntil: string | null;
  createdAt: string;
}

/** A protected area of an app. */
export interface Resource {
  id: string;
  name: string;
  /**
   * What people read for the resource in the guard's pages and the code mail ("Billing"), where
   * `name` is the key apps and admins use; 1..80 characters. Absent: the mail says `name` and the
   * page names no resource.
   */
  displayName?: string;
  /** Consecutive failures that lock a token here, 3..10. */
  failedAttemptsBeforeLock: number;
  /** How long such a lock lasts. */
  lockMinutes: number;
  /** Addresses or CIDRs allowed in; empty means any. */
  allowedIps: string[];
  /** Whether the guard's `enroll` may create users and tokens of the app here. */
  enrollment: Enrollment;
  /** When the resource may be entered (docs/design.md, "Time windows"); null: at any time. */
  schedule: Schedule | null;
  createdAt: string;
}

/**
 * `'allowed'`: a first-factor user of the app with no token here gets one at the address the app
 * gives (docs/design.md, "Enrollment"). `'off'` (the default): only what an administrator assigned.
 */
export type Enrollment = 'allowed' | 'off';

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

// The directory's JSON records. They hold what the API views must never show (sealed secret, PIN
// hash), so only the view functions below turn them into API objects.

export interface TokenRecord {
  id: string;
  name: string;
  email: string;
  otpLength: OtpLength;
  pinHash: string | null;
  pinPosition: PinPosition | null;
  userId: string | null;
  /** HOTP secret, sealed by the keyring. */
  secret: string;
  createdAt: number;
  /**
   * Bumped by every change that must end what the token granted: its address, its PIN, an
   * admin block, taking it from its owner. Verified sessions and open codes carry the epoch they
   * were made under (see `grantStamp`). Absent in records written before it existed: 0.
   */
  epoch?: number;
  /** Epoch ms of the first right code of an enrolled token; null while pending. Absent: `createdAt` (an administrator's token). */
  confirmedAt?: number | null;
}

export interface UserRecord {
  id: string;
  login: string;
  email: string | null;
  firstName: string | null;
  secondName: string | null;
  /** Absent in records written before it existed: null. */
  locale?: string | null;
  block: Block | null;
  createdAt: number;
  /** Bumped when an admin blocks the user, so sessions verified before stay ended after an unblock. Absent: 0. */
  epoch?: number;
}

export interface ResourceRecord {
  id: string;
  name: string;
  /** Absent when the resource has none. */
  displayName?: string;
  failedAttemptsBeforeLock: number;
  lockMinutes: number;
  allowedIps: string[];
  /** Absent in records written before enrollment existed: `'off'`. */
  enrollment?: Enrollment;
  /** Absent in records written before time windows existed: null, always open. */
  schedule?: Schedule | null;
  createdAt: number;
}

/**
 * What a second-factor success stood on, as an opaque string kept in the session: the resource,
 * user and token by id, and the user's and token's epochs. While the directory gives the same
 * stamp for the same resource and login, nothing that ends a verified session has happened.
 * Hashed so a session kept client-side (a cookie store) carries no ids.
 */
export function grantStamp(resource: ResourceRecord, user: UserRecord, token: TokenRecord): string {
  const text = `${resource.id}\0${user.id}\0${user.epoch ?? 0}\0${token.id}\0${token.epoch ?? 0}`;
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

/** The record with its epoch bumped: whatever it granted before ends. */
export function nextEpoch<T extends { epoch?: number }>(rec: T): T {
  return { ...rec, epoch: (rec.epoch ?? 0) + 1 };
}

/** A block that is still in force at `now`, or null. */
export function activeBlock(block: Block | null, now: number): Block | null {
  return block && (block.until === null || block.until > now) ? block : null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function tokenView(rec: TokenRecord, block: Block | null): MailToken {
  return {
    id: rec.id,
    type: 'mail',
    name: rec.name,
    email: rec.email,
    otpLength: rec.otpLength,
    hasPin: rec.pinHash !== null,
    pinPosition: rec.pinHash !== null ? rec.pinPosition : null,
    userId: rec.userId,
    blocked: block?.reason ?? null,
    blockedUntil: iso(block?.until ?? null),
    createdAt: new Date(rec.createdAt).toISOString(),
    confirmedAt: iso(rec.confirmedAt === undefined ? rec.createdAt : rec.confirmedAt),
  };
}

/** Whether an enrolled token still waits for its first right code. */
export function isPending(rec: TokenRecord): boolean {
  return rec.confirmedAt === null;
}

export function userView(rec: UserRecord, now: number): User {
  const block = activeBlock(rec.block, now);
  return {
    id: rec.id,
    login: rec.login,
    email: rec.email,
    firstName: rec.firstName,
    secondName: rec.secondName,
    locale: rec.locale ?? null,
    blocked: block?.reason ?? null,
    blockedUntil: iso(block?.until ?? null),
    createdAt: new Date(rec.createdAt).toISOString(),
  };
}

export function resourceView(rec: ResourceRecord): Resource {
  return {
    id: rec.id,
    name: rec.name,
    ...(rec.displayName !== undefined ? { displayName: rec.displayName } : {}),
    failedAttemptsBeforeLock: rec.failedAttemptsBeforeLock,
    lockMinutes: rec.lockMinutes,
    allowedIps: [...rec.allowedIps],
    enrollment: rec.enrollment ?? 'off',
    schedule: rec.schedule ?? null,
    createdAt: new Date(rec.createdAt).toISOString(),
  };
}

/** Ordered-list member for a record: its sort key, then its id (names may repeat across kinds). */
export function member(sortKey: string, id: string): string {
  return `${sortKey.toLowerCase()}\u0000${id}`;
}

/** The id at the end of a list member. */
export function memberId(m: string): string {
  return m.slice(m.lastIndexOf('\u0000') + 1);
}
