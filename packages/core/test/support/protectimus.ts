import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { createProtectimus, type Protectimus, type ProtectimusOptions } from '../../src/protectimus';
import { MemoryStore } from '../../src/stores/memory';
import { RedisStore } from '../../src/stores/redis';
import type { Store } from '../../src/stores/store';
import { FakeClock } from './clock';
import { startSmtp, type TestSmtp } from './smtp';

export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
/** A secret NODE_ENV=production accepts (`npx protectimus-mail secret`), so tests never warn about it. */
export const SECRET = 'ICTBY5bc-qw1B7XPp5x2lri7jdtxzIGkkKwpZpwsX0';

/** The two stores every behaviour is tested on. */
export type StoreKind = 'memory' | 'redis';
export const STORE_KINDS: StoreKind[] = ['memory', 'redis'];

/** A world for one test file: a store of the kind, a real SMTP server, a fake clock, and cleanup. */
export interface World {
  kind: StoreKind;
  smtp: TestSmtp;
  clock: FakeClock;
  prefix: string;
  /**
   * A new instance over the same store (for Redis, a new connection with the same prefix), or with
   * `isolated`, over a new empty one.
   */
  make(options?: Partial<ProtectimusOptions>, isolated?: boolean): Protectimus;
  close(): Promise<void>;
}

export async function startWorld(kind: StoreKind): Promise<World> {
  const smtp = await startSmtp();
  const clock = new FakeClock();
  const prefix = `pmtest:${randomBytes(6).toString('hex')}:`;
  const clients: Redis[] = [];
  const instances: Protectimus[] = [];
  const memories = kind === 'memory' ? [new MemoryStore()] : [];
  const prefixes = [prefix];
  const newStore = (isolated: boolean): Store => {
    if (kind === 'memory') {
      if (!isolated) return memories[0]!;
      const store = new MemoryStore();
      memories.push(store);
      return store;
    }
    const storePrefix = isolated ? `pmtest:${randomBytes(6).toString('hex')}:` : prefix;
    if (isolated) prefixes.push(storePrefix);
    const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    clients.push(client);
    return new RedisStore({ client, prefix: storePrefix });
  };
  return {
    kind,
    smtp,
    clock,
    prefix,
    make(options = {}, isolated = false) {
      const pm = createProtectimus({
        store: newStore(isolated),
        mail: { transport: smtp.url, from: 'Security <no-reply@example.com>' },
        secret: SECRET,
        clock,
        ...options,
      });
      instances.push(pm);
      return pm;
    },
    async close() {
      await Promise.all(instances.map((pm) => pm.close()));
      await Promise.all(memories.map((m) => m.close()));
      for (const p of prefixes) if (clients[0]) await deleteByPrefix(clients[0], p);
      await Promise.all(clients.map((c) => c.quit()));
      await smtp.close();
    },
  };
}

/** Removes every key under `prefix` (SCAN, never KEYS). */
export async function deleteByPrefix(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length) await client.del(...keys);
  } while (cursor !== '0');
}

/** Creates a user `login` with a mail token (optionally with a PIN) assigned on a new resource. */
export async function seedUser(
  pm: Protectimus,
  opts: { login?: string; otpLength?: 6 | 8; pin?: string; pinPosition?: 'before' | 'after'; resource?: Record<string, unknown> } = {},
) {
  const login = opts.login ?? `user${randomBytes(3).toString('hex')}`;
  const email = `${login}@example.com`;
  const token = await pm.tokens.createMail({ name: `${login} mail`, email, otpLength: opts.otpLength ?? 6, ...(opts.pin ? { pin: opts.pin, pinPosition: opts.pinPosition ?? 'before' } : {}) });
  const user = await pm.users.create({ login, email });
  await pm.users.assignToken(user.id, token.id);
  const resource = await pm.resources.create({ name: `res-${login}`, ...(opts.resource ?? {}) });
  await pm.resources.assignTokenWithUser(resource.id, token.id);
  return { login, email, token, user, resource };
}
