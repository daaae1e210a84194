import { SESSION_COOKIE, SESSION_MAX_AGE_MS, sessionRedis, sessionSecret, type SiteConfig } from '@protectimus-mail/example-shared';
import RedisSessionStore from 'connect-redis';
import type { RequestHandler } from 'express';
import session from 'express-session';

export interface SessionSetup {
  middleware: RequestHandler;
  close(): Promise<void>;
}

/**
 * express-session with the cookie a login session wants: httpOnly (no script may read it),
 * sameSite=lax (no cross-site post carries it), secure whenever the request came over HTTPS.
 * In Redis (connect-redis) when `REDIS_URL` is given, else in memory.
 */
export function createSessions(config: SiteConfig): SessionSetup {
  const redis = sessionRedis(config);
  const middleware = session({
    name: SESSION_COOKIE,
    secret: sessionSecret(config),
    resave: false,
    saveUninitialized: false,
    ...(redis ? { store: new RedisSessionStore({ client: redis.client, prefix: redis.prefix }) } : {}),
    cookie: { httpOnly: true, sameSite: 'lax', secure: 'auto', maxAge: SESSION_MAX_AGE_MS },
  });
  return { middleware, close: async () => redis?.close() };
}
