import type { EventLog } from '../audit';
import type { Block } from '../model';

/**
 * Names of the directory's keys (tokens, users, resources and their indexes), relative to a
 * store's prefix. The admin operations write them and both stores' `resolve` reads them, so they
 * are spelled here once.
 */
export const dirKey = {
  token: (id: string) => `tok:${id}`,
  user: (id: string) => `usr:${id}`,
  resource: (id: string) => `res:${id}`,
  tokenName: (lowerName: string) => `tokname:${lowerName}`,
  tokenEmail: (lowerEmail: string) => `tokmail:${lowerEmail}`,
  login: (lowerLogin: string) => `login:${lowerLogin}`,
  resourceName: (name: string) => `resname:${name}`,
  /** The token a user authenticates with on a resource. */
  assignment: (resourceId: string, userId: string) => `asg:${resourceId}:${userId}`,
} as const;

/** Ordered lists in the directory; members sort by plain string order. */
export const dirList = {
  tokens: 'L:tok',
  users: 'L:usr',
  resources: 'L:res',
  /** Members: user ids assigned on the resource. */
  assignments: (resourceId: string) => `L:asg:${resourceId}`,
  /** Members: resource ids the token is assigned on. */
  tokenResources: (tokenId: string) => `L:tokres:${tokenId}`,
  /** Members: token ids the user owns. */
  userTokens: (userId: string) => `L:usrtok:${userId}`,
} as const;

/** One write in a directory commit. `zadd`/`zrem` edit an ordered list of `dirList`. */
export type DirOp =
  | { op: 'set'; key: string; value: string }
  | { op: 'del'; key: string }
  | { op: 'zadd'; key: string; member: string }
  | { op: 'zrem'; key: string; member: string };

/** Values read from the directory, and the directory's version when they were read. */
export interface DirRead {
  version: number;
  values: (string | null)[];
}

/** Members of an ordered list after a given one, and the directory's version then. */
export interface DirRange {
  version: number;
  members: string[];
}

/**
 * What `resolve` found: the raw stored records, or null where a link of the chain is missing.
 * A store may hand the same answer to many calls (RedisStore's directory cache): never change it.
 */
export interface Resolved {
  readonly resource: string | null;
  readonly user: string | null;
  /** The token assigned to that user on that resource. */
  readonly token: string | null;
}

/** Arguments of `reserve`: open a challenge, or tell why not. Times are epoch ms from the clock. */
export interface ReserveArgs {
  tokenId: string;
  resourceId: string;
  now: number;
  ttlMs: number;
  maxAttempts: number;
  /** Replace an open challenge instead of reusing it. */
  resend: boolean;
  /** Resends within this long of the token's last mail are refused. */
  cooldownMs: number;
  /** Mails per token per rolling hour. */
  maxSendsPerHour: number;
  /**
   * The least HOTP counter the new challenge may get: the reservation takes
   * `max(stored counter + 1, minCounter)` and stores that, so a counter restored from an older
   * copy of the store (a snapshot, a failover) still never repeats one already mailed.
   */
  minCounter: number;
  /**
   * The code's hash for the counter the caller expects this reservation to get: if it gets that
   * one, the challenge is filled at once and no `fill` is needed. Any other counter is reserved
   * unfilled, as without this.
   */
  guess?: { counter: number; codeHash: string };
  /**
   * Calls per token per minute (whatever their outcome, blocked ones included); past it the
   * call is `throttled` before anything else is read or written. Absent: no limit.
   */
  maxPerMinute?: number;
}

export type ReserveResult =
  | { status: 'blocked'; block: Block }
  /** An open challenge exists and `resend` was false: nothing is sent. */
  | { status: 'open'; expiresAt: number; lastSentAt: number; attemptsLeft: number }
  /**
   * Refused by a send limit: `cooldown` (a resend within `cooldownMs` of the last mail) or
   * `hourly_cap` (`maxSendsPerHour`); when both refuse, the one with the longer wait.
   */
  | { status: 'rate_limited'; retryAfterMs: number; reason: 'cooldown' | 'hourly_cap' }
  /** Over `maxPerMinute`: nothing was done. */
  | { status: 'throttled'; retryAfterMs: number }
  /**
   * A new challenge is held for `counter`; fill it with the code's hash (unless `filled`: the
   * guess was right), or discard it.
   */
  | { status: 'reserved'; counter: number; filled: boolean; expiresAt: number; lastSentAt: number };

/** Arguments of `verify`: check, count and consume in one atomic step. */
export interface VerifyArgs {
  tokenId: string;
  resourceId: string;
  /** Keyed hash of the OTP part the user typed; '' when what was typed had the wrong shape. */
  codeHash: string;
  /**
   * The same code's hashes under the older server secrets, during a rotation: a challenge filled
   * before it matches one of them. Matching any of them is a success like matching `codeHash`.
   */
  olderCodeHashes?: readonly string[];
  /** Whether the PIN part matched (true for a token without PIN). A false PIN fails like a wrong code. */
  pinOk: boolean;
  now: number;
  /** Consecutive failures on this resource that lock the token... */
  lockAfter: number;
  /** ...for this long. */
  lockMs: number;
  /** Consecutive failures on any resource that block the token until an admin unblocks it. */
  hardBlockAfter: number;
}

export type VerifyResult =
  | { status: 'ok' }
  | { status: 'invalid'; attemptsLeft: number }
  | { status: 'expired' }
  /** `lockedNow`: this very attempt caused the block. */
  | { status: 'blocked'; block: Block; lockedNow: boolean };

/** A remembered device's record as `listDevices` reads it: the hash it is keyed by, and its data. */
export interface StoredDevice {
  hash: string;
  data: string;
}

/** An audit entry to append, and the log it goes to. */
export interface EventEntry {
  log: EventLog;
  data: string;
}

/** How many entries each log keeps. */
export type EventCaps = Readonly<Record<EventLog, number>>;

/**
 * An audit entry as stored, with the id the store gave it. Ids are unique across both logs and
 * increase in the order entries were appended, so one id orders and pages both logs at once.
 */
export interface StoredEvent {
  id: string;
  log: EventLog;
  data: string;
}

/**
 * Where protectimus-mail keeps everything. Two parts:
 * - the directory (tokens, users, resources, assignments): small, rarely written, written by
 *   optimistic transactions (`dirGet`/`dirRange` then `dirCommit` with the version read);
 * - per-token state (challenges, counters, send times, failures, blocks): hot, written by the
 *   atomic operations below, each of which touches one token's keys only.
 * Any failure to reach the backend rejects with an `Error`; `Protectimus` turns it into
 * `STORE_UNAVAILABLE`.
 */
export interface Store {
  dirGet(keys: readonly string[]): Promise<DirRead>;
  /** Up to `count` members of `list` after `after` (exclusive), in order. */
  dirRange(list: string, after: string | null, count: number): Promise<DirRange>;
  /** Applies `ops` atomically if the directory is still at `version`; false if it moved on. */
  dirCommit(version: number, ops: readonly DirOp[]): Promise<boolean>;
  /** The hot-path read: resource (by id, else by name) -> user by `loginKey(login)` -> assigned token. */
  resolve(resource: string, lowerLogin: string): Promise<Resolved>;
  /**
   * What `resolve` would answer, if the store knows it without I/O and by the same rules (a
   * cache serves only answers still known right); undefined otherwise. Synchronous, for the
   * guard's fast path, which checks a verified session against the directory on every request.
   * A store without it makes the guard read through `resolve` each time.
   */
  resolveCached?(resource: string, lowerLogin: string): Resolved | undefined;

  /**
   * Opens a challenge, or tells why not. A resend that replaces a live, filled challenge keeps
   * it aside, unchanged (hash, attempts left, expiry, send time, counter), for `discard`; from
   * then on only the new challenge verifies.
   */
  reserve(args: ReserveArgs): Promise<ReserveResult>;
  /**
   * Stores the code's hash in the challenge reserved for `counter`; false if it is gone or
   * replaced. What a resend kept aside stays aside (the mail goes out after `fill`, and may
   * still fail); it is never verified against, and expires with its own TTL.
   */
  fill(tokenId: string, resourceId: string, counter: number, codeHash: string): Promise<boolean>;
  /**
   * Undoes the reservation for `counter` after its mail failed: forgets its send and, if it is
   * still the open challenge, removes it and puts back, exactly as it was, the challenge its
   * resend kept aside, unless that one expired by `now` (epoch ms from the clock). A failed
   * resend so leaves the user's previous code working.
   */
  discard(tokenId: string, resourceId: string, counter: number, now: number): Promise<void>;
  verify(args: VerifyArgs): Promise<VerifyResult>;

  /** Current blocks of tokens (expired temporary blocks read as null). */
  tokenBlocks(tokenIds: readonly string[], now: number): Promise<(Block | null)[]>;
  /** Sets a block (`until` null: until an admin acts) or, with null, lifts it and resets failure counts. */
  setTokenBlock(tokenId: string, block: Block | null, now: number): Promise<void>;
  /** Removes the open challenges of a token on these resources (and any kept aside by a resend). */
  dropChallenges(tokenId: string, resourceIds: readonly string[]): Promise<void>;
  /** Removes all per-token state, for a deleted token. */
  purgeToken(tokenId: string, resourceIds: readonly string[]): Promise<void>;

  /**
   * Remembered devices (docs/design.md, "Remember this device"): each record is keyed by a hash
   * of the random id in the device's cookie (never the id itself) and listed under its user.
   * `putDevice` writes one, to be dropped after `expiresAt` (epoch ms from the clock, plus the
   * cleanup grace); the caller checks `expiresAt` itself, as for every other expiry.
   */
  putDevice(hash: string, userId: string, data: string, expiresAt: number, now: number): Promise<void>;
  /** A device's record, or null when there is none (never written, forgotten, expired). */
  getDevice(hash: string): Promise<string | null>;
  /** Rewrites a record that still exists, keeping its expiry; false when it is gone. */
  updateDevice(hash: string, data: string): Promise<boolean>;
  /** The user's records that still exist (those not expired by `now`), in no set order. */
  listDevices(userId: string, now: number): Promise<StoredDevice[]>;
  /** Deletes these records of the user, or all of them without `hashes`; resolves how many existed. */
  deleteDevices(userId: string, hashes?: readonly string[]): Promise<number>;

  /**
   * Appends audit entries, in order, each to its log; each log keeps only its newest `caps[log]`
   * (at least that many on Redis, whose trimming is approximate), so neither can push the other's
   * entries out.
   */
  appendEvents(entries: readonly EventEntry[], caps: EventCaps): Promise<void>;
  /**
   * Up to `limit` audit entries of both logs (or only of `log`), merged newest first, starting
   * before the entry with id `before` when given (an id from either log).
   */
  listEvents(limit: number, before?: string, log?: EventLog): Promise<StoredEvent[]>;

  /** Releases timers and connections the store owns (not a client that was passed in). */
  close(): Promise<void>;
}

/**
 * The newest `n` of two newest-first lists of audit entries (the security and the activity log),
 * taking the newer head each time; `newer(x, y)` compares ids in the store's own id format.
 */
export function mergeNewestFirst(a: readonly StoredEvent[], b: readonly StoredEvent[], n: number, newer: (x: StoredEvent, y: StoredEvent) => boolean): StoredEvent[] {
  const out: StoredEvent[] = [];
  let i = 0;
  let j = 0;
  while (out.length < n && (i < a.length || j < b.length)) {
    const x = a[i];
    const y = b[j];
    if (x !== undefined && (y === undefined || newer(x, y))) {
      out.push(x);
      i++;
    } else if (y !== undefined) {
      out.push(y);
      j++;
    }
  }
  return out;
}
