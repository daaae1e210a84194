import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import type { Protectimus } from '../../../packages/core/src/protectimus';
import { seedUser, startWorld, type World } from '../../../packages/core/test/support/protectimus';

export { startWorld, seedUser, SECRET, REDIS_URL, deleteByPrefix } from '../../../packages/core/test/support/protectimus';
export type { World } from '../../../packages/core/test/support/protectimus';
export { FakeClock } from '../../../packages/core/test/support/clock';

/** What `freshUser` may set: its token's code length and PIN, and its resource's options. */
export type UserOptions = Omit<NonNullable<Parameters<typeof seedUser>[1]>, 'login'>;

/** A fresh user with a mail token on its own resource (`res-<login>`), named after a random login. */
export async function freshUser(pm: Protectimus, opts: UserOptions = {}) {
  const seeded = await seedUser(pm, { login: `u${randomBytes(4).toString('hex')}`, ...opts });
  return { ...seeded, resourceName: seeded.resource.name };
}
export type FreshUser = Awaited<ReturnType<typeof freshUser>>;

/** The code of the next mail to `email`, read from the real SMTP server. */
export async function nextCode(world: World, email: string): Promise<string> {
  return world.smtp.codeFrom(await world.smtp.waitForMail(email));
}

/** Resolves when no mail for `email` arrives within `ms` (a reload must not mail again). */
export async function noMail(world: World, email: string, ms = 300): Promise<void> {
  await expect(world.smtp.waitForMail(email, ms)).rejects.toThrow(/no mail/);
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

/**
 * One world (real Redis, real SMTP, the fake clock) and one instance over it for a test file:
 * started in `beforeAll`, every key and server cleaned up in `afterAll`. Read it inside tests.
 */
export function useWorld(): { readonly world: World; readonly pm: Protectimus } {
  const holder = {} as { world: World; pm: Protectimus };
  beforeAll(async () => {
    holder.world = await startWorld('redis');
    holder.pm = holder.world.make();
  });
  afterAll(() => holder.world?.close());
  return holder;
}
