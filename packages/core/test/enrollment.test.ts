import { randomBytes } from 'node:crypto';
import type { ProtectimusEvent } from '../src/audit';
import type { Protectimus } from '../src/protectimus';
import { refusal } from './support/refusal';
import { seedUser, startWorld, STORE_KINDS, type World } from './support/protectimus';

// Enrollment (docs/design.md, "Enrollment"): the app tells the address of a first-factor user
// who has no token on a resource; where the administrator allows it, a user, a pending mail token
// and the assignment are made, and the first right code mailed there confirms the address.

const tag = (): string => randomBytes(4).toString('hex');

describe.each(STORE_KINDS)('%s store: enrollment', (kind) => {
  let world: World;
  let pm: Protectimus;
  beforeAll(async () => {
    world = await startWorld(kind);
    pm = world.make();
  });
  afterAll(() => world.close());

  async function openResource(enrollment: 'allowed' | 'off' = 'allowed') {
    return pm.resources.create({ name: `enroll-${tag()}`, ...(enrollment === 'allowed' ? { enrollment } : {}) });
  }

  /** What the directory holds for a login and an address: the user, and the tokens at the address. */
  async function held(login: string, email: string) {
    const users = (await pm.users.list({ q: login })).items.filter((u) => u.login.toLowerCase() === login.toLowerCase());
    const tokens = (await pm.tokens.list({ q: email })).items.filter((t) => t.email.toLowerCase() === email.toLowerCase());
    return { users, tokens };
  }

  async function noMail(email: string): Promise<void> {
    await expect(world.smtp.waitForMail(email, 300)).rejects.toThrow(/no mail/);
  }

  it('makes a user, a pending token and the assignment, mails the code, and confirms the token with it', async () => {
    const resource = await openResource();
    expect(resource.enrollment).toBe('allowed');
    const login = `new${tag()}`;
    const email = `${login}@example.com`;
    const prepared = await pm.prepare({ resource: resource.name, login, ip: '203.0.113.7', enroll: { email, name: 'Nina New' } });
    expect(prepared).toMatchObject({ sent: true, otpLength: 6, pin: null });
    const code = world.smtp.codeFrom(await world.smtp.waitForMail(email));

    const { users, tokens } = await held(login, email);
    expect(users).toHaveLength(1);
    expect(users[0]).toMatchObject({ login, email, firstName: 'Nina New' });
    expect(tokens).toHaveLength(1);
    expect(tokens[0]).toMatchObject({ id: prepared.tokenId, userId: users[0]!.id, confirmedAt: null, hasPin: false });
    expect(await pm.resources.assignments(resource.id)).toEqual([expect.objectContaining({ userId: users[0]!.id, tokenId: prepared.tokenId, login })]);
    // Pending: the admin may not hand it to another resource before it proved its address.
    const elsewhere = await openResource('off');
    expect((await refusal(pm.resources.assignTokenWithUser(elsewhere.id, prepared.tokenId))).code).toBe('INVALID_INPUT');

    // A wrong code confirms nothing.
    const wrong = code.slice(0, -1) + String((Number(code.slice(-1)) + 1) % 10);
    expect((await refusal(pm.authenticate({ resource: resource.name, login, otp: wrong }))).code).toBe('INVALID_OTP');
    expect((await pm.tokens.get(prepared.tokenId)).confirmedAt).toBeNull();

    const passed = await pm.authenticate({ resource: resource.name, login, otp: code });
    expect(passed.token.confirmedAt).toBe(new Date(world.clock.now()).toISOString());
    expect((await pm.tokens.get(prepared.tokenId)).confirmedAt).toBe(passed.token.confirmedAt);
    // The session this code verified stands on what it was before the confirmation.
    await expect(pm.confirmGrant(resource.name, login, passed.stamp)).resolves.toBe(true);
    // Confirmed, it may be assigned elsewhere.
    await expect(pm.resources.assignTokenWithUser(elsewhere.id, prepared.tokenId)).resolves.toMatchObject({ tokenId: prepared.tokenId });

    const security = (await pm.events.list({ type: 'token.enrolled', tokenId: prepared.tokenId })).items;
    expect(security).toEqual([expect.objectContaining({ type: 'token.enrolled', resourceId: resource.id, login, userId: users[0]!.id, ip: '203.0.113.7', detail: { user: 'created', token: 'created' } })]);
    expect((await pm.events.list({ type: 'token.confirmed', tokenId: prepared.tokenId })).items).toHaveLength(1);
  });

  it('refuses where enrollment is off (the default), with nothing made and nothing mailed', async () => {
    const resource = await openResource('off');
    expect(resource.enrollment).toBe('off');
    const login = `off${tag()}`;
    const email = `${login}@example.com`;
    expect((await refusal(pm.prepare({ resource: resource.name, login, enroll: { email } }))).code).toBe('NOT_ASSIGNED');
    expect(await held(login, email)).toEqual({ users: [], tokens: [] });
    await noMail(email);
    const denied = (await pm.events.list({ type: 'access.denied', resourceId: resource.id })).items;
    expect(denied[0]).toMatchObject({ code: 'NOT_ASSIGNED', login, detail: { enroll: 'enrollment_off' } });
  });

  it('never takes the address of another user\'s token, nor an unowned one, and mails it nothing', async () => {
    const resource = await openResource();
    const kate = await seedUser(pm, { login: `kate${tag()}` });
    const unowned = await pm.tokens.createMail({ name: `spare ${tag()}`, email: `spare${tag()}@example.com` });
    for (const email of [kate.email, kate.email.toUpperCase(), unowned.email]) {
      const login = `mallory${tag()}`;
      expect((await refusal(pm.prepare({ resource: resource.name, login, enroll: { email } }))).code).toBe('NOT_ASSIGNED');
      expect((await held(login, email)).users).toEqual([]);
    }
    expect(await pm.users.tokensOf(kate.user.id)).toHaveLength(1);
    expect((await pm.tokens.get(unowned.id)).userId).toBeNull();
    expect(await pm.resources.assignments(resource.id)).toEqual([]);
    await noMail(kate.email);
    await noMail(unowned.email);
  });

  it('refuses what the app gets wrong: an invalid address, login or name, another spelling of a login', async () => {
    const resource = await openResource();
    const kate = await seedUser(pm, { login: `kate${tag()}` });
    const cases: [string, { email: string; name?: string }, string][] = [
      [`bad${tag()}`, { email: 'not an address' }, 'invalid_email'],
      [`bad${tag()}`, { email: `x${tag()}@example.com\r\nBcc: all@example.com` }, 'invalid_email'],
      [`\u212Aate${tag()}`, { email: `k${tag()}@example.com` }, 'invalid_login'],
      [`bad${tag()}`, { email: `n${tag()}@example.com`, name: 'x'.repeat(101) }, 'invalid_name'],
      [kate.login.toUpperCase(), { email: `K${tag()}@example.com` }, 'login_taken'],
    ];
    // Listeners hear every decision (the log writes a run of refusals on one resource once a minute).
    const heard: ProtectimusEvent[] = [];
    const listen = (e: ProtectimusEvent): void => void heard.push(e);
    pm.on('access.denied', listen);
    for (const [login, enrollee, reason] of cases) {
      expect((await refusal(pm.prepare({ resource: resource.name, login, enroll: enrollee }))).code).toBe('NOT_ASSIGNED');
      expect(heard.pop()).toMatchObject({ resourceId: resource.id, login, code: 'NOT_ASSIGNED', detail: { enroll: reason } });
    }
    pm.off('access.denied', listen);
    expect(await pm.resources.assignments(resource.id)).toEqual([]);
    expect((await pm.tokens.list({ q: 'bcc:' })).items).toEqual([]);
    expect((await refusal(pm.prepare({ resource: resource.name, login: `x${tag()}`, enroll: 'a@example.com' as never }))).code).toBe('INVALID_INPUT');
  });

  it('never re-enrolls a user with a token on the resource: their own token is used', async () => {
    const kate = await seedUser(pm, { login: `kate${tag()}`, resource: { enrollment: 'allowed' } });
    const other = `other${tag()}@example.com`;
    const prepared = await pm.prepare({ resource: kate.resource.name, login: kate.login, enroll: { email: other } });
    expect(prepared.tokenId).toBe(kate.token.id);
    await world.smtp.waitForMail(kate.email);
    await noMail(other);
    expect((await held(kate.login, other)).tokens).toEqual([]);
    expect((await pm.events.list({ type: 'token.enrolled', login: kate.login })).items).toEqual([]);
  });

  it('gives an existing user without a token there a new one, or their own token at that address', async () => {
    const kate = await seedUser(pm, { login: `kate${tag()}` });
    // Her own address: the token she has elsewhere serves here too, as confirmed as it was.
    const here = await openResource();
    const reused = await pm.prepare({ resource: here.name, login: kate.login, enroll: { email: kate.email } });
    expect(reused.tokenId).toBe(kate.token.id);
    expect((await pm.tokens.get(kate.token.id)).confirmedAt).not.toBeNull();
    await world.smtp.waitForMail(kate.email);
    // Another address: a new pending token, owned by the same user record.
    const there = await openResource();
    const fresh = `kate2${tag()}@example.com`;
    const made = await pm.prepare({ resource: there.name, login: kate.login, enroll: { email: fresh } });
    expect(made.tokenId).not.toBe(kate.token.id);
    await world.smtp.waitForMail(fresh);
    expect((await pm.tokens.get(made.tokenId)).confirmedAt).toBeNull();
    expect((await pm.users.tokensOf(kate.user.id)).map((t) => t.id).sort()).toEqual([kate.token.id, made.tokenId].sort());
    expect((await held(kate.login, fresh)).users).toHaveLength(1);
    expect((await pm.users.get(kate.user.id)).email).toBe(kate.email);
    const events = (await pm.events.list({ type: 'token.enrolled', login: kate.login })).items;
    expect(events.map((e) => e.detail)).toEqual([
      { user: 'existing', token: 'created' },
      { user: 'existing', token: 'reused' },
    ]);
  });

  it('makes one user and one token for concurrent first requests of one login, across instances', async () => {
    const resource = await openResource();
    const login = `race${tag()}`;
    const email = `${login}@example.com`;
    const instances = [pm, world.make(), world.make()];
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => instances[i % 3]!.prepare({ resource: resource.name, login, enroll: { email } })));
    expect(new Set(results.map((r) => r.tokenId)).size).toBe(1);
    expect(results.filter((r) => r.sent)).toHaveLength(1);
    const { users, tokens } = await held(login, email);
    expect(users).toHaveLength(1);
    expect(tokens).toHaveLength(1);
    await world.smtp.waitForMail(email);
    await noMail(email);
    expect((await pm.events.list({ type: 'token.enrolled', login })).items).toHaveLength(1);
  });

  it('validates the resource switch and keeps it through updates', async () => {
    const resource = await openResource('off');
    expect((await refusal(pm.resources.update(resource.id, { enrollment: 'yes' as never }))).code).toBe('INVALID_INPUT');
    expect((await refusal(pm.resources.create({ name: `r${tag()}`, enrollment: true as never }))).code).toBe('INVALID_INPUT');
    expect((await pm.resources.update(resource.id, { enrollment: 'allowed' })).enrollment).toBe('allowed');
    expect((await pm.resources.update(resource.id, { lockMinutes: 7 })).enrollment).toBe('allowed');
    expect((await pm.resources.get(resource.name)).enrollment).toBe('allowed');
  });
});
