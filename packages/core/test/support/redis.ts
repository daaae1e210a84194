import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** The Redis the tests use; start one with `redis-server --port 6379` or set `REDIS_URL`. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix no other test (file, worker or concurrent run) uses. */
export function uniquePrefix(): string {
  return `pmtest:${randomBytes(6).toString('hex')}:`;
}

/** Redis for one test file: its own prefix, clients it tracks, and a cleanup for `afterAll`. */
export interface RedisFixture {
  /** Every key the file writes goes under this prefix. */
  readonly prefix: string;
  /** A new connection, quit by `cleanup()`. */
  client(): Redis;
  /** Deletes every key under the prefix (SCAN, never KEYS) and quits every client made here. */
  cleanup(): Promise<void>;
}

/** Glob characters SCAN's MATCH would interpret, escaped so the prefix matches literally. */
function globEscape(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** Deletes every key that starts with `prefix`, in batches, without blocking Redis. */
export async function deleteByPrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${globEscape(prefix)}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) deleted += await redis.del(...keys);
  } while (cursor !== '0');
  return deleted;
}

export function redisFixture(prefix = uniquePrefix()): RedisFixture {
  const clients: Redis[] = [];
  return {
    prefix,
    client() {
      const c = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
      clients.push(c);
      return c;
    },
    async cleanup() {
      const admin = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
      try {
        await deleteByPrefix(admin, prefix);
      } finally {
        admin.disconnect();
        await Promise.all(clients.splice(0).map((c) => (c.status === 'end' ? undefined : c.quit().catch(() => c.disconnect()))));
      }
    },
  };
}
