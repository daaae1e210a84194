import type { Protectimus, Schedule } from '@protectimus-mail/core';
import { seedUser, STORE_KINDS, startWorld, type World } from '../../core/test/support/protectimus';
import { refusal } from '../../core/test/support/refusal';
import { importCsv, importResources, isResourcesHeader } from '../src/import-resources';
import { adminSnapshot } from './support/admin-conformance';

describe('resources CSV header', () => {
  it('is a first cell `resource` or `name` on a line with no address; a users file is not', () => {
    expect(isResourcesHeader(['resource', 'schedule'])).toBe(true);
    expect(isResourcesHeader(['Name', 'Lock minutes'])).toBe(true);
    expect(isResourcesHeader(['login', 'email'])).toBe(false);
    expect(isResourcesHeader(['name', 'name@example.com'])).toBe(false);
    expect(isResourcesHeader(['billing', 'schedule'])).toBe(false);
  });
});

describe.each(STORE_KINDS)('admin CSV import of resources on %s store', (kind) => {
  let world: World;
  let pm: Protectimus;
  beforeAll(async () => {
    world = await startWorld(kind);
    pm = world.make();
  });
  afterAll(() => world.close());
  const tagged = () => `rimp${Math.random().toString(36).slice(2, 8)}`;

  it('creates missing resources and updates existing ones; each bad row is refused by line and field, nothing stored for it', async () => {
    const tag = tagged();
    const kyiv: Schedule = { timeZone: 'Europe/Kyiv', days: { mon: [['08:00', '12:00']] } };
    const old = await pm.resources.create({ name: `${tag}-old`, lockMinutes: 30, allowedIps: ['10.0.0.0/8'], schedule: kyiv });
    const keep = await pm.resources.create({ name: `${tag}-keep`, schedule: kyiv });
    const csv = [
      'resource,failed_attempts_before_lock,lock_minutes,allowed_ips,enrollment,schedule',
      `${tag}-new,7,15,"192.0.2.1, 198.51.100.0/24",allowed,"Europe/Kyiv mon-fri 08:00-12:00, 13:00-19:00; sat 10:00-14:00"`,
      `${tag}-old,,,,,America/New_York sun 22:00-06:00`,
      `${tag}-keep,,,,,Europe/Kyiv mon-fri 25:00-19:00`,
      `${tag}-bad1,,,,,Mars/Olympus mon 08:00-09:00`,
      `${tag}-bad2,,abc`,
      `${tag}-bad3,2`,
      `${tag}-bad4,,,,sometimes`,
      `${tag}-bad5,,,not-an-ip`,
      ',5',
      `${'x'.repeat(70)},5`,
      `${tag}-bad6,,,,,,extra`,
      '',
      `${tag}-plain`,
    ].join('\r\n');
    const result = await importResources(pm, csv);
    expect(result.created).toBe(2);
    expect(result.updated).toBe(1);
    expect(result.errors.map((e) => [e.line, e.error, e.field])).toEqual([
      [4, 'invalid_input', 'schedule'],
      [5, 'invalid_input', 'schedule'],
      [6, 'invalid_input', 'lock_minutes'],
      [7, 'invalid_input', 'failed_attempts_before_lock'],
      [8, 'invalid_input', 'enrollment'],
      [9, 'invalid_input', 'allowed_ips'],
      [10, 'invalid_input', 'resource'],
      [11, 'invalid_input', 'resource'],
      [12, 'invalid_input', 'csv'],
    ]);
    expect(result.errors[0]?.message).toMatch(/^schedule\b.*"25:00"/);
    expect(result.errors[1]?.message).toContain('Mars/Olympus');
    expect(result.errors[3]?.message).toContain(`resource "${tag}-bad3"`);

    const created = await pm.resources.get(`${tag}-new`);
    expect(created).toMatchObject({
      failedAttemptsBeforeLock: 7,
      lockMinutes: 15,
      allowedIps: ['192.0.2.1/32', '198.51.100.0/24'],
      enrollment: 'allowed',
      schedule: { timeZone: 'Europe/Kyiv', days: { mon: [['08:00', '12:00'], ['13:00', '19:00']], fri: [['08:00', '12:00'], ['13:00', '19:00']], sat: [['10:00', '14:00']] } },
    });
    // An update sets only the cells given; the others stay as stored.
    const updated = await pm.resources.get(old.id);
    expect(updated).toMatchObject({ lockMinutes: 30, allowedIps: ['10.0.0.0/8'], schedule: { timeZone: 'America/New_York', days: { sun: [['22:00', '06:00']] } } });
    expect((await pm.resources.get(keep.id)).schedule).toEqual(keep.schedule);
    expect(await pm.resources.get(`${tag}-plain`)).toMatchObject({ failedAttemptsBeforeLock: 5, lockMinutes: 5, allowedIps: [], enrollment: 'off', schedule: null });
    const names = (await pm.resources.list({ q: tag, limit: 50 })).items.map((r) => r.name).sort();
    expect(names).toEqual([`${tag}-keep`, `${tag}-new`, `${tag}-old`, `${tag}-plain`]);

    // `none` removes a time window, `any` empties the allowed addresses.
    expect(await importResources(pm, `resource,schedule,allowed_ips\n${tag}-old,none,any`)).toEqual({ created: 0, updated: 1, errors: [] });
    expect(await pm.resources.get(old.id)).toMatchObject({ schedule: null, allowedIps: [], lockMinutes: 30 });
  });

  it('the imported time window is the one the guard keeps: prepare refuses outside it', async () => {
    const { login, resource } = await seedUser(pm, { login: tagged() });
    // The world's clock stands on Thursday 2026-01-01 12:00 UTC, 14:00 in Kyiv.
    const result = await importResources(pm, `name,schedule\n${resource.name},Europe/Kyiv thu 08:00-12:00`);
    expect(result).toEqual({ created: 0, updated: 1, errors: [] });
    expect((await refusal(pm.prepare({ resource: resource.name, login }))).code).toBe('ACCESS_RESTRICTED');
    await importResources(pm, `name,schedule\n${resource.name},Europe/Kyiv thu 08:00-15:00`);
    await expect(pm.prepare({ resource: resource.name, login })).resolves.toMatchObject({ sent: true });
  });

  it('reads `;` files and header spellings of a spreadsheet; the schedule cell keeps its `;` when quoted', async () => {
    const tag = tagged();
    const csv = ['\uFEFFName;Lock Minutes;Schedule;allowedIps', `${tag}-a;9;"Europe/Kyiv mon 08:00-09:00; tue 10:00-11:00";192.0.2.7`].join('\n');
    expect(await importResources(pm, csv)).toEqual({ created: 1, updated: 0, errors: [] });
    expect(await pm.resources.get(`${tag}-a`)).toMatchObject({ lockMinutes: 9, allowedIps: ['192.0.2.7/32'], schedule: { timeZone: 'Europe/Kyiv', days: { mon: [['08:00', '09:00']], tue: [['10:00', '11:00']] } } });
  });

  it('refuses a whole file with an unknown or doubled column, or with no header, storing nothing', async () => {
    const tag = tagged();
    const before = await adminSnapshot(pm);
    for (const [csv, message] of [
      [`resource,colour\n${tag}-x,X`, /unknown column "colour"/],
      [`resource,lock_minutes,lockMinutes\n${tag}-x,5,6`, /same column/],
      [`${tag}-x,5\n`, /header line/],
    ] as const) {
      const err = await refusal(importResources(pm, csv));
      expect([err.code, err.field]).toEqual(['INVALID_INPUT', 'csv']);
      expect(err.message).toMatch(message);
    }
    expect(await adminSnapshot(pm)).toBe(before);
  });

  it('importCsv takes either kind by its header and says which', async () => {
    const tag = tagged();
    const resources = await importCsv(pm, `resource,schedule\n${tag}-r,Europe/Kyiv sat 10:00-14:00`);
    expect(resources).toEqual({ kind: 'resources', created: 1, updated: 0, errors: [] });
    const users = await importCsv(pm, `login,email\n${tag}-u,${tag}.u@example.com`);
    expect(users).toEqual({ kind: 'users', created: 1, errors: [] });
    const headless = await importCsv(pm, `${tag}-v,${tag}.v@example.com`);
    expect(headless).toEqual({ kind: 'users', created: 1, errors: [] });
  });

  it('stops at a syntax error, keeping the rows before it', async () => {
    const tag = tagged();
    const result = await importResources(pm, `resource,schedule\n${tag}-a,Europe/Kyiv mon 08:00-09:00\n${tag}-b,"open`);
    expect(result.created).toBe(1);
    expect(result.errors).toEqual([{ line: 3, error: 'invalid_input', message: 'a quoted cell is not closed; the file was not read past this line' }]);
  });

  it('takes display_name: sets it, keeps it on an empty cell, removes it with none, refuses a control character by line', async () => {
    const tag = tagged();
    const first = await importResources(pm, `resource,display_name,lock_minutes\n${tag}-d,Billing & invoices,\n${tag}-e,"a\u0007b",`);
    expect(first).toMatchObject({ created: 1, updated: 0 });
    expect(first.errors.map((e) => [e.line, e.error, e.field])).toEqual([[3, 'invalid_input', 'display_name']]);
    expect((await pm.resources.get(`${tag}-d`)).displayName).toBe('Billing & invoices');
    await importResources(pm, `resource,display_name,lock_minutes\n${tag}-d,,9`);
    expect(await pm.resources.get(`${tag}-d`)).toMatchObject({ displayName: 'Billing & invoices', lockMinutes: 9 });
    await importResources(pm, `resource,display_name\n${tag}-d,none`);
    expect((await pm.resources.get(`${tag}-d`)).displayName).toBeUndefined();
  });
});
