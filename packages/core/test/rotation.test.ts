import { createHmac, hkdfSync } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Keyring } from '../src/crypto';
import type { Protectimus } from '../src/protectimus';
import type { TokenRecord } from '../src/model';
import { generateSecret } from '../src/secrets';
import { dirKey } from '../src/stores/store';
import { seedUser, STORE_KINDS, startWorld, type World } from './support/protectimus';
import { refusal } from './support/refusal';

// Rotating the server secret: `secret: [new, old]`. The new one seals and keys what is written, the
// old one still reads what was written under it, and a token read under the old one is rewritten
// under the new one, so that the old secret can then be dropped with every token still working.

type Seeded = Awaited<ReturnType<typeof seedUser>>;

describe.each(STORE_KINDS)('rotating the server secret on %s store', (kind) => {
  let world: World;
  const A = generateSecret();
  const B = generateSecret();

  beforeAll(async () => {
    world = await startWorld(kind);
  });
  afterAll(() => world.close());

  async function mailed(pm: Protectimus, s: Seeded): Promise<string> {
    const mail = world.smtp.waitForMail(s.email);
    const prepared = await pm.prepare({ resource: s.resource.name, login: s.login });
    expect(prepared.sent).toBe(true);
    return world.smtp.codeFrom(await mail);
  }

  function signIn(pm: Protectimus, s: Seeded, otp: string) {
    return pm.authenticate({ resource: s.resource.name, login: s.login, otp });
  }

  /** The token's record as the store holds it. */
  async function stored(pm: Protectimus, tokenId: string): Promise<TokenRecord> {
    const { values } = await pm.store.dirGet([dirKey.token(tokenId)]);
    return JSON.parse(values[0] as string) as TokenRecord;
  }

  it('a code mailed and a PIN set under the old secret work after a restart with [new, old]; the token is then re-sealed under the new one and works with it alone', async () => {
    const before = world.make({ secret: A });
    const used = await seedUser(before, { pin: '1234' });
    const idle = await seedUser(before, { pin: '5678' });
    const code = await mailed(before, used);
    const usedUnderA = await stored(before, used.token.id);
    const idleUnderA = await stored(before, idle.token.id);
    await before.close();

    // The deploy: a new process with the new secret first.
    const rotating = world.make({ secret: [B, A] });
    // A wrong PIN still fails, and moves nothing.
    expect(await refusal(signIn(rotating, used, `9999${code}`))).toMatchObject({ code: 'INVALID_OTP', attemptsLeft: 2 });
    await rotating.close();
    expect(await stored(rotating, used.token.id)).toEqual(usedUnderA);
    // The code mailed before the deploy, with the PIN set before it.
    expect((await signIn(rotating, used, `1234${code}`)).user.login).toBe(used.login);
    await rotating.close();

    const after = await stored(rotating, used.token.id);
    expect(after.secret).not.toBe(usedUnderA.secret);
    expect(after.pinHash).not.toBe(usedUnderA.pinHash);
    expect({ ...after, secret: '', pinHash: '' }).toEqual({ ...usedUnderA, secret: '', pinHash: '' });
    const onlyB = new Keyring(B);
    const onlyA = new Keyring(A);
    expect(onlyB.open(used.token.id, after.secret)?.key).toBe(0);
    expect(onlyB.pinKey(used.token.id, '1234', after.pinHash as string)).toBe(0);
    expect(onlyA.open(used.token.id, after.secret)).toBeNull();
    expect(onlyA.pinMatches(used.token.id, '1234', after.pinHash as string)).toBe(false);
    // Not the old HOTP secret sealed again, but a new one: whoever read the old one cannot tell the next codes.
    expect(onlyB.open(used.token.id, after.secret)?.plain.equals(onlyA.unseal(used.token.id, usedUnderA.secret))).toBe(false);
    // A token not used meanwhile was left as it was.
    expect(await stored(rotating, idle.token.id)).toEqual(idleUnderA);

    // Rewritten once: using it again under [B, A] writes nothing more.
    const again = world.make({ secret: [B, A] });
    expect((await signIn(again, used, `1234${await mailed(again, used)}`)).user.login).toBe(used.login);
    await again.close();
    expect(await stored(again, used.token.id)).toEqual(after);

    // The old secret dropped: the token used during the rotation works with the new one alone.
    const newOnly = world.make({ secret: B });
    const fresh = await mailed(newOnly, used);
    expect(await refusal(signIn(newOnly, used, `1235${fresh}`))).toMatchObject({ code: 'INVALID_OTP' });
    expect((await signIn(newOnly, used, `1234${fresh}`)).user.login).toBe(used.login);

    // The token never used during the rotation still reads with [B, A]...
    const later = world.make({ secret: [B, A] });
    expect((await signIn(later, idle, `5678${await mailed(later, idle)}`)).user.login).toBe(idle.login);
    await later.close();
    // ...and, used now, is re-sealed under B too.
    const idleAfter = await stored(later, idle.token.id);
    expect(onlyB.pinKey(idle.token.id, '5678', idleAfter.pinHash as string)).toBe(0);
    expect(onlyB.open(idle.token.id, idleAfter.secret)?.key).toBe(0);
  });

  it('tokens.reseal() moves the tokens nobody used, after which the old secret can go; codes open before still verify with [new, old]', async () => {
    const before = world.make({ secret: A });
    const withPin = await seedUser(before, { pin: 'Abc123' });
    const noPin = await seedUser(before);
    const openCode = await mailed(before, noPin);
    await before.close();

    const rotating = world.make({ secret: [B, A] });
    const report = await rotating.tokens.reseal();
    expect(report).toMatchObject({ waiting: 0, unreadable: 0 });
    expect(report.resealed).toBeGreaterThanOrEqual(2);
    expect(await rotating.tokens.reseal()).toMatchObject({ tokens: report.tokens, resealed: 0, waiting: 0, unreadable: 0 });
    // Re-sealing leaves the open code alone: it was hashed under A and verifies with [B, A].
    expect((await signIn(rotating, noPin, openCode)).user.login).toBe(noPin.login);

    const newOnly = world.make({ secret: B });
    expect((await signIn(newOnly, withPin, `Abc123${await mailed(newOnly, withPin)}`)).user.login).toBe(withPin.login);
    expect((await signIn(newOnly, noPin, await mailed(newOnly, noPin))).user.login).toBe(noPin.login);
    // The old secret alone reads none of it any more.
    const oldOnly = world.make({ secret: A });
    expect(await oldOnly.tokens.reseal()).toMatchObject({ unreadable: report.tokens });
  });

  it('a PIN stored by an earlier version (an HMAC) still works, and moves to the new secret when typed', async () => {
    const before = world.make({ secret: A });
    const s = await seedUser(before, { pin: '4321' });
    // Write the record as an earlier version did: the PIN as HMAC-SHA256 under the HKDF 'pin' key.
    const pinKey = Buffer.from(hkdfSync('sha256', Buffer.from(A), 'protectimus-mail', 'pin', 32));
    const legacy = createHmac('sha256', pinKey).update(`${s.token.id}\u00004321`).digest('base64url');
    const read = await before.store.dirGet([dirKey.token(s.token.id)]);
    const rec = { ...(JSON.parse(read.values[0] as string) as TokenRecord), pinHash: legacy };
    expect(await before.store.dirCommit(read.version, [{ op: 'set', key: dirKey.token(s.token.id), value: JSON.stringify(rec) }])).toBe(true);
    await before.close();

    const rotating = world.make({ secret: [B, A] });
    const report = await rotating.tokens.reseal();
    // The sealed HOTP secret moved; the PIN cannot move without being typed.
    expect(report.waiting).toBe(1);
    expect((await stored(rotating, s.token.id)).pinHash).toBe(legacy);
    expect((await signIn(rotating, s, `4321${await mailed(rotating, s)}`)).user.login).toBe(s.login);
    await rotating.close();
    expect(new Keyring(B).pinKey(s.token.id, '4321', (await stored(rotating, s.token.id)).pinHash as string)).toBe(0);
    expect(await rotating.tokens.reseal()).toMatchObject({ waiting: 0, unreadable: 0 });
  });

  if (kind === 'redis') {
    it('authenticate stays one Redis command during a rotation', async () => {
      const pm = world.make({ secret: [B, A] });
      const s = await seedUser(pm, { pin: '1234' });
      const code = await mailed(pm, s);
      const client = (pm.store as unknown as { client: Redis }).client;
      await pm.events.list({ limit: 1 });
      const sent: string[] = [];
      const original = client.sendCommand.bind(client);
      client.sendCommand = (command, stream) => {
        if (!String(command.args[2]).includes('{ev}')) sent.push(command.name);
        return original(command, stream);
      };
      try {
        await signIn(pm, s, `1234${code}`);
      } finally {
        client.sendCommand = original;
      }
      expect(sent).toEqual(['evalsha']);
    });
  }
});
