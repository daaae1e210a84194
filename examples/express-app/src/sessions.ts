import { randomBytes } from 'node:crypto';
import RedisSessionStore from 'connect-redis';
import type { RequestHandler } from 'express';
import session from 'express-session';
import { Redis } from 'ioredis';

export interface SessionSetup {
  middleware: RequestHandler;
  close(): Promise<void>;
}

/**
 * express-session with the cookie a login session wants: httpOnly (no script may read it),
 * sameSite=lax (no cross-site post carries it), secure whenever the request came over HTTPS.
 * In Redis when `redisUrl` is given, so sessions survive restarts and are shared by processes.
 */
export function createSessions(options: { secret?: string; redisUrl?: string; redisPrefix: string; maxAgeSeconds: number }): SessionSetup {
  let store: session.Store | undefined;
  let client: Redis | undefined;
  if (options.redisUrl) {
    client = new Redis(options.redisUrl, {
      // A Redis that is down makes the request fail within seconds instead of hanging it.
      connectTimeout: 2000,
      maxRetriesPerRequest: 1,
      commandTimeout: 2000,
    });
    // Each failed call reports its own error; this only keeps ioredis from logging every reconnect.
    client.on('error', () => {});
    store = new RedisSessionStore({ client, prefix: `${options.redisPrefix}sess:` });
  }
  const middleware = session({
    name: 'example.sid',
    // A random secret signs cookies for this process only: restarting signs everybody out.
    secret: options.secret ?? randomBytes(32).toString('base64url'),
    resave: false,
    saveUninitialized: false,
    ...(store ? { store } : {}),
    cookie: { httpOnly: true, sameSite: 'lax', secure: 'auto', maxAge: options.maxAgeSeconds * 1000 },
  });
  return {
    middleware,
    async close() {
      if (client && client.status !== 'end') await client.quit().catch(() => client?.disconnect());
    },
  };
}
