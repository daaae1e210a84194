import { createHash } from 'node:crypto';
import type { FastifySessionOptions, SessionStore } from '@fastify/session';
import { SESSION_COOKIE, SESSION_MAX_AGE_MS, sessionRedis, sessionSecret, type SiteConfig } from '@protectimus-mail/example-shared';
import type { Session } from 'fastify';
import type { Redis } from 'ioredis';

export interface SessionSetup {
  options: FastifySessionOptions;
  close(): Promise<void>;
}

const ONE_DAY_MS = 24 * 60 * 60 * 1000;
type Callback = (err?: unknown) => void;

/**
 * @fastify/session's store on Redis: the cookie holds only a signed random id, so the guard's
 * `regenerate()` gives the session a new one and the old id opens nothing.
 */
class RedisSessionStore implements SessionStore {
  constructor(
    private readonly client: Redis,
    private readonly prefix: string,
  ) {}

  set(id: string, session: Session, done: Callback): void {
    const cookie = (session as { cookie?: { originalMaxAge?: number | null } }).cookie;
    // A browser-session cookie still needs an end on the server side.
    const ttl = typeof cookie?.originalMaxAge === 'number' && cookie.originalMaxAge > 0 ? cookie.originalMaxAge : ONE_DAY_MS;
    this.client.set(this.prefix + id, JSON.stringify(session), 'PX', ttl).then(() => done(), done);
  }

  get(id: string, done: (err: unknown, session?: Session | null) => void): void {
    this.client.get(this.prefix + id).then((raw) => done(null, raw === null ? null : (JSON.parse(raw) as Session)), done);
  }

  destroy(id: string, done: Callback): void {
    this.client.del(this.prefix + id).then(() => done(), done);
  }
}

/**
 * @fastify/session with the cookie a login session wants: httpOnly (no script may read it),
 * sameSite=lax (no cross-site post carries it), secure whenever the request came over HTTPS,
 * signed, holding only a random id; saved only once something is in it, and not re-sent on every
 * answer. The data is in Redis when `REDIS_URL` is given, else in @fastify/session's memory store.
 * Server-side rather than @fastify/secure-session's cookie, so that signing out or a granted code
 * really ends the old session id.
 */
export function createSessions(config: SiteConfig): SessionSetup {
  const redis = sessionRedis(config);
  return {
    options: {
      cookieName: SESSION_COOKIE,
      // @fastify/session wants 32 characters at least; SESSION_SECRET may be any length.
      secret: createHash('sha256').update(sessionSecret(config)).digest('hex'),
      saveUninitialized: false,
      rolling: false,
      cookie: { httpOnly: true, sameSite: 'lax', secure: 'auto', maxAge: SESSION_MAX_AGE_MS },
      ...(redis ? { store: new RedisSessionStore(redis.client, redis.prefix) } : {}),
    },
    close: async () => redis?.close(),
  };
}
