import { ProtectimusError } from '../errors';
import type { DirOp, Store } from '../stores/store';

/** Thrown inside a transaction when a read sees the directory moved on; the transaction restarts. */
class Moved extends Error {}

/** One optimistic transaction: reads pin a version, writes are queued and committed against it. */
export class DirTx {
  private version: number | null = null;
  readonly ops: DirOp[] = [];

  constructor(private readonly store: Store) {}

  get pinnedVersion(): number {
    return this.version ?? 0;
  }

  private pin(version: number): void {
    if (this.version === null) this.version = version;
    else if (this.version !== version) throw new Moved();
  }

  async get(key: string): Promise<string | null> {
    return (await this.getMany([key]))[0] ?? null;
  }

  async getMany(keys: readonly string[]): Promise<(string | null)[]> {
    const read = await this.store.dirGet(keys);
    this.pin(read.version);
    return read.values;
  }

  /** A JSON record, or null. */
  async record<T>(key: string): Promise<T | null> {
    const raw = await this.get(key);
    return raw === null ? null : (JSON.parse(raw) as T);
  }

  /** Every member of an ordered list (admin-sized lists: the per-token and per-resource ones). */
  async members(list: string): Promise<string[]> {
    const all: string[] = [];
    for (let after: string | null = null; ; ) {
      const page = await this.store.dirRange(list, after, 500);
      this.pin(page.version);
      all.push(...page.members);
      if (page.members.length < 500) return all;
      after = page.members[page.members.length - 1] ?? null;
    }
  }

  set(key: string, value: unknown): void {
    this.ops.push({ op: 'set', key, value: typeof value === 'string' ? value : JSON.stringify(value) });
  }
  del(key: string): void {
    this.ops.push({ op: 'del', key });
  }
  zadd(key: string, member: string): void {
    this.ops.push({ op: 'zadd', key, member });
  }
  zrem(key: string, member: string): void {
    this.ops.push({ op: 'zrem', key, member });
  }
}

/** A random wait that grows with each retry, so colliding writers spread out instead of colliding again. */
function backoff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(100, 2 ** attempt)));
}

/**
 * Runs `fn` as an optimistic transaction over the directory: admin writes are rare, so a version
 * check at commit (and a retry when it fails) is cheaper and simpler than locks, and works the same
 * on Redis, Redis Cluster (one hash slot) and memory.
 */
export async function transact<T>(store: Store, fn: (tx: DirTx) => Promise<T>): Promise<T> {
  for (let attempt = 0; attempt < 20; attempt++) {
    if (attempt > 0) await backoff(attempt);
    const tx = new DirTx(store);
    let result: T;
    try {
      result = await fn(tx);
    } catch (err) {
      if (err instanceof Moved) continue;
      throw err;
    }
    if (tx.ops.length === 0 || (await store.dirCommit(tx.pinnedVersion, tx.ops))) return result;
  }
  throw new ProtectimusError('STORE_UNAVAILABLE', 'the directory is too busy; try again');
}
