import { Redis } from 'ioredis';
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
 * signed with `app.keys`, holding only a random id. The data is in Redis when `redisUrl` is given,
 * so sessions survive restarts and are shared by processes; else in this process's memory.
 */
export function createSessions(app: Koa, options: { redisUrl?: string; redisPrefix: string; maxAgeSeconds: number }): SessionSetup {
  let client: Redis | undefined;
  let store: RedisSessionStore | MemorySessionStore = new MemorySessionStore();
  if (options.redisUrl) {
    client = new Redis(options.redisUrl, {
      // A Redis that is down makes the request fail within seconds instead of hanging it.
      connectTimeout: 2000,
      maxRetriesPerRequest: 1,
      commandTimeout: 2000,
    });
    // Each failed call reports its own error; this only keeps ioredis from logging every reconnect.
    client.on('error', () => {});
    store = new RedisSessionStore(client, `${options.redisPrefix}sess:`);
  }
  const middleware = session(
    {
      key: 'example.sid',
      maxAge: options.maxAgeSeconds * 1000,
      httpOnly: true,
      sameSite: 'lax',
      signed: true,
      store,
    },
    app,
  );
  return {
    middleware,
    async close() {
      if (client && client.status !== 'end') await client.quit().catch(() => client?.disconnect());
    },
  };
}
