import Redis from 'ioredis';
import type { Protectimus } from '../src/protectimus';
import { refusal } from './support/refusal';
import { REDIS_URL, seedUser, startWorld, STORE_KINDS, type StoreKind, type World } from './support/protectimus';

// The attack: the store goes back in time (a snapshot restored, a failover to a replica that lagged)
// and with it the token's HOTP counter. A counter that only counts up from what the store holds
// then mails again a code that was already used, and whoever saw that code (an old mail, a
// shoulder) can replay it. The counter must never repeat, whatever the store forgets.

/** Takes a copy of the token's counter now; the returned function puts that copy back. */
type Snapshot = (pm: Protectimus, tokenId: string) => Promise<() => Promise<void>>;

function snapshotOf(kind: StoreKind, world: World): Snapshot {
  if (kind === 'memory') {
    return async (pm, tokenId) => {
      const tokens = (pm.store as unknown as { tokens: Map<string, { ctr: number }> }).tokens;
      const saved = tokens.get(tokenId)?.ctr ?? 0;
      return async () => {
        const t = tokens.get(tokenId);
        if (t) t.ctr = saved;
      };
    };
  }
  return async (_pm, tokenId) => {
    // DUMP/RESTORE: what a restored snapshot or a lagging replica does to one key.
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    const key = `${world.prefix}{t:${tokenId}}:ctr`;
    const dump = await redis.dumpBuffer(key);
    return async () => {
      if (dump) await redis.restore(key, 0, dump, 'REPLACE');
      else await redis.del(key);
      await redis.quit();
    };
  };
}

describe.each(STORE_KINDS)('%s store: a rolled-back counter', (kind) => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld(kind);
  });
  afterAll(() => world.close());

  it('never mails a used code again, and the used code stays refused', async () => {
    const pm = world.make({ otp: { resendCooldown: 0, maxAttempts: 10 } });
    const s = await seedUser(pm, { otpLength: 8 });
    const ask = (resend = false) => pm.prepare({ resource: s.resource.name, login: s.login, resend });
    const check = (otp: string) => pm.authenticate({ resource: s.resource.name, login: s.login, otp });

    const before = await snapshotOf(kind, world)(pm, s.token.id);
    const used: string[] = [];
    for (let i = 0; i < 3; i++) {
      await ask(i > 0);
      const code = world.smtp.codeFrom(await world.smtp.waitForMail(s.email));
      await expect(check(code)).resolves.toMatchObject({ user: { login: s.login } });
      used.push(code);
      world.clock.advance(1_000);
    }

    // The store forgets the last three sends' counter.
    await before();
    await ask(true);
    const fresh = world.smtp.codeFrom(await world.smtp.waitForMail(s.email));
    expect(used).not.toContain(fresh);
    for (const old of used) expect((await refusal(check(old))).code).toBe('INVALID_OTP');
    await expect(check(fresh)).resolves.toMatchObject({ user: { login: s.login } });
  });

  it('gives each of several codes mailed in one millisecond its own counter', async () => {
    const pm = world.make({ otp: { resendCooldown: 0, maxSendsPerHour: 1000, maxAttempts: 10 } });
    const s = await seedUser(pm, { otpLength: 8 });
    const codes: string[] = [];
    for (let i = 0; i < 5; i++) {
      await pm.prepare({ resource: s.resource.name, login: s.login, resend: i > 0 });
      codes.push(world.smtp.codeFrom(await world.smtp.waitForMail(s.email)));
    }
    // The clock stood still: the counter still moved on by one per code.
    expect(new Set(codes).size).toBe(5);
    for (const old of codes.slice(0, 4)) expect((await refusal(pm.authenticate({ resource: s.resource.name, login: s.login, otp: old }))).code).toBe('INVALID_OTP');
    await expect(pm.authenticate({ resource: s.resource.name, login: s.login, otp: codes[4]! })).resolves.toMatchObject({ user: { login: s.login } });
  });
});
