import type { ProtectimusError } from '../src/errors';
import type { ProtectimusEvent } from '../src/audit';
import type { Protectimus } from '../src/protectimus';
import { seedUser, STORE_KINDS, startWorld, type World } from './support/protectimus';
import { refusal } from './support/refusal';


describe.each(STORE_KINDS)('prepare + authenticate on %s store', (kind) => {
  let world: World;
  let pm: Protectimus;
  beforeAll(async () => {
    world = await startWorld(kind);
    pm = world.make();
  });
  afterAll(() => world.close());

  /** Prepares, reads the code from the mail that arrived, returns it. */
  async function mailedCode(resource: string, login: string, email: string, resend = false): Promise<string> {
    const mail = world.smtp.waitForMail(email);
    const prepared = await pm.prepare({ resource, login, ip: '127.0.0.1', resend });
    expect(prepared.sent).toBe(true);
    return world.smtp.codeFrom(await mail);
  }

  describe.each([6, 8] as const)('%i-digit token', (otpLength) => {
    it.each([
      ['no PIN', undefined, undefined],
      ['PIN before', 'Pin1234', 'before'],
      ['PIN after', '98765', 'after'],
    ] as const)('full journey with %s, code read from the mail', async (_label, pin, pinPosition) => {
      const s = await seedUser(pm, { otpLength, pin, pinPosition });
      const mail = world.smtp.waitForMail(s.email);
      const prepared = await pm.prepare({ resource: s.resource.name, login: s.login, ip: '127.0.0.1' });
      expect(prepared).toMatchObject({ tokenId: s.token.id, otpLength, pin: pinPosition ?? null, sent: true });
      expect(prepared.sentTo).not.toBe(s.email);
      expect(prepared.sentTo).toMatch(/\*\*\*.*@example\.com$/);
      const received = await mail;
      const code = world.smtp.codeFrom(received);
      expect(code).toMatch(new RegExp(`^[0-9]{${otpLength}}$`));
      expect(received.subject).toBeTruthy();
      const typed = pinPosition === 'before' ? `${pin}${code}` : pinPosition === 'after' ? `${code}${pin}` : code;
      const result = await pm.authenticate({ resource: s.resource.id, login: s.login, otp: ` ${typed} `, ip: '127.0.0.1' });
      expect(result.user.login).toBe(s.login);
      expect(result.token.id).toBe(s.token.id);
      // Single use.
      expect((await refusal(pm.authenticate({ resource: s.resource.id, login: s.login, otp: typed }))).code).toBe('OTP_EXPIRED');
    });
  });

  it('counts each malformed typing as a failed attempt and never passes it', async () => {
    const s = await seedUser(pm, { pin: '1234', pinPosition: 'before' });
    const code = await mailedCode(s.resource.name, s.login, s.email);
    const bad = [`${code}1234`, `1234.${code}`, `-1234${code}`];
    let left = 3;
    for (const otp of bad) {
      const err = await refusal(pm.authenticate({ resource: s.resource.name, login: s.login, otp }));
      left -= 1;
      if (left > 0) expect(err).toMatchObject({ code: 'INVALID_OTP', attemptsLeft: left });
      else expect(err).toMatchObject({ code: 'INVALID_OTP', attemptsLeft: 0 });
    }
    // Used up: even the right code now finds nothing open.
    expect((await refusal(pm.authenticate({ resource: s.resource.name, login: s.login, otp: `1234${code}` }))).code).toBe('OTP_EXPIRED');
  });

  it('takes PIN and code typed in groups (spaces, hyphens) as typed together', async () => {
    const s = await seedUser(pm, { pin: '1234', pinPosition: 'before' });
    const code = await mailedCode(s.resource.name, s.login, s.email);
    expect(await pm.authenticate({ resource: s.resource.name, login: s.login, otp: `1234 ${code.slice(0, 3)}-${code.slice(3)}` })).toBeTruthy();
  });

  it('treats wrong lengths and Unicode digits as failed attempts', async () => {
    const s = await seedUser(pm);
    const code = await mailedCode(s.resource.name, s.login, s.email);
    const arabic = [...code].map((d) => String.fromCharCode(0x0660 + Number(d))).join('');
    expect(await refusal(pm.authenticate({ resource: s.resource.name, login: s.login, otp: code.slice(1) }))).toMatchObject({ code: 'INVALID_OTP', attemptsLeft: 2 });
    expect(await refusal(pm.authenticate({ resource: s.resource.name, login: s.login, otp: arabic }))).toMatchObject({ code: 'INVALID_OTP', attemptsLeft: 1 });
    expect(await pm.authenticate({ resource: s.resource.name, login: s.login, otp: code })).toBeTruthy();
  });

  it('refuses input nobody types (non-strings, 10 kB, empty) with INVALID_INPUT, without using an attempt', async () => {
    const s = await seedUser(pm);
    const code = await mailedCode(s.resource.name, s.login, s.email);
    for (const otp of [123456, null, undefined, ['123456'], { otp: code }, 'x'.repeat(10_000), '', '   ']) {
      expect((await refusal(pm.authenticate({ resource: s.resource.name, login: s.login, otp }))).code).toBe('INVALID_INPUT');
    }
    for (const login of [42, '', 'x'.repeat(65)]) {
      expect((await refusal(pm.authenticate({ resource: s.resource.name, login: login as string, otp: code }))).code).toBe('INVALID_INPUT');
    }
    expect((await pm.authenticate({ resource: s.resource.name, login: s.login, otp: code })).user.login).toBe(s.login);
  });

  it('never tells a wrong PIN from a wrong code', async () => {
    const s = await seedUser(pm, { pin: 'abcd', pinPosition: 'after' });
    const code = await mailedCode(s.resource.name, s.login, s.email);
    const wrongPin = await refusal(pm.authenticate({ resource: s.resource.name, login: s.login, otp: `${code}abce` }));
    const wrongCode = await refusal(pm.authenticate({ resource: s.resource.name, login: s.login, otp: `${code === '000000' ? '111111' : '000000'}abcd` }));
    expect(wrongPin.message).toBe(wrongCode.message);
    expect(wrongPin.code).toBe(wrongCode.code);
    expect(wrongPin.attemptsLeft).toBe(2);
    expect(wrongCode.attemptsLeft).toBe(1);
  });

  it('expires codes after ttl, by the clock', async () => {
    const s = await seedUser(pm);
    const code = await mailedCode(s.resource.name, s.login, s.email);
    world.clock.advanceSeconds(301);
    expect((await refusal(pm.authenticate({ resource: s.resource.name, login: s.login, otp: code }))).code).toBe('OTP_EXPIRED');
  });

  it('reuses the open code on a reload, and resends only after the cooldown', async () => {
    const s = await seedUser(pm);
    const first = await mailedCode(s.resource.name, s.login, s.email);
    const before = world.smtp.messages.length;
    const again = await pm.prepare({ resource: s.resource.name, login: s.login });
    expect(again.sent).toBe(false);
    expect(world.smtp.messages.length).toBe(before);
    const tooSoon = await refusal(pm.prepare({ resource: s.resource.name, login: s.login, resend: true }));
    expect(tooSoon.code).toBe('RATE_LIMITED');
    expect(tooSoon.retryAfter).toBeGreaterThan(0);
    expect(tooSoon.retryAfter).toBeLessThanOrEqual(30);
    world.clock.advanceSeconds(30);
    const second = await mailedCode(s.resource.name, s.login, s.email, true);
    if (first !== second) {
      expect((await refusal(pm.authenticate({ resource: s.resource.name, login: s.login, otp: first }))).code).toBe('INVALID_OTP');
    }
    expect((await pm.authenticate({ resource: s.resource.name, login: s.login, otp: second })).token.id).toBe(s.token.id);
  });

  it('caps mails per token per hour', async () => {
    const s = await seedUser(pm);
    for (let i = 0; i < 10; i++) {
      await mailedCode(s.resource.name, s.login, s.email, i > 0);
      world.clock.advanceSeconds(31);
    }
    const capped = await refusal(pm.prepare({ resource: s.resource.name, login: s.login, resend: true }));
    expect(capped.code).toBe('RATE_LIMITED');
    expect(capped.retryAfter).toBeGreaterThan(3000);
    world.clock.advanceSeconds(capped.retryAfter ?? 0);
    await mailedCode(s.resource.name, s.login, s.email, true);
  });

  it('locks the token after failedAttemptsBeforeLock consecutive failures, for lockMinutes', async () => {
    const s = await seedUser(pm, { resource: { failedAttemptsBeforeLock: 4, lockMinutes: 10 } });
    const code = await mailedCode(s.resource.name, s.login, s.email);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 3; i++) await refusal(pm.authenticate({ resource: s.resource.name, login: s.login, otp: wrong }));
    await mailedCode(s.resource.name, s.login, s.email);
    const locked = await refusal(pm.authenticate({ resource: s.resource.name, login: s.login, otp: wrong }));
    expect(locked.code).toBe('BLOCKED');
    expect(locked.retryAfter).toBe(600);
    expect((await pm.tokens.get(s.token.id)).blocked).toBe('failed_attempts');
    expect((await refusal(pm.prepare({ resource: s.resource.name, login: s.login }))).code).toBe('BLOCKED');
    world.clock.advanceSeconds(600);
    expect((await pm.tokens.get(s.token.id)).blocked).toBeNull();
    const fresh = await mailedCode(s.resource.name, s.login, s.email);
    expect((await pm.authenticate({ resource: s.resource.name, login: s.login, otp: fresh })).user.id).toBe(s.user.id);
  });

  it('resets the failure count on success', async () => {
    const s = await seedUser(pm, { resource: { failedAttemptsBeforeLock: 3 } });
    for (let round = 0; round < 3; round++) {
      const code = await mailedCode(s.resource.name, s.login, s.email);
      await refusal(pm.authenticate({ resource: s.resource.name, login: s.login, otp: code === '000000' ? '111111' : '000000' }));
      await refusal(pm.authenticate({ resource: s.resource.name, login: s.login, otp: code === '000000' ? '111111' : '000000' }));
      await pm.authenticate({ resource: s.resource.name, login: s.login, otp: code });
    }
    expect((await pm.tokens.get(s.token.id)).blocked).toBeNull();
  });

  it('blocks the token for good after 100 consecutive failures, until an admin unblocks it', async () => {
    const strict = world.make({ otp: { maxAttempts: 10, maxSendsPerHour: 1000, resendCooldown: 0 } });
    const s = await seedUser(strict, { resource: { failedAttemptsBeforeLock: 10, lockMinutes: 1 } });
    let last: ProtectimusError | undefined;
    for (let failures = 0; failures < 100; ) {
      const mailed = world.smtp.waitForMail(s.email);
      await strict.prepare({ resource: s.resource.id, login: s.login });
      await mailed;
      for (let i = 0; i < 10 && failures < 100; i++, failures++) {
        last = await refusal(strict.authenticate({ resource: s.resource.id, login: s.login, otp: 'abcdef' }));
      }
      if (failures < 100) {
        expect(last?.code).toBe('BLOCKED');
        world.clock.advanceSeconds(60);
      }
    }
    expect(last).toMatchObject({ code: 'BLOCKED' });
    expect(last?.retryAfter).toBeUndefined();
    world.clock.advanceSeconds(86400 * 30);
    expect((await strict.tokens.get(s.token.id))).toMatchObject({ blocked: 'failed_attempts', blockedUntil: null });
    expect((await refusal(strict.prepare({ resource: s.resource.id, login: s.login }))).code).toBe('BLOCKED');
    await strict.tokens.unblock(s.token.id);
    const mail = world.smtp.waitForMail(s.email);
    await strict.prepare({ resource: s.resource.id, login: s.login });
    const code = world.smtp.codeFrom(await mail);
    expect((await strict.authenticate({ resource: s.resource.id, login: s.login, otp: code })).user.login).toBe(s.login);
  });

  it('lets in only the allowed addresses (IPv4, IPv6, CIDR), and nobody without an address', async () => {
    const s = await seedUser(pm, { resource: { allowedIps: ['10.0.0.0/8', '2001:db8::/32'] } });
    for (const ip of ['192.168.1.1', '11.0.0.1', '2001:db9::1', undefined]) {
      expect((await refusal(pm.prepare({ resource: s.resource.name, login: s.login, ip }))).code).toBe('ACCESS_RESTRICTED');
    }
    const mail = world.smtp.waitForMail(s.email);
    await pm.prepare({ resource: s.resource.name, login: s.login, ip: '::ffff:10.1.2.3' });
    const code = world.smtp.codeFrom(await mail);
    expect((await refusal(pm.authenticate({ resource: s.resource.name, login: s.login, otp: code, ip: '192.168.1.1' }))).code).toBe('ACCESS_RESTRICTED');
    expect((await pm.authenticate({ resource: s.resource.name, login: s.login, otp: code, ip: '2001:db8::5' })).user.login).toBe(s.login);
  });

  it('refuses blocked users and tokens, strangers and unknown resources', async () => {
    const s = await seedUser(pm);
    await pm.users.block(s.user.id);
    expect((await refusal(pm.prepare({ resource: s.resource.name, login: s.login }))).code).toBe('BLOCKED');
    await pm.users.unblock(s.user.id);
    await pm.tokens.block(s.token.id, { minutes: 5 });
    const temp = await refusal(pm.prepare({ resource: s.resource.name, login: s.login }));
    expect(temp).toMatchObject({ code: 'BLOCKED', retryAfter: 300 });
    await pm.tokens.unblock(s.token.id);
    expect((await refusal(pm.prepare({ resource: s.resource.name, login: 'nobody-here' }))).code).toBe('NOT_ASSIGNED');
    const other = await pm.resources.create({ name: `other-${s.login}` });
    expect((await refusal(pm.prepare({ resource: other.id, login: s.login }))).code).toBe('NOT_ASSIGNED');
    expect((await refusal(pm.prepare({ resource: 'no-such-resource', login: s.login }))).code).toBe('NOT_FOUND');
  });

  it('gives exactly one success to 50 concurrent right answers', async () => {
    const s = await seedUser(pm, { pin: '4321' });
    const code = await mailedCode(s.resource.name, s.login, s.email);
    // On Redis, every call runs through another client (another connection), as separate processes would.
    const instances = [pm, world.make(), world.make()];
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => instances[i % instances.length]!.authenticate({ resource: s.resource.name, login: s.login, otp: `4321${code}` })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as ProtectimusError).code).toMatch(/^(OTP_EXPIRED|INVALID_OTP)$/);
  });

  it('removes the challenge when delivery fails, and a later send works', async () => {
    const s = await seedUser(pm);
    world.smtp.refuseNext(1);
    expect((await refusal(pm.prepare({ resource: s.resource.name, login: s.login }))).code).toBe('DELIVERY_FAILED');
    expect((await refusal(pm.authenticate({ resource: s.resource.name, login: s.login, otp: '123456' }))).code).toBe('OTP_EXPIRED');
    // Neither cooldown nor reuse: the failed mail does not count.
    await mailedCode(s.resource.name, s.login, s.email, true);
  });

  it('keeps the code the user had when a resend cannot be delivered', async () => {
    const s = await seedUser(pm);
    const first = await mailedCode(s.resource.name, s.login, s.email);
    world.clock.advanceSeconds(30);
    world.smtp.refuseNext(1);
    expect((await refusal(pm.prepare({ resource: s.resource.name, login: s.login, resend: true }))).code).toBe('DELIVERY_FAILED');
    expect((await pm.authenticate({ resource: s.resource.name, login: s.login, otp: first })).user.login).toBe(s.login);
  });

  it('emits an event for every decision, with who, where and from where, never a code or PIN', async () => {
    const seen: ProtectimusEvent[] = [];
    const listener = (e: ProtectimusEvent) => seen.push(e);
    pm.on('*', listener);
    const s = await seedUser(pm, { pin: 'Zz9876' });
    const code = await mailedCode(s.resource.name, s.login, s.email);
    await refusal(pm.authenticate({ resource: s.resource.name, login: s.login, otp: `Zz9876${code === '000000' ? '111111' : '000000'}`, ip: '127.0.0.9' }));
    await pm.authenticate({ resource: s.resource.name, login: s.login, otp: `Zz9876${code}`, ip: '127.0.0.9' });
    pm.off('*', listener);
    const types = seen.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['token.created', 'user.created', 'resource.created', 'assignment.created', 'otp.sent', 'otp.failed', 'otp.verified']));
    const verified = seen.find((e) => e.type === 'otp.verified');
    expect(verified).toMatchObject({ resourceId: s.resource.id, resourceName: s.resource.name, userId: s.user.id, login: s.login, tokenId: s.token.id, ip: '127.0.0.9' });
    expect(Date.parse(verified!.at)).toBe(world.clock.now());
    const json = JSON.stringify(seen);
    expect(json).not.toContain(code);
    expect(json).not.toContain('Zz9876');
    // The audit log in the store, newest first.
    await new Promise((r) => setTimeout(r, 50));
    const log = await pm.events.list({ limit: 5, login: s.login });
    expect(log.items[0]?.type).toBe('otp.verified');
    expect(JSON.stringify(log)).not.toContain(code);
  });
});
