import type { Protectimus } from '../src/protectimus';
import { seedUser, STORE_KINDS, startWorld, type World } from './support/protectimus';
import { refusal } from './support/refusal';


/** Everything an admin can list, to prove a refused request changed nothing. */
async function snapshot(pm: Protectimus): Promise<string> {
  const [tokens, users, resources] = await Promise.all([pm.tokens.list({ limit: 200 }), pm.users.list({ limit: 200 }), pm.resources.list({ limit: 200 })]);
  const assignments = await Promise.all(resources.items.map((r) => pm.resources.assignments(r.id)));
  return JSON.stringify({ tokens, users, resources, assignments });
}

describe.each(STORE_KINDS)('admin operations on %s store', (kind) => {
  let world: World;
  let pm: Protectimus;
  beforeAll(async () => {
    world = await startWorld(kind);
    pm = world.make();
  });
  afterAll(() => world.close());

  it('creates, reads, updates and deletes mail tokens, never showing secret, counter or PIN', async () => {
    const t = await pm.tokens.createMail({ name: 'Alice mail', email: 'alice@example.com', otpLength: 8, pin: 'S3cretPin', pinPosition: 'after' });
    expect(t).toMatchObject({ type: 'mail', name: 'Alice mail', email: 'alice@example.com', otpLength: 8, hasPin: true, pinPosition: 'after', userId: null, blocked: null });
    expect(Object.keys(t).sort()).toEqual(['blocked', 'blockedUntil', 'confirmedAt', 'createdAt', 'email', 'hasPin', 'id', 'name', 'otpLength', 'pinPosition', 'type', 'userId']);
    expect(JSON.stringify(t)).not.toContain('S3cretPin');
    expect(await pm.tokens.get(t.id)).toEqual(t);
    const renamed = await pm.tokens.update(t.id, { name: 'Alice inbox', pin: null });
    expect(renamed).toMatchObject({ name: 'Alice inbox', hasPin: false, pinPosition: null });
    expect((await pm.tokens.list({ q: 'inbox' })).items.map((x) => x.id)).toEqual([t.id]);
    await pm.tokens.remove(t.id);
    expect((await refusal(pm.tokens.get(t.id))).code).toBe('NOT_FOUND');
    // The name and address are free again.
    await pm.tokens.createMail({ name: 'Alice inbox', email: 'alice@example.com' });
  });

  it('refuses bad token input with INVALID_INPUT and changes nothing', async () => {
    await pm.tokens.createMail({ name: 'Existing', email: 'existing@example.com' });
    const before = await snapshot(pm);
    const bad: unknown[] = [
      { name: '', email: 'a@example.com' },
      { name: 'x'.repeat(51), email: 'a@example.com' },
      { name: 'ok', email: 'not-an-email' },
      { name: 'ok', email: 'a@example.com\r\nBcc: victim@example.com' },
      { name: 'ok', email: 'a@example.com', otpLength: 7 },
      { name: 'ok', email: 'a@example.com', otpLength: '6' },
      { name: 'ok', email: 'a@example.com', pin: '123' },
      { name: 'ok', email: 'a@example.com', pin: '1234567890123' },
      { name: 'ok', email: 'a@example.com', pin: '12 34' },
      { name: 'ok', email: 'a@example.com', pin: 'pín1' },
      { name: 'ok', email: 'a@example.com', pin: '1234', pinPosition: 'middle' },
      { name: 'ok', email: 'a@example.com', secret: 'mine' },
      null,
      'token',
    ];
    for (const input of bad) expect((await refusal(pm.tokens.createMail(input as never))).code).toBe('INVALID_INPUT');
    expect((await refusal(pm.tokens.createMail({ name: 'EXISTING', email: 'b@example.com' }))).code).toBe('ALREADY_EXISTS');
    expect((await refusal(pm.tokens.createMail({ name: 'New', email: 'Existing@Example.com' }))).code).toBe('ALREADY_EXISTS');
    expect(await snapshot(pm)).toBe(before);
  });

  it('refuses bad users and resources with INVALID_INPUT and changes nothing', async () => {
    const before = await snapshot(pm);
    for (const input of [{ login: '' }, { login: 'has space' }, { login: 'x'.repeat(65) }, { login: 'ok', email: 'nope' }, { login: 'ok', firstName: 'a\nb' }, { login: 'ok', role: 'admin' }]) {
      expect((await refusal(pm.users.create(input as never))).code).toBe('INVALID_INPUT');
    }
    for (const input of [{ name: '' }, { name: 'r', failedAttemptsBeforeLock: 2 }, { name: 'r', failedAttemptsBeforeLock: 11 }, { name: 'r', failedAttemptsBeforeLock: 4.5 }, { name: 'r', lockMinutes: 0 }, { name: 'r', allowedIps: ['10.0.0.0/33'] }, { name: 'r', allowedIps: 'x' }]) {
      expect((await refusal(pm.resources.create(input as never))).code).toBe('INVALID_INPUT');
    }
    expect(await snapshot(pm)).toBe(before);
  });

  it('keeps a resource display name: trimmed, 1..80 characters, no control characters, removed by null or empty', async () => {
    const r = await pm.resources.create({ name: 'shop', displayName: '  Shop & invoices  ' });
    expect(r.displayName).toBe('Shop & invoices');
    // Another instance over the same store reads it back.
    expect((await world.make().resources.get('shop')).displayName).toBe('Shop & invoices');
    expect((await pm.resources.list({ q: 'shop' })).items[0]?.displayName).toBe('Shop & invoices');
    expect((await pm.resources.update(r.id, { lockMinutes: 7 })).displayName).toBe('Shop & invoices');
    expect((await pm.resources.update(r.id, { displayName: 'Shop' })).displayName).toBe('Shop');
    expect('displayName' in (await pm.resources.update(r.id, { displayName: null }))).toBe(false);
    expect((await pm.resources.update(r.id, { displayName: 'Shop' })).displayName).toBe('Shop');
    expect('displayName' in (await pm.resources.update(r.id, { displayName: '' }))).toBe(false);
    expect('displayName' in (await pm.resources.create({ name: 'plain' }))).toBe(false);
    const before = await snapshot(pm);
    for (const displayName of ['   ', 'x'.repeat(81), 'a\nb', 'a\u0000b', 'a\u0085b', 'pay\u202Egnp.exe', 42, ['x']]) {
      const err = await refusal(pm.resources.update(r.id, { displayName } as never));
      expect(err).toMatchObject({ code: 'INVALID_INPUT', field: 'displayName' });
      expect((await refusal(pm.resources.create({ name: 'other', displayName } as never))).code).toBe('INVALID_INPUT');
    }
    expect(await snapshot(pm)).toBe(before);
    await pm.resources.update(r.id, { displayName: 'x'.repeat(80) });
  });

  it('mails the resource by its display name, else by its name (a real mail over SMTP)', async () => {
    const named = await seedUser(pm, { resource: { displayName: 'Billing <Pro>' } });
    await pm.prepare({ resource: named.resource.name, login: named.login });
    const mail = await world.smtp.waitForMail(named.email);
    expect(mail.subject).toMatch(/^\d{6} is your code to sign in to Billing <Pro>$/);
    expect(mail.text).toContain('Your code to sign in to Billing <Pro> is:');
    expect(String(mail.html)).toContain('Your code to sign in to Billing &lt;Pro&gt; is:');
    expect(mail.subject).not.toContain(named.resource.name);

    const plain = await seedUser(pm);
    await pm.prepare({ resource: plain.resource.name, login: plain.login });
    expect((await world.smtp.waitForMail(plain.email)).subject).toMatch(new RegExp(`^\\d{6} is your code to sign in to ${plain.resource.name}$`));
  });

  it('accepts the login characters of docs/design.md and keeps logins unique', async () => {
    const u = await pm.users.create({ login: 'a_b-c@d!e#f%g+h.i$j', email: 'abc@example.com', firstName: 'Ann', secondName: 'Lee' });
    expect(u).toMatchObject({ login: 'a_b-c@d!e#f%g+h.i$j', firstName: 'Ann', secondName: 'Lee', blocked: null });
    expect((await refusal(pm.users.create({ login: 'A_B-C@D!E#F%G+H.I$J' }))).code).toBe('ALREADY_EXISTS');
    const updated = await pm.users.update(u.id, { firstName: null, login: 'renamed' });
    expect(updated).toMatchObject({ login: 'renamed', firstName: null });
    await pm.users.create({ login: 'a_b-c@d!e#f%g+h.i$j' });
  });

  it('gives a token one owner and a user one token per resource', async () => {
    const s = await seedUser(pm);
    const other = await pm.users.create({ login: `other-${s.login}` });
    expect((await refusal(pm.users.assignToken(other.id, s.token.id))).code).toBe('ALREADY_EXISTS');
    const second = await pm.users.createAndAssignToken(s.user.id, { name: `${s.login} second`, email: `${s.login}.2@example.com` });
    expect(second.userId).toBe(s.user.id);
    expect((await pm.users.tokensOf(s.user.id)).map((t) => t.id).sort()).toEqual([s.token.id, second.id].sort());
    expect((await refusal(pm.resources.assignTokenWithUser(s.resource.id, second.id))).code).toBe('ALREADY_EXISTS');
    const unowned = await pm.tokens.createMail({ name: `${s.login} spare`, email: `${s.login}.3@example.com` });
    expect((await refusal(pm.resources.assignTokenWithUser(s.resource.id, unowned.id))).code).toBe('INVALID_INPUT');
    expect(await pm.resources.assignments(s.resource.name)).toEqual([{ resourceId: s.resource.id, userId: s.user.id, tokenId: s.token.id, login: s.login, tokenName: s.token.name }]);
  });

  it('ends assignments and open codes when a token is unassigned, deleted, or its user deleted', async () => {
    const s = await seedUser(pm);
    await pm.prepare({ resource: s.resource.id, login: s.login });
    await pm.users.unassignToken(s.user.id, s.token.id);
    expect(await pm.resources.assignments(s.resource.id)).toEqual([]);
    expect((await refusal(pm.prepare({ resource: s.resource.id, login: s.login }))).code).toBe('NOT_ASSIGNED');

    const t = await seedUser(pm);
    await pm.prepare({ resource: t.resource.id, login: t.login });
    await pm.users.remove(t.user.id);
    expect((await pm.tokens.get(t.token.id)).userId).toBeNull();
    expect(await pm.resources.assignments(t.resource.id)).toEqual([]);
    // A new user with the same login does not inherit the open code.
    const again = await pm.users.create({ login: t.login });
    await pm.users.assignToken(again.id, t.token.id);
    await pm.resources.assignTokenWithUser(t.resource.id, t.token.id);
    expect((await refusal(pm.authenticate({ resource: t.resource.id, login: t.login, otp: '123456' }))).code).toBe('OTP_EXPIRED');

    const u = await seedUser(pm);
    await pm.tokens.remove(u.token.id);
    expect(await pm.resources.assignments(u.resource.id)).toEqual([]);
    expect(await pm.users.tokensOf(u.user.id)).toEqual([]);

    const r = await seedUser(pm);
    await pm.resources.remove(r.resource.id);
    expect((await refusal(pm.resources.get(r.resource.name))).code).toBe('NOT_FOUND');
    // The token can join a new resource of the same name.
    const re = await pm.resources.create({ name: r.resource.name });
    await pm.resources.assignTokenWithUser(re.id, r.token.id);
  });

  it('unassigns a token from one resource and drops only that open code', async () => {
    const s = await seedUser(pm);
    const second = await pm.resources.create({ name: `second-${s.login}` });
    await pm.resources.assignTokenWithUser(second.id, s.token.id);
    await pm.resources.unassign(s.resource.id, s.token.id);
    expect((await refusal(pm.resources.unassign(s.resource.id, s.token.id))).code).toBe('NOT_ASSIGNED');
    expect((await pm.resources.assignments(second.id)).map((a) => a.tokenId)).toEqual([s.token.id]);
  });

  it('pages lists by cursor and filters them by text', async () => {
    const fresh = world.make({}, true);
    for (let i = 0; i < 7; i++) await fresh.users.create({ login: `pager${i}`, email: i % 2 ? `odd${i}@example.com` : null });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof fresh.users.list>> = await fresh.users.list({ limit: 3, cursor });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((u) => u.login));
      cursor = page.next;
    } while (cursor);
    expect(seen).toEqual(['pager0', 'pager1', 'pager2', 'pager3', 'pager4', 'pager5', 'pager6']);
    expect((await fresh.users.list({ q: 'ODD' })).items.map((u) => u.login)).toEqual(['pager1', 'pager3', 'pager5']);
    expect((await refusal(fresh.users.list({ cursor: '!!' }))).code).toBe('INVALID_INPUT');
    expect((await refusal(fresh.users.list({ limit: 0 }))).code).toBe('INVALID_INPUT');
  });

  it('blocks and unblocks users and tokens, showing the reason and the end of temporary blocks', async () => {
    const s = await seedUser(pm);
    expect(await pm.tokens.block(s.token.id, { minutes: 10 })).toMatchObject({ blocked: 'admin', blockedUntil: new Date(world.clock.now() + 600_000).toISOString() });
    expect(await pm.tokens.unblock(s.token.id)).toMatchObject({ blocked: null, blockedUntil: null });
    expect(await pm.users.block(s.user.id)).toMatchObject({ blocked: 'admin', blockedUntil: null });
    expect(await pm.users.unblock(s.user.id)).toMatchObject({ blocked: null });
    expect((await refusal(pm.users.block('usr_nope'))).code).toBe('NOT_FOUND');
    expect((await refusal(pm.tokens.block(s.token.id, { minutes: -1 }))).code).toBe('INVALID_INPUT');
  });
});
