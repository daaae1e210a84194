import { SESSION_COOKIE, SESSION_MAX_AGE_MS, sessionRedis, sessionSecret, type SiteConfig } from '@protectimus-mail/example-shared';
import type { Redis } from 'ioredis';
import type Koa from 'koa';
import session from 'koa-session';

type Middleware = ReturnType<typeof session>;

export interface SessionSetup {
  middleware: Middleware;
  close(): Promise<void>;
}

const ONE_DAY_MS = 24 * 60 * 60 * 1000;

/**
 * koa-session's external store on Redis: the cookie holds only a random id, so the guard's
 * `regenerate()` gives the session a new one and the old id opens nothing.
 */
class RedisSessionStore {
  constructor(
    private readonly client: Redis,
    private readonly prefix: string,
  ) {}

  async get(key: string): Promise<unknown> {
    const raw = await this.client.get(this.prefix + key);
    return raw === null ? undefined : (JSON.parse(raw) as unknown);
  }

  async set(key: string, value: unknown, maxAge: number | 'session' | undefined): Promise<void> {
    // A browser-session cookie still needs an end on the server side.
    const ttl = typeof maxAge === 'number' && maxAge > 0 ? maxAge : ONE_DAY_MS;
    await this.client.set(this.prefix + key, JSON.stringify(value), 'PX', ttl);
  }

  async destroy(key: string): Promise<void> {
    await this.client.del(this.prefix + key);
  }
}

/**
 * The same in this process's memory, for the demo without Redis. Server-side rather than
 * koa-session's cookie mode, so that signing out or regenerating really ends the old session.
 */
class MemorySessionStore {
  private readonly sessions = new Map<string, { value: string; expires: number }>();
  private writes = 0;

  async get(key: string): Promise<unknown> {
    const entry = this.sessions.get(key);
    if (!entry || entry.expires <= Date.now()) return undefined;
    return JSON.parse(entry.value) as unknown;
  }

  async set(key: string, value: unknown, maxAge: number | 'session' | undefined): Promise<void> {
    const ttl = typeof maxAge === 'number' && maxAge > 0 ? maxAge : ONE_DAY_MS;
    // Stored as JSON, as Redis would: no object is shared between requests.
    this.sessions.set(key, { value: JSON.stringify(value), expires: Date.now() + ttl });
    // Now and then, forget the sessions nobody came back for.
    if (++this.writes % 100 === 0) {
      const now = Date.now();
      for (const [k, e] of this.sessions) if (e.expires <= now) this.sessions.delete(k);
    }
  }

  async destroy(key: string): Promise<void> {
    this.sessions.delete(key);
  }
}

/**
 * koa-session with the cookie a login session wants: httpOnly (no script may read it),
 * sameSite=lax (no cross-site post carries it), secure whenever the request came over HTTPS,
 * signed with `app.keys` (set here), holding only a random id. The data is in Redis when
 * `REDIS_URL` is given, so sessions survive restarts and are shared by processes; else in this
 * process's memory.
 */
export function createSessions(app: Koa, config: SiteConfig): SessionSetup {
  app.keys = [sessionSecret(config)];
  const redis = sessionRedis(config);
  const store = redis ? new RedisSessionStore(redis.client, redis.prefix) : new MemorySessionStore();
  const middleware = session({ key: SESSION_COOKIE, maxAge: SESSION_MAX_AGE_MS, httpOnly: true, sameSite: 'lax', signed: true, store }, app);
  return { middleware, close: async () => redis?.close() };
}
