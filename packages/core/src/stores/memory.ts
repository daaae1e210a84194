import { timingSafeEqual } from 'node:crypto';
import type { EventLog } from '../audit';
import type { Block } from '../model';
import { dirKey, mergeNewestFirst, type DirOp, type DirRange, type DirRead, type EventCaps, type EventEntry, type ReserveArgs, type ReserveResult, type Resolved, type Store, type StoredDevice, type StoredEvent, type VerifyArgs, type VerifyResult } from './store';
import { CALL_WINDOW_MS, checkHash, SEND_WINDOW_MS, TTL_GRACE_MS } from './lua';

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * How often expired challenges, blocks and send times are dropped, in ms. The timer is
   * `unref()`ed, so it never keeps a process alive; 0 turns it off (expired entries are then
   * only dropped when read). Default 60000.
   */
  sweepIntervalMs?: number;
}

/**
 * Wall-clock deadline (`Date.now()` ms) after which an entry may be dropped: the in-memory
 * counterpart of a Redis TTL, for cleanup only. Decisions always use the caller's clock.
 */
type DropAt = number;

interface Challenge {
  /** '' while reserved and not filled yet. */
  hash: string;
  attemptsLeft: number;
  expiresAt: number;
  sentAt: number;
  counter: number;
  dropAt: DropAt;
  /**
   * The challenge this one replaced on a resend, kept aside for `discard` to put back if the
   * new code's mail fails (the Redis `prev:<resourceId>` key).
   */
  prev?: Challenge | undefined;
}

interface StoredBlock extends Block {
  dropAt: DropAt;
}

interface TokenState {
  /** HOTP counter: kept until the token is purged, like the Redis `ctr` key. */
  ctr: number;
  /** Send times, oldest first. */
  sends: { at: number; counter: number }[];
  sendsDropAt: DropAt;
  /** Consecutive failures per resource id, and `*` for any resource. */
  fails: Map<string, number>;
  blk: StoredBlock | null;
  /** Open challenges by resource id. */
  ch: Map<string, Challenge>;
  /** `reserve` calls in the current window (the Redis `calls` key). */
  calls: { start: number; count: number; dropAt: DropAt } | null;
}

/** `resolve` answers kept at most; past it they are all dropped (a sweep costs less than an LRU). */
const MAX_ANSWERS = 10_000;

/** Zero-padded so that ids compare as strings the way they compare as numbers. */
const EVENT_ID_WIDTH = 16;

/**
 * A store in this process's memory: the default, for development, tests and single-process
 * apps. Same semantics as `RedisStore`; every operation runs to completion without
 * yielding, which is what makes it atomic. State is lost on restart.
 */
export class MemoryStore implements Store {
  private version = 0;
  private readonly values = new Map<string, string>();
  private readonly lists = new Map<string, string[]>();
  private readonly tokens = new Map<string, TokenState>();
  /** `resolve` answers by resource and login, dropped on every directory change. */
  private readonly answers = new Map<string, Resolved>();
  private readonly logs: Record<EventLog, CappedLog> = { security: new CappedLog(), activity: new CappedLog() };
  /** Shared by both logs, so one id orders them both. */
  private eventSeq = 0;
  /** Remembered devices by the hash of their id, and each user's hashes. */
  private readonly devices = new Map<string, { userId: string; data: string; dropAt: DropAt }>();
  private readonly userDevices = new Map<string, Set<string>>();
  private timer: NodeJS.Timeout | null = null;

  constructor(options: MemoryStoreOptions = {}) {
    const every = options.sweepIntervalMs ?? 60_000;
    if (every > 0) {
      this.timer = setInterval(() => this.sweep(), every);
      this.timer.unref();
    }
  }

  async dirGet(keys: readonly string[]): Promise<DirRead> {
    return { version: this.version, values: keys.map((k) => this.values.get(k) ?? null) };
  }

  async dirRange(list: string, after: string | null, count: number): Promise<DirRange> {
    const members = this.lists.get(list) ?? [];
    const from = after === null ? 0 : bound(members, after, true);
    const n = Math.max(Math.floor(count), 0);
    return { version: this.version, members: members.slice(from, from + n) };
  }

  async dirCommit(version: number, ops: readonly DirOp[]): Promise<boolean> {
    if (version !== this.version) return false;
    // Checked before the first write, as the Redis script does: a bad op applies nothing.
    for (const op of ops) {
      if ((op.op === 'zadd' || op.op === 'zrem') && this.values.has(op.key)) {
        throw new Error(`WRONGTYPE ${op.key} is not an ordered list`);
      }
      if (op.op !== 'set' && op.op !== 'del' && op.op !== 'zadd' && op.op !== 'zrem') {
        throw new Error(`unknown directory op ${String((op as { op: unknown }).op)}`);
      }
    }
    for (const op of ops) {
      switch (op.op) {
        case 'set':
          // A key holds one thing, as in Redis, where SET replaces an ordered list too.
          this.lists.delete(op.key);
          this.values.set(op.key, op.value);
          break;
        case 'del':
          this.lists.delete(op.key);
          this.values.delete(op.key);
          break;
        case 'zadd': {
          const members = this.lists.get(op.key) ?? [];
          const at = bound(members, op.member, false);
          if (members[at] !== op.member) members.splice(at, 0, op.member);
          this.lists.set(op.key, members);
          break;
        }
        case 'zrem': {
          const members = this.lists.get(op.key);
          if (!members) break;
          const at = bound(members, op.member, false);
          if (members[at] === op.member) members.splice(at, 1);
          if (members.length === 0) this.lists.delete(op.key);
          break;
        }
      }
    }
    this.version += 1;
    this.answers.clear();
    return true;
  }

  async resolve(resource: string, lowerLogin: string): Promise<Resolved> {
    return this.resolveCached(resource, lowerLogin);
  }

  /**
   * Always known here. The same object is handed out until the directory changes, so callers
   * that parse an answer once per object (the rules, the guard's session check) parse it once.
   */
  resolveCached(resource: string, lowerLogin: string): Resolved {
    const key = `${resource}\n${lowerLogin}`;
    let found = this.answers.get(key);
    if (found === undefined) {
      if (this.answers.size >= MAX_ANSWERS) this.answers.clear();
      found = this.readResolve(resource, lowerLogin);
      this.answers.set(key, found);
    }
    return found;
  }

  private readResolve(resource: string, lowerLogin: string): Resolved {
    let rid: string | undefined = resource;
    let res = this.values.get(dirKey.resource(rid));
    if (res === undefined) {
      rid = this.values.get(dirKey.resourceName(resource));
      res = rid === undefined ? undefined : this.values.get(dirKey.resource(rid));
    }
    const uid = this.values.get(dirKey.login(lowerLogin));
    const usr = uid === undefined ? undefined : this.values.get(dirKey.user(uid));
    let tok: string | undefined;
    if (res !== undefined && rid !== undefined && usr !== undefined && uid !== undefined) {
      const tid = this.values.get(dirKey.assignment(rid, uid));
      tok = tid === undefined ? undefined : this.values.get(dirKey.token(tid));
    }
    return { resource: res ?? null, user: usr ?? null, token: tok ?? null };
  }

  async reserve(a: ReserveArgs): Promise<ReserveResult> {
    if (a.guess) checkHash(a.guess.codeHash);
    const t = this.state(a.tokenId);
    if (a.maxPerMinute !== undefined) {
      // As the reserve script: a fixed window from the first call, on the caller's clock.
      let calls = t.calls && t.calls.dropAt > Date.now() && t.calls.start + CALL_WINDOW_MS > a.now ? t.calls : null;
      calls ??= { start: a.now, count: 0, dropAt: 0 };
      if (calls.count >= Math.max(0, Math.floor(a.maxPerMinute))) {
        return { status: 'throttled', retryAfterMs: Math.min(calls.start + CALL_WINDOW_MS - a.now, CALL_WINDOW_MS) };
      }
      t.calls = { start: calls.start, count: calls.count + 1, dropAt: Date.now() + CALL_WINDOW_MS + TTL_GRACE_MS };
    }
    const block = this.liveBlock(t, a.now);
    if (block) return { status: 'blocked', block };

    const open = this.challenge(t, a.resourceId);
    if (open && !a.resend && open.expiresAt > a.now) {
      return { status: 'open', expiresAt: open.expiresAt, lastSentAt: open.sentAt, attemptsLeft: open.attemptsLeft };
    }

    const sends = this.sends(t);
    const windowStart = a.now - SEND_WINDOW_MS;
    while (sends.length > 0 && (sends[0]?.at ?? 0) <= windowStart) sends.shift();
    let retry = 0;
    if (sends.length >= a.maxSendsPerHour) {
      const oldest = sends[0];
      retry = oldest ? oldest.at + SEND_WINDOW_MS - a.now : SEND_WINDOW_MS;
    }
    let reason: 'cooldown' | 'hourly_cap' = 'hourly_cap';
    // The cooldown guards against resend clicks only; when both limits apply, the later wins.
    const newest = sends[sends.length - 1];
    const cooldown = a.resend && newest ? newest.at + a.cooldownMs - a.now : 0;
    if (cooldown > retry) [retry, reason] = [cooldown, 'cooldown'];
    if (retry > 0) return { status: 'rate_limited', retryAfterMs: retry, reason };

    const counter = (t.ctr = Math.max(t.ctr + 1, a.minCounter));
    const filled = a.guess?.counter === counter;
    const wall = Date.now();
    insertSend(sends, a.now, counter);
    t.sendsDropAt = wall + SEND_WINDOW_MS + TTL_GRACE_MS;
    const expiresAt = a.now + a.ttlMs;
    // As the reserve script: keep a live filled challenge aside, or carry over what a live
    // unfilled reservation kept aside; an expired or missing one leaves nothing aside.
    let prev: Challenge | undefined;
    if (open && open.expiresAt > a.now) prev = open.hash === '' ? open.prev : { ...open, prev: undefined };
    t.ch.set(a.resourceId, {
      hash: filled && a.guess ? a.guess.codeHash : '',
      attemptsLeft: a.maxAttempts,
      expiresAt,
      sentAt: a.now,
      counter,
      dropAt: wall + Math.max(a.ttlMs, 0) + TTL_GRACE_MS,
      prev,
    });
    return { status: 'reserved', counter, filled, expiresAt, lastSentAt: a.now };
  }

  async fill(tokenId: string, resourceId: string, counter: number, codeHash: string): Promise<boolean> {
    checkHash(codeHash);
    const t = this.tokens.get(tokenId);
    const c = t && this.challenge(t, resourceId);
    if (!c || c.counter !== counter) return false;
    c.hash = codeHash;
    return true;
  }

  async discard(tokenId: string, resourceId: string, counter: number, now: number): Promise<void> {
    const t = this.tokens.get(tokenId);
    if (!t) return;
    const c = this.challenge(t, resourceId);
    if (c?.counter === counter) {
      const prev = c.prev;
      if (prev && prev.expiresAt > now && prev.dropAt > Date.now()) t.ch.set(resourceId, prev);
      else t.ch.delete(resourceId);
    } else if (c?.prev?.counter === counter) {
      // Replaced by a concurrent resend: this code was never delivered, so never put it back.
      c.prev = undefined;
    }
    const i = t.sends.findIndex((s) => s.counter === counter);
    if (i >= 0) t.sends.splice(i, 1);
  }

  async verify(a: VerifyArgs): Promise<VerifyResult> {
    checkHash(a.codeHash);
    const older = a.olderCodeHashes ?? [];
    for (const h of older) checkHash(h);
    const t = this.tokens.get(a.tokenId);
    if (!t) return { status: 'expired' };
    const block = this.liveBlock(t, a.now);
    if (block) return { status: 'blocked', block, lockedNow: false };

    const c = this.challenge(t, a.resourceId);
    if (!c) return { status: 'expired' };
    if (c.expiresAt <= a.now) {
      t.ch.delete(a.resourceId);
      return { status: 'expired' };
    }

    if (a.pinOk && c.hash !== '' && ((a.codeHash !== '' && sameHash(c.hash, a.codeHash)) || older.some((h) => h !== '' && sameHash(c.hash, h)))) {
      t.ch.delete(a.resourceId);
      // A success ends both runs of failures: here, and on any resource.
      t.fails.delete(a.resourceId);
      t.fails.delete('*');
      return { status: 'ok' };
    }

    c.attemptsLeft = Math.max(c.attemptsLeft - 1, 0);
    if (c.attemptsLeft === 0) t.ch.delete(a.resourceId);
    const here = (t.fails.get(a.resourceId) ?? 0) + 1;
    const anywhere = (t.fails.get('*') ?? 0) + 1;
    t.fails.set(a.resourceId, here);
    t.fails.set('*', anywhere);
    if (anywhere >= a.hardBlockAfter) {
      t.blk = { reason: 'failed_attempts', until: null, dropAt: Infinity };
      t.ch.delete(a.resourceId);
      return { status: 'blocked', block: { reason: 'failed_attempts', until: null }, lockedNow: true };
    }
    if (here >= a.lockAfter) {
      const until = a.now + a.lockMs;
      t.blk = { reason: 'failed_attempts', until, dropAt: Date.now() + Math.max(a.lockMs, 0) + TTL_GRACE_MS };
      // The lock paid for this run; the '*' run keeps counting towards the hard block.
      t.fails.delete(a.resourceId);
      t.ch.delete(a.resourceId);
      return { status: 'blocked', block: { reason: 'failed_attempts', until }, lockedNow: true };
    }
    return { status: 'invalid', attemptsLeft: c.attemptsLeft };
  }

  async tokenBlocks(tokenIds: readonly string[], now: number): Promise<(Block | null)[]> {
    return tokenIds.map((id) => {
      const b = this.tokens.get(id)?.blk;
      if (!b || b.dropAt <= Date.now() || (b.until !== null && b.until <= now)) return null;
      return { reason: b.reason, until: b.until };
    });
  }

  async setTokenBlock(tokenId: string, block: Block | null, now: number): Promise<void> {
    if (block === null) {
      const t = this.tokens.get(tokenId);
      if (t) {
        t.blk = null;
        t.fails.clear();
      }
      return;
    }
    const dropAt = block.until === null ? Infinity : Date.now() + Math.max(block.until - now, 0) + TTL_GRACE_MS;
    this.state(tokenId).blk = { reason: block.reason, until: block.until, dropAt };
  }

  async dropChallenges(tokenId: string, resourceIds: readonly string[]): Promise<void> {
    const t = this.tokens.get(tokenId);
    if (t) for (const r of resourceIds) t.ch.delete(r);
  }

  async purgeToken(tokenId: string, _resourceIds: readonly string[]): Promise<void> {
    this.tokens.delete(tokenId);
  }

  async putDevice(hash: string, userId: string, data: string, expiresAt: number, now: number): Promise<void> {
    this.devices.set(hash, { userId, data, dropAt: Date.now() + Math.max(0, expiresAt - now) + TTL_GRACE_MS });
    let own = this.userDevices.get(userId);
    if (!own) this.userDevices.set(userId, (own = new Set()));
    own.add(hash);
  }

  async getDevice(hash: string): Promise<string | null> {
    return this.liveDevice(hash)?.data ?? null;
  }

  async updateDevice(hash: string, data: string): Promise<boolean> {
    const device = this.liveDevice(hash);
    if (!device) return false;
    device.data = data;
    return true;
  }

  async listDevices(userId: string, _now: number): Promise<StoredDevice[]> {
    const out: StoredDevice[] = [];
    for (const hash of this.userDevices.get(userId) ?? []) {
      const device = this.liveDevice(hash);
      if (device) out.push({ hash, data: device.data });
    }
    return out;
  }

  async deleteDevices(userId: string, hashes?: readonly string[]): Promise<number> {
    const own = this.userDevices.get(userId);
    if (!own) return 0;
    let count = 0;
    for (const hash of hashes ?? [...own]) {
      if (!own.delete(hash)) continue;
      if (this.liveDevice(hash)) count += 1;
      this.devices.delete(hash);
    }
    if (own.size === 0) this.userDevices.delete(userId);
    return count;
  }

  async appendEvents(entries: readonly EventEntry[], caps: EventCaps): Promise<void> {
    for (const e of entries) {
      this.eventSeq += 1;
      this.logs[e.log].push({ id: String(this.eventSeq).padStart(EVENT_ID_WIDTH, '0'), log: e.log, data: e.data });
    }
    this.logs.security.trim(caps.security);
    this.logs.activity.trim(caps.activity);
  }

  async listEvents(limit: number, before?: string, log?: EventLog): Promise<StoredEvent[]> {
    const n = Math.floor(limit);
    if (n <= 0) return [];
    if (before !== undefined && !/^\d+$/.test(before)) return [];
    const key = before === undefined ? Infinity : Number(before);
    const sec = log === 'activity' ? [] : this.logs.security.before(key, n);
    const act = log === 'security' ? [] : this.logs.activity.before(key, n);
    // Ids are zero-padded, so they compare as strings.
    return mergeNewestFirst(sec, act, n, (x, y) => x.id > y.id);
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Drops what Redis would have expired by now; the timer calls it. */
  private sweep(): void {
    const wall = Date.now();
    for (const [id, t] of this.tokens) {
      for (const [r, c] of t.ch) if (c.dropAt <= wall) t.ch.delete(r);
      if (t.blk && t.blk.dropAt <= wall) t.blk = null;
      if (t.sends.length > 0 && t.sendsDropAt <= wall) t.sends = [];
      if (t.calls && t.calls.dropAt <= wall) t.calls = null;
      if (t.ctr === 0 && t.fails.size === 0 && !t.blk && t.ch.size === 0 && t.sends.length === 0 && !t.calls) {
        this.tokens.delete(id);
      }
    }
    for (const hash of [...this.devices.keys()]) this.liveDevice(hash);
  }

  /** A device record, unless its cleanup deadline passed (then it is dropped, as Redis expires it). */
  private liveDevice(hash: string): { userId: string; data: string; dropAt: DropAt } | undefined {
    const device = this.devices.get(hash);
    if (!device || device.dropAt > Date.now()) return device;
    this.devices.delete(hash);
    const own = this.userDevices.get(device.userId);
    own?.delete(hash);
    if (own?.size === 0) this.userDevices.delete(device.userId);
    return undefined;
  }

  private state(tokenId: string): TokenState {
    let t = this.tokens.get(tokenId);
    if (!t) {
      t = { ctr: 0, sends: [], sendsDropAt: 0, fails: new Map(), blk: null, ch: new Map(), calls: null };
      this.tokens.set(tokenId, t);
    }
    return t;
  }

  /** The challenge, unless the cleanup deadline passed (read as gone, as an expired Redis key). */
  private challenge(t: TokenState, resourceId: string): Challenge | undefined {
    const c = t.ch.get(resourceId);
    if (c && c.dropAt <= Date.now()) {
      t.ch.delete(resourceId);
      return undefined;
    }
    return c;
  }

  private sends(t: TokenState): TokenState['sends'] {
    if (t.sends.length > 0 && t.sendsDropAt <= Date.now()) t.sends = [];
    return t.sends;
  }

  /** The block in force at `now`; an expired one is dropped so it cannot come back. */
  private liveBlock(t: TokenState, now: number): Block | null {
    const b = t.blk;
    if (!b) return null;
    if (b.dropAt <= Date.now() || (b.until !== null && b.until <= now)) {
      t.blk = null;
      return null;
    }
    return { reason: b.reason, until: b.until };
  }
}

/** One capped audit log: entries oldest first, the dead head cut off in batches. */
class CappedLog {
  private entries: StoredEvent[] = [];
  /** Index of the oldest kept entry. */
  private start = 0;

  push(entry: StoredEvent): void {
    this.entries.push(entry);
  }

  trim(cap: number): void {
    const keep = Math.max(1, Math.floor(cap));
    if (this.entries.length - this.start > keep) this.start = this.entries.length - keep;
    // Cut the dead head off now and then rather than shifting on every append.
    if (this.start > 1024 && this.start * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.start);
      this.start = 0;
    }
  }

  /** Up to `n` entries with ids below `key`, newest first. */
  before(key: number, n: number): StoredEvent[] {
    // Ids are increasing, so the first id >= `key` marks where the page ends.
    let lo = this.start;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (Number(this.entries[mid]?.id ?? 0) < key) lo = mid + 1;
      else hi = mid;
    }
    const out: StoredEvent[] = [];
    for (let i = lo - 1; i >= this.start && out.length < n; i--) {
      const e = this.entries[i];
      if (e) out.push({ id: e.id, log: e.log, data: e.data });
    }
    return out;
  }
}

/** Equal HMACs, compared in constant time (lengths are not secret: all hashes have one length). */
function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Keeps send times ordered by time, then counter, like the Redis sorted set. */
function insertSend(sends: { at: number; counter: number }[], at: number, counter: number): void {
  let i = sends.length;
  while (i > 0) {
    const prev = sends[i - 1];
    if (!prev || prev.at < at || (prev.at === at && prev.counter < counter)) break;
    i--;
  }
  sends.splice(i, 0, { at, counter });
}

/**
 * Index of the first member greater than `x` (`strict`) or not less than `x`, in the order Redis
 * sorts ordered-list members: by UTF-8 bytes.
 */
function bound(members: readonly string[], x: string, strict: boolean): number {
  let lo = 0;
  let hi = members.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareUtf8(members[mid] ?? '', x);
    if (c < 0 || (strict && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * UTF-8 byte order without encoding: it is code point order, which differs from UTF-16 unit
 * order only where a surrogate (half of a code point above U+FFFF) meets a unit above it.
 */
function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}
