/**
 * The resources CSV import with Redis killed under it (a redis-server of this file's own): the row
 * it was on is refused `unavailable`, the import stops there saying so, nothing is half-written,
 * and the same file imports whole once Redis is back.
 */
import { createProtectimus, type Protectimus } from '../../packages/core/src/protectimus';
import { RedisStore } from '../../packages/core/src/stores/redis';
import { importCsv } from '../../packages/admin/src/import-resources';
import { startRedisServer, waitFor, type RedisServer } from '../support/redis-server';

jest.setTimeout(60_000);

let redis: RedisServer;
let pm: Protectimus;

beforeAll(async () => {
  redis = await startRedisServer();
  pm = createProtectimus({
    store: new RedisStore({ url: redis.url, prefix: 'pmimport:' }),
    mail: { transport: { jsonTransport: true }, from: 'Security <no-reply@example.com>' },
    secret: 'HFzm7aKYpbOYUnVnfFzeKsTImhgUGeirRLrW6JGHKdM',
  });
});

afterAll(async () => {
  await pm?.close();
  await pm?.store.close();
  await redis?.stop();
});

// The audit log write is not awaited; with Redis down it warns. Keep the test output readable.
const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
afterAll(() => warn.mockRestore());

it('stops at the first row the store does not answer, and imports the same file once it is back', async () => {
  const csv = ['resource,schedule', 'down-a,Europe/Kyiv mon-fri 08:00-19:00', 'down-b,none', 'down-c,America/New_York sat 10:00-14:00'].join('\n');
  await redis.kill();
  const refused = await importCsv(pm, csv);
  expect(refused).toMatchObject({ kind: 'resources', created: 0, updated: 0 });
  expect(refused.errors.map((e) => [e.line, e.error])).toEqual([
    [2, 'unavailable'],
    [3, 'unavailable'],
  ]);
  expect(refused.errors[1]?.message).toBe('the import stopped here: the store is unreachable');

  await redis.start();
  // The client reconnects on its own; wait until the store answers again, then import once.
  await waitFor('the store to answer', async () => (await pm.resources.list({ limit: 1 })) !== null);
  expect(await importCsv(pm, csv)).toEqual({ kind: 'resources', created: 3, updated: 0, errors: [] });
  expect((await pm.resources.get('down-c')).schedule).toEqual({ timeZone: 'America/New_York', days: { sat: [['10:00', '14:00']] } });
});
