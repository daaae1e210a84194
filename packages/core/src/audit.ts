import { EventEmitter } from 'node:events';
import type { Clock } from './clock';
import type { EventType, ProtectimusEvent } from './events';
import type { Store } from './stores/store';

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
 * Sends every decision to listeners and to the capped audit log in the store. The log write is
 * not awaited by the request that caused it: the decision is already made (and made closed if the
 * store is down), and waiting would add a round trip to every authentication. Entries wait up to
 * 10 ms to go out together: under load that is one command for many decisions.
 */
export class Audit {
  private readonly emitter = new EventEmitter();
  private pending: string[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly cap: number,
  ) {}

  on(type: EventType | '*', fn: EventListener): void {
    this.emitter.on(type, fn);
  }

  off(type: EventType | '*', fn: EventListener): void {
    this.emitter.off(type, fn);
  }

  emit(event: Omit<ProtectimusEvent, 'id' | 'at'>): void {
    const stored = { at: new Date(this.clock.now()).toISOString(), ...event };
    // Most apps listen to nothing: skip building what no one would receive.
    if (this.emitter.listenerCount(event.type) + this.emitter.listenerCount('*') > 0) this.notify({ id: '', ...stored });
    this.pending.push(JSON.stringify(stored));
    if (this.pending.length >= BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_AFTER_MS);
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
        this.store.appendEvents(this.pending.slice(i, i + BATCH), this.cap).catch(() => {
          process.emitWarning('protectimus-mail: the audit log could not be written (store unreachable)');
        }),
      );
    }
    this.pending = [];
    return Promise.all(writes).then(() => undefined);
  }

  /** Newest first; `next` pages back. Filters apply within the scanned window. */
  async list(query: EventQuery = {}): Promise<{ items: ProtectimusEvent[]; next: string | null }> {
    void this.flush();
    const limit = query.limit ?? 50;
    const items: ProtectimusEvent[] = [];
    let before = query.before;
    // Filtered reads scan at most 20 batches so one request cannot walk a huge log.
    for (let batch = 0; batch < 20 && items.length < limit; batch++) {
      const rows = await this.store.listEvents(200, before);
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
