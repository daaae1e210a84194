import type { ProtectimusEvent } from '../src/audit';
import type { Protectimus } from '../src/protectimus';
import type { Schedule } from '../src/schedule';
import { seedUser, STORE_KINDS, startWorld, type World } from './support/protectimus';
import { refusal } from './support/refusal';

// docs/design.md, "Time windows": prepare and authenticate refuse outside a resource's windows,
// mail nothing, count nothing, and a verified session stops holding when its window closes.
describe.each(STORE_KINDS)('resource time windows on %s store', (kind) => {
  let world: World;
  let pm: Protectimus;
  const denied: ProtectimusEvent[] = [];
  beforeAll(async () => {
    world = await startWorld(kind);
    pm = world.make();
    pm.on('access.denied', (e) => denied.push(e));
  });
  afterAll(() => world.close());

  /** Moves the test's clock forward to `iso` (it never goes back: counters follow the clock). */
  function moveTo(iso: string): void {
    const delta = Date.parse(iso) - world.clock.now();
    expect(delta).toBeGreaterThanOrEqual(0);
    world.clock.advance(delta);
  }

  // Kyiv is UTC+2 in January: Thursday 08:00-12:00 is 06:00-10:00 UTC.
  const thursdayMornings: Schedule = { timeZone: 'Europe/Kyiv', days: { thu: [['08:00', '12:00']] } };

  it('keeps the schedule with the resource, removes it with null, and refuses a bad one with nothing stored', async () => {
    const created = await pm.resources.create({ name: `sched-${kind}-a`, schedule: thursdayMornings });
    expect(created.schedule).toEqual(thursdayMornings);
    // Another instance over the same store reads it back (Redis: a new connection).
    expect((await world.make().resources.get(created.id)).schedule).toEqual(thursdayMornings);
    expect((await pm.resources.list({ q: `sched-${kind}-a` })).items[0]?.schedule).toEqual(thursdayMornings);
    for (const bad of [{ timeZone: 'Nowhere/Land', days: {} }, { timeZone: 'UTC', days: { mon: [['09:00', '08:00'], ['07:00', '10:00']] } }, { timeZone: 'UTC', days: { xyz: [] } }]) {
      const err = await refusal(pm.resources.update(created.id, { schedule: bad as Schedule, lockMinutes: 9 }));
      expect(err).toMatchObject({ code: 'INVALID_INPUT', field: 'schedule' });
    }
    expect(await pm.resources.get(created.id)).toMatchObject({ schedule: thursdayMornings, lockMinutes: 5 });
    expect((await pm.resources.update(created.id, { schedule: null })).schedule).toBeNull();
    expect((await pm.resources.create({ name: `sched-${kind}-b` })).schedule).toBeNull();
  });

  it('refuses prepare and authenticate outside the window: nothing mailed, no attempt counted, access.denied says why', async () => {
    moveTo('2026-01-08T09:58:00Z'); // Thursday 11:58 in Kyiv
    const s = await seedUser(pm, { resource: { schedule: thursdayMornings, failedAttemptsBeforeLock: 3 } });
    const mail = world.smtp.waitForMail(s.email);
    await pm.prepare({ resource: s.resource.name, login: s.login });
    const code = world.smtp.codeFrom(await mail);
    world.clock.advance(3 * 60_000); // 12:01: closed
    const mailsBefore = world.smtp.messages.length;
    denied.length = 0;

    const err = await refusal(pm.prepare({ resource: s.resource.name, login: s.login, resend: true }));
    expect(err).toMatchObject({ code: 'ACCESS_RESTRICTED', status: 403, opensAt: '2026-01-15T06:00:00.000Z', timeZone: 'Europe/Kyiv' });
    // The same answer for a login that does not exist: a closed resource tells nothing about users.
    expect(await refusal(pm.prepare({ resource: s.resource.name, login: 'nobody-here' }))).toMatchObject({ code: 'ACCESS_RESTRICTED', opensAt: '2026-01-15T06:00:00.000Z' });
    for (let i = 0; i < 5; i++) {
      expect((await refusal(pm.authenticate({ resource: s.resource.id, login: s.login, otp: '000000' }))).code).toBe('ACCESS_RESTRICTED');
    }
    expect((await refusal(pm.authenticate({ resource: s.resource.id, login: s.login, otp: code }))).code).toBe('ACCESS_RESTRICTED');
    await new Promise((r) => setTimeout(r, 100));
    expect(world.smtp.messages.length).toBe(mailsBefore);
    expect(denied[0]).toMatchObject({ type: 'access.denied', resourceId: s.resource.id, login: s.login, code: 'ACCESS_RESTRICTED', detail: { reason: 'schedule', opensAt: '2026-01-15T06:00:00.000Z' } });
    // Coalesced like other refusals: the log keeps one entry for the run.
    const logged = (await pm.events.list({ type: 'access.denied', resourceId: s.resource.id })).items;
    expect(logged).toHaveLength(1);

    // Nothing was counted: with the window lifted the open code still works, not locked.
    await pm.resources.update(s.resource.id, { schedule: null });
    expect((await pm.authenticate({ resource: s.resource.id, login: s.login, otp: code })).user.login).toBe(s.login);
  });

  it('ends a verified grant when the window closes (stillGranted and confirmGrant)', async () => {
    moveTo('2026-01-15T09:50:00Z'); // Thursday 11:50 in Kyiv
    const s = await seedUser(pm, { resource: { schedule: thursdayMornings } });
    const mail = world.smtp.waitForMail(s.email);
    await pm.prepare({ resource: s.resource.name, login: s.login });
    const { stamp } = await pm.authenticate({ resource: s.resource.name, login: s.login, otp: world.smtp.codeFrom(await mail) });
    expect(await pm.confirmGrant(s.resource.name, s.login, stamp)).toBe(true);
    expect(pm.stillGranted(s.resource.name, s.login, stamp) ?? true).toBe(true);
    moveTo('2026-01-15T10:00:00Z');
    expect(pm.stillGranted(s.resource.name, s.login, stamp) ?? false).toBe(false);
    expect(await pm.confirmGrant(s.resource.name, s.login, stamp)).toBe(false);
    // It opens again a week later; the grant of last week stays ended only by the guard's session
    // (the stamp itself holds again while the window is open).
    moveTo('2026-01-22T06:00:00Z');
    expect(await pm.confirmGrant(s.resource.name, s.login, stamp)).toBe(true);
  });

  it.each([
    ['America/New_York', '2026-03-08T06:00:00Z', { sun: [['02:30', '04:00']] }, '2026-03-08T07:00:00.000Z', '2026-03-08T08:00:00Z'],
    ['Europe/Kyiv', '2026-03-29T00:30:00Z', { sun: [['03:30', '05:00']] }, '2026-03-29T01:00:00.000Z', '2026-03-29T02:00:00Z'],
  ] as const)('follows the movable clock across spring forward in %s', async (timeZone, start, days, opensAt, closes) => {
    moveTo(start);
    const s = await seedUser(pm, { resource: { schedule: { timeZone, days } } });
    expect(await refusal(pm.prepare({ resource: s.resource.name, login: s.login }))).toMatchObject({ code: 'ACCESS_RESTRICTED', opensAt });
    moveTo(opensAt);
    const mail = world.smtp.waitForMail(s.email);
    expect((await pm.prepare({ resource: s.resource.name, login: s.login })).sent).toBe(true);
    await mail;
    moveTo(closes);
    expect((await refusal(pm.prepare({ resource: s.resource.name, login: s.login }))).code).toBe('ACCESS_RESTRICTED');
  });

  it('follows the movable clock across fall back in America/New_York: the repeated hour opens twice', async () => {
    moveTo('2026-11-01T05:35:00Z'); // 01:35 EDT
    const s = await seedUser(pm, { resource: { schedule: { timeZone: 'America/New_York', days: { sun: [['00:00', '01:30']] } } } });
    expect(await refusal(pm.prepare({ resource: s.resource.name, login: s.login }))).toMatchObject({ code: 'ACCESS_RESTRICTED', opensAt: '2026-11-01T06:00:00.000Z' });
    moveTo('2026-11-01T06:10:00Z'); // 01:10 EST
    const mail = world.smtp.waitForMail(s.email);
    expect((await pm.prepare({ resource: s.resource.name, login: s.login })).sent).toBe(true);
    await mail;
  });
});
