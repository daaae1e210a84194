import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import type { Protectimus } from '../../../core/src/protectimus';
import type { World } from '../../../core/test/support/protectimus';
import { seedUser } from '../../../core/test/support/protectimus';

export { startWorld, seedUser, SECRET, REDIS_URL, deleteByPrefix } from '../../../core/test/support/protectimus';
export type { World } from '../../../core/test/support/protectimus';

/** A fresh user with a mail token on its own resource, named after a random login. */
export async function freshUser(pm: Protectimus, opts: Parameters<typeof seedUser>[1] = {}) {
  const seeded = await seedUser(pm, { login: `u${randomBytes(4).toString('hex')}`, ...opts });
  return { ...seeded, resourceName: seeded.resource.name };
}

/** The code of the next mail to `email`, read from the real SMTP server. */
export async function nextCode(world: World, email: string): Promise<string> {
  return world.smtp.codeFrom(await world.smtp.waitForMail(email));
}

/** A wrong code of the right shape: the real one with its last digit changed. */
export function wrongCode(code: string): string {
  const last = Number(code.slice(-1));
  return code.slice(0, -1) + String((last + 1) % 10);
}

/**
 * A client to a port nothing listens on, set to fail every command at once and never reconnect.
 * After its one failed attempt its status is 'end': no need (and no use) to disconnect it.
 */
export function deadRedis(): Redis {
  const client = new Redis('redis://127.0.0.1:1', {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  return client;
}
