import { EventEmitter } from 'node:events';
import type { Clock } from './protectimus';
import type { EventCaps, EventEntry, Store } from './stores/store';

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
  | 'token.enrolled'
  | 'token.confirmed'
  | 'user.created'
  | 'user.updated'
  | 'user.removed'
  | 'resource.created'
  | 'resource.updated'
  | 'resource.removed'
  | 'assignment.created'
  | 'assignment.removed'
  | 'device.remembered'
  | 'device.used'
  | 'device.forgotten';

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
  /**
   * The token's name when the event was made (entries written before it was recorded lack it;
   * the admin API fills those in from the directory while the token exists).
   */
  tokenName?: string;
  ip?: string;
  /** The stable error code behind a refusal (`INVALID_OTP`, `BLOCKED`, ...). */
  code?: string;
  /**
   * On every admin change (`token.created/updated/removed/blocked/unblocked`, `user.*`,
   * `resource.*`, `assignment.*` made through `pm.tokens`, `pm.users`, `pm.resources`): who made
   * it, as `pm.as(actor)` named them (the admin panel passes its `actor` option), or null for a
   * change made through the instance's own operations, with no one named. Absent on what the
   * rules decide (codes, locks after failed codes, enrollment). Also on `device.forgotten` by an
   * administrator (`pm.devices.forget`).
   */
  actor?: string | null;
  /**
   * Short non-secret facts: `attemptsLeft`, `retryAfter`, `reason`, `blockedUntil`, `via`
   * (`'enrollment'`); on `device.*`: `label`, `expiresAt`, `device` (the first characters of the
   * device's id) and, on `device.forgotten`, `by` (`'user'`, `'admin'` or `'system'`: revoked by
   * a change to the user or token); in the log, `repeats`: how many more of the same decision were made since
   * the last entry of it.
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
  'token.enrolled': 'security',
  'token.confirmed': 'security',
  'user.created': 'security',
  'user.updated': 'security',
  'user.removed': 'security',
  'resource.created': 'security',
  'resource.updated': 'security',
  'resource.removed': 'security',
  'assignment.created': 'security',
  'assignment.removed': 'security',
  // Each grants or ends a way past the code, as a verification does.
  'device.remembered': 'security',
  'device.used': 'security',
  'device.forgotten': 'security',
};

/** The log an event type is kept in. */
export function eventLog(type: EventType): EventLog {
  // A type that is not one (from untyped code) reads as activity rather than off the prototype.
  return Object.hasOwn(LOG_OF, type) ? LOG_OF[type] : 'activity';
}

/** Every audit event type, in the order of the table above (the admin event log's filter lists them so). */
export const EVENT_TYPES: readonly EventType[] = Object.keys(LOG_OF) as EventType[];

/** Whether a string (a query parameter) names an audit event type. */
export function isEventType(value: string): value is EventType {
  return Object.hasOwn(LOG_OF, value);
}

/** A listener of audit events. */
export type EventListener = (event: ProtectimusEvent) => void;

/** Filters for `events.list`. */
export interface EventQuery {
  /** Newest entries first, at most this many (1..500, default 50). */
  limit?: number;
  /** Only entries older than this id (a previous page's `next`). */
  before?: string;
  type?: EventType;
  resourceId?: string;
  login?: string;
  tokenId?: string;
}

/** Entries per store write at most, so one write stays a modest command. */
const BATCH = 500;

/**
 * How long an entry may wait for others to share its write. Long enough that steady traffic (a
 * mail every millisecond or so) writes in batches, short enough that an admin reading the log
 * never notices; a read of the log writes what waits first.
 */
const FLUSH_AFTER_MS = 10;

/**
 * Decisions anyone holding the first factor can repeat as fast as he sends requests: page loads
 * of an open code, refusals, codes asked for too often, deliveries that keep failing. A run of
 * the same one goes to the log once, not once per request (see `Audit.emit`).
 */
const REPEATABLE: ReadonlySet<EventType> = new Set<EventType>(['otp.reused', 'otp.expired', 'otp.rate_limited', 'otp.delivery_failed', 'access.denied']);

/** How long repeats of a written entry are counted rather than written. */
export const REPEAT_WINDOW_MS = 60_000;

/** Runs remembered at most; past it expired ones are dropped, then the oldest. */
const MAX_RUNS = 10_000;

/** A run of one repeatable decision: until when its repeats are only counted, and how many were. */
interface Run {
  until: number;
  repeats: number;
}

/**
 * Sends every decision to listeners and to the capped audit logs in the store: security entries
 * and activity entries each in a log of their own (see `eventLog`), so activity, however much of
 * it, never pushes a security entry out. The log write is not awaited by the request that caused
 * it: the decision is already made (and made closed if the store is down), and waiting would add
 * a round trip to every authentication. Entries wait up to 10 ms to go out together: under load
 * that is one command for many decisions.
 */
export class Audit {
  private readonly emitter = new EventEmitter();
  private pending: EventEntry[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly runs = new Map<string, Run>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly caps: EventCaps,
  ) {}

  on(type: EventType | '*', fn: EventListener): void {
    this.emitter.on(type, fn);
  }

  off(type: EventType | '*', fn: EventListener): void {
    this.emitter.off(type, fn);
  }

  /**
   * Tells listeners of a decision, every time, and writes it to the log unless it repeats one
   * written lately. A repeatable decision (`REPEATABLE`) of the same type, token, user, resource
   * and code as one written less than a minute ago is only counted; the next one written after
   * that minute carries the count as `detail.repeats`. `until` (epoch ms) names what the run
   * belongs to and ends it then instead: a page load of an open code passes the code's expiry,
   * so its code gets one `otp.reused` entry however often it is loaded.
   */
  emit(event: Omit<ProtectimusEvent, 'id' | 'at'>, until?: number): void {
    const now = this.clock.now();
    let stored: Omit<ProtectimusEvent, 'id'> = { at: new Date(now).toISOString(), ...event };
    // Most apps listen to nothing: skip building what no one would receive.
    if (this.emitter.listenerCount(event.type) + this.emitter.listenerCount('*') > 0) this.notify({ id: '', ...stored });
    if (REPEATABLE.has(event.type)) {
      const repeats = this.repeats(event, now, until);
      if (repeats === null) return;
      if (repeats > 0) stored = { ...stored, detail: { ...stored.detail, repeats } };
    }
    this.pending.push({ log: eventLog(event.type), data: JSON.stringify(stored) });
    if (this.pending.length >= BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_AFTER_MS);
  }

  /** Null when this decision only counts towards the current run; else the count of the last run. */
  private repeats(event: Omit<ProtectimusEvent, 'id' | 'at'>, now: number, until: number | undefined): number | null {
    // The user by id only: an unknown login, which a client may vary at will, is one "nobody".
    const key = [event.type, event.tokenId ?? '', event.userId ?? '', event.resourceId ?? '', event.code ?? '', until ?? ''].join('\n');
    const run = this.runs.get(key);
    if (run !== undefined && now < run.until) {
      run.repeats += 1;
      return null;
    }
    this.runs.delete(key);
    if (this.runs.size >= MAX_RUNS) this.forget(now);
    this.runs.set(key, { until: until ?? now + REPEAT_WINDOW_MS, repeats: 0 });
    return run?.repeats ?? 0;
  }

  /** Drops the runs that ended, and if that is not enough the oldest half. */
  private forget(now: number): void {
    for (const [key, run] of this.runs) if (run.until <= now) this.runs.delete(key);
    if (this.runs.size < MAX_RUNS) return;
    let drop = this.runs.size / 2;
    for (const key of this.runs.keys()) {
      if (drop-- <= 0) break;
      this.runs.delete(key);
    }
  }

  private notify(full: ProtectimusEvent): void {
    for (const name of [full.type, '*']) {
      for (const fn of this.emitter.listeners(name) as EventListener[]) {
        try {
          fn(full);
        } catch (err) {
          // A broken listener must not turn an authentication decision into an error.
          process.emitWarning(`protectimus-mail: an event listener threw: ${(err as Error).message}`);
        }
      }
    }
  }

  /**
   * Writes the entries emitted so far. `list` calls it first, so a read sees every decision made
   * before it; `Protectimus.close` awaits it.
   */
  flush(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const writes: Promise<void>[] = [];
    for (let i = 0; i < this.pending.length; i += BATCH) {
      writes.push(
        this.store.appendEvents(this.pending.slice(i, i + BATCH), this.caps).catch(() => {
          process.emitWarning('protectimus-mail: the audit log could not be written (store unreachable)');
        }),
      );
    }
    this.pending = [];
    return Promise.all(writes).then(() => undefined);
  }

  /**
   * Both logs merged, newest first; `next` pages back through both (any entry's id is a cursor).
   * A `type` filter reads only that type's log. Filters apply within the scanned window.
   */
  async list(query: EventQuery = {}): Promise<{ items: ProtectimusEvent[]; next: string | null }> {
    void this.flush();
    const limit = query.limit ?? 50;
    const items: ProtectimusEvent[] = [];
    let before = query.before;
    const log = query.type === undefined ? undefined : eventLog(query.type);
    // Filtered reads scan at most 20 batches so one request cannot walk a huge log.
    for (let batch = 0; batch < 20 && items.length < limit; batch++) {
      const rows = await this.store.listEvents(200, before, log);
      for (const row of rows) {
        before = row.id;
        const event = { id: row.id, ...(JSON.parse(row.data) as Omit<ProtectimusEvent, 'id'>) };
        if (matches(event, query)) items.push(event);
        if (items.length === limit) return { items, next: row.id };
      }
      if (rows.length < 200) return { items, next: null };
    }
    return { items, next: before ?? null };
  }
}

function matches(e: ProtectimusEvent, q: EventQuery): boolean {
  return (
    (!q.type || e.type === q.type) &&
    (!q.resourceId || e.resourceId === q.resourceId) &&
    (!q.login || e.login === q.login) &&
    (!q.tokenId || e.tokenId === q.tokenId)
  );
}
