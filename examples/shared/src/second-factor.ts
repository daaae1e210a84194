import { createProtectimus, RedisStore, type Protectimus } from '@protectimus-mail/core';
import type { SiteConfig } from './config';

/**
 * The protectimus-mail instance: codes mailed through `transport` (the real SMTP server, or the
 * dev inbox), data in Redis when configured, else in memory. `pm.close()` closes what it opened.
 */
export function createSecondFactor(config: SiteConfig, transport: string): Protectimus {
  const store = config.redisUrl ? new RedisStore({ url: config.redisUrl, prefix: `${config.redisPrefix}pm:` }) : undefined;
  const pm = createProtectimus({
    ...(store ? { store } : {}),
    mail: { transport, from: config.mailFrom, appName: 'Example Co.' },
    // Without one, core makes up a random secret and prints a warning saying what that costs. A
    // comma-separated list (newest first) rotates it, as protectimusFromEnv reads it.
    secret: config.protectimusSecret?.split(',').filter((s) => s !== ''),
  });
  if (store) pm.adopt(store);
  return pm;
}
