import { randomBytes } from 'node:crypto';
import { DEFAULT_VERIFIED_FOR } from '@protectimus-mail/core';
import { Redis } from 'ioredis';
import type { SiteConfig } from './config';

/** The session cookie of both sites. */
export const SESSION_COOKIE = 'example.sid';

/** The sign-in lasts as long as the guard's verification (its default), so both end together. */
export const SESSION_MAX_AGE_MS = DEFAULT_VERIFIED_FOR * 1000;

/** Signs the session cookie: `SESSION_SECRET`, else a random one for this process only (restarting signs everybody out). */
export function sessionSecret(config: SiteConfig): string {
  return config.sessionSecret ?? randomBytes(32).toString('base64url');
}

export interface SessionRedis {
  client: Redis;
  /** Prefix of the session keys: `<REDIS_PREFIX>sess:`. */
  prefix: string;
  close(): Promise<void>;
}

/**
 * The Redis connection for the sessions when `REDIS_URL` is set (null: keep them in memory), so
 * sessions survive restarts and are shared by processes.
 */
export function sessionRedis(config: SiteConfig): SessionRedis | null {
  if (!config.redisUrl) return null;
  const client = new Redis(config.redisUrl, {
    // A Redis that is down makes the request fail within seconds instead of hanging it.
    connectTimeout: 2000,
    maxRetriesPerRequest: 1,
    commandTimeout: 2000,
  });
  // Each failed call reports its own error; this only keeps ioredis from logging every reconnect.
  client.on('error', () => {});
  return {
    client,
    prefix: `${config.redisPrefix}sess:`,
    async close() {
      if (client.status !== 'end') await client.quit().catch(() => client.disconnect());
    },
  };
}
