import type { Resolved } from './store';

/** Options of the RedisStore's directory cache. */
export interface DirectoryCacheOptions {
  /**
   * The longest an admin change made elsewhere (another process, or another store object) can go
   * unseen here, in ms. A cached answer is used only while the directory's version was confirmed
   * unchanged at most this long ago; past half of it, a request revalidates in the background.
   * Changes made through this store are seen at once. Default 1000.
   */
  maxStaleMs?: number;
  /** Answers kept (resource and login pairs, misses included); the oldest go first. Default 10000. */
  maxEntries?: number;
}

interface Entry {
  value: Resolved;
  version: number;
}

/** Milliseconds on a clock that never jumps: staleness must not depend on the wall clock. */
function monotonicMs(): number {
  return performance.now();
}

/**
 * The `resolve` answers of this process, tagged with the directory version they were read at.
 *
 * Every directory commit bumps one version, so an answer read at version v is right for as long
 * as the directory is still at v. The cache knows the version as of `confirmedAt` (from any
 * read that returns it, or a commit of its own); it serves an answer only if it was read at that
 * version and that knowledge is fresh enough. A reply that comes back after a newer confirmation
 * is kept only if its version is still the current one, so an answer read before a commit can
 * never outlive it.
 */
export class DirectoryCache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxStaleMs: number;
  private readonly maxEntries: number;
  private version = -1;
  private confirmedAt = -Infinity;

  constructor(options: DirectoryCacheOptions = {}) {
    this.maxStaleMs = options.maxStaleMs ?? 1000;
    this.maxEntries = options.maxEntries ?? 10_000;
    if (!(this.maxStaleMs >= 0) || !Number.isFinite(this.maxStaleMs)) throw new TypeError('directoryCache.maxStaleMs must be a finite number >= 0');
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) throw new TypeError('directoryCache.maxEntries must be an integer >= 1');
  }

  /** Now, for stamping a read that is about to be sent. */
  now(): number {
    return monotonicMs();
  }

  /** The answer for `key` if it is known right; `refresh` says a background check is due. */
  get(key: string): { value: Resolved | undefined; refresh: boolean } {
    const age = monotonicMs() - this.confirmedAt;
    if (age > this.maxStaleMs) return { value: undefined, refresh: false };
    const entry = this.entries.get(key);
    const value = entry !== undefined && entry.version === this.version ? entry.value : undefined;
    return { value, refresh: age * 2 > this.maxStaleMs };
  }

  /** Records that the directory was at `version` when a read sent at `sentAt` ran. */
  confirm(version: number, sentAt: number): void {
    if (sentAt < this.confirmedAt) return;
    if (version !== this.version) {
      this.entries.clear();
      this.version = version;
    }
    this.confirmedAt = sentAt;
  }

  /** Keeps `value`, read at `version` by a read sent at `sentAt`, if that version is current. */
  put(key: string, value: Resolved, version: number, sentAt: number): void {
    this.confirm(version, sentAt);
    if (version !== this.version) return;
    if (this.entries.size >= this.maxEntries && !this.entries.has(key)) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, version });
  }

  /**
   * Forgets everything: this process is changing the directory. Called before the commit is sent,
   * so no read can confirm the old version after it.
   */
  invalidate(): void {
    this.entries.clear();
    this.version = -1;
    this.confirmedAt = monotonicMs();
  }
}
