import request from 'supertest';
import type { Protectimus } from '../../packages/core/src/protectimus';
import { adminConformance, adminSnapshot } from '../../packages/admin/test/support/admin-conformance';
import { STORE_KINDS, startWorld } from '../../packages/core/test/support/protectimus';
import { adminAdapters, signedInAdmin } from './harness/admin';

// The admin API's contract, once per adapter, store and body-parser setup: the same operations,
// refusals, CSRF, CSV import and pages from `protectimusAdmin` in Express and in Koa.
describe.each(adminAdapters)('protectimusAdmin over $name', (adapter) => {
  describe.each(STORE_KINDS)('%s store', (kind) => {
    for (const parsers of ['none', 'app-wide'] as const) {
      adminConformance(`body parsers: ${parsers}`, async () => {
        const world = await startWorld(kind);
        const pm = world.make({}, true);
        const app = adapter.makeApp(pm, { parsers });
        const seen: string[] = [];
        // The adapters' default actor: the login of the first-factor user (the harness's `username`).
        return { pm, admin: await signedInAdmin(app, 'admin', seen), outsider: await signedInAdmin(app, 'clerk', seen), seen, actor: 'admin', close: () => world.close() };
      });
    }
  });
});

/** `adapter.create(options)`, as a promise: Express and Koa throw at once, Fastify when the plugin loads. */
async function creating(adapter: (typeof adminAdapters)[number], options: unknown): Promise<unknown> {
  return adapter.create(options);
}

describe.each(adminAdapters)('protectimusAdmin over $name: the binding', (adapter) => {
  let world: Awaited<ReturnType<typeof startWorld>>;
  let pm: Protectimus;
  beforeAll(async () => {
    world = await startWorld('redis');
    pm = world.make({}, true);
  });
  afterAll(() => world.close());

  it('refuses to be created without authorize', async () => {
    await expect(creating(adapter, undefined)).rejects.toThrow(/authorize/);
    await expect(creating(adapter, {})).rejects.toThrow(/authorize\(req\) is required/);
    await expect(creating(adapter, { protectimus: pm, authorize: true })).rejects.toThrow(TypeError);
  });

  it('lets in only what authorize resolves to true, async or not, and a signed-out visitor gets 403', async () => {
    const seen: string[] = [];
    const asyncApp = adapter.makeApp(pm, { authorize: async (role) => role === 'admin' });
    expect((await (await signedInAdmin(asyncApp, 'admin', seen)).send('GET', 'api/tokens')).status).toBe(200);
    const truthy = adapter.makeApp(pm, { authorize: ((role: string | undefined) => (role === 'admin' ? 'yes' : false)) as never });
    expect((await (await signedInAdmin(truthy, 'admin', seen)).send('GET', 'api/tokens')).status).toBe(403);
    const anonymous = await request(adapter.makeApp(pm)).get('/admin/api/tokens');
    expect(anonymous.status).toBe(403);
    expect(anonymous.body.error).toBe('forbidden');
  });

  it('answers 500 and reports when authorize throws or there is no session, changing nothing', async () => {
    const errors: unknown[] = [];
    const throwing = adapter.makeApp(pm, {
      authorize: () => {
        throw new Error('directory down');
      },
      onError: (err) => errors.push(err),
    });
    const before = await adminSnapshot(pm);
    const res = await request(throwing).post('/admin/api/users').set('Content-Type', 'application/json').send('{"login":"x"}');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: 'internal_error', message: 'something went wrong; the server log has the details' });
    const bare = adapter.makeApp(pm, { session: false, authorize: () => true, onError: (err) => errors.push(err) });
    const noSession = await request(bare).get('/admin/api/tokens');
    expect(noSession.status).toBe(500);
    expect(noSession.body.message).toMatch(/session/);
    expect(errors).toHaveLength(2);
    expect(await adminSnapshot(pm)).toBe(before);
  });

  it('records the actor option\'s name on each change (trimmed, control characters dropped), null when it gives none', async () => {
    const seen: string[] = [];
    await expect(creating(adapter, { protectimus: pm, authorize: () => true, actor: 'root' })).rejects.toThrow(/actor must be a function/);
    const named = adapter.makeApp(pm, { actor: (role) => (role === 'admin' ? '  Ada\u0007 Admin ' : null) });
    const admin = await signedInAdmin(named, 'admin', seen);
    const csrf = (await admin.send('GET', 'api/csrf')).body.csrf as string;
    const login = `actor-${adapter.name}-${Math.random().toString(36).slice(2, 8)}`;
    expect((await admin.send('POST', 'api/users', { json: { login }, csrf })).status).toBe(201);
    const nobody = adapter.makeApp(pm, { authorize: () => true, actor: () => null });
    const anonymous = await signedInAdmin(nobody, 'clerk', seen);
    const csrf2 = (await anonymous.send('GET', 'api/csrf')).body.csrf as string;
    const users = await anonymous.send('GET', `api/users?q=${login}`);
    expect((await anonymous.send('POST', `api/users/${users.body.items[0].id}/block`, { json: {}, csrf: csrf2 })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const events = (await admin.send('GET', `api/events?login=${login}`)).body.items as { type: string; actor: string | null }[];
    expect(events.map((e) => [e.type, e.actor])).toEqual([
      ['user.blocked', null],
      ['user.created', 'Ada Admin'],
    ]);
  });
});
