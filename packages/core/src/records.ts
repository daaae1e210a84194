import { createHash } from 'node:crypto';
import type { Block, MailToken, OtpLength, PinPosition, Resource, User } from './model';

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
}

export interface UserRecord {
  id: string;
  login: string;
  email: string | null;
  firstName: string | null;
  secondName: string | null;
  block: Block | null;
  createdAt: number;
  /** Bumped when an admin blocks the user, so sessions verified before stay ended after an unblock. Absent: 0. */
  epoch?: number;
}

export interface ResourceRecord {
  id: string;
  name: string;
  failedAttemptsBeforeLock: number;
  lockMinutes: number;
  allowedIps: string[];
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
  };
}

export function userView(rec: UserRecord, now: number): User {
  const block = activeBlock(rec.block, now);
  return {
    id: rec.id,
    login: rec.login,
    email: rec.email,
    firstName: rec.firstName,
    secondName: rec.secondName,
    blocked: block?.reason ?? null,
    blockedUntil: iso(block?.until ?? null),
    createdAt: new Date(rec.createdAt).toISOString(),
  };
}

export function resourceView(rec: ResourceRecord): Resource {
  return {
    id: rec.id,
    name: rec.name,
    failedAttemptsBeforeLock: rec.failedAttemptsBeforeLock,
    lockMinutes: rec.lockMinutes,
    allowedIps: [...rec.allowedIps],
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
