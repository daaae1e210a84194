import Router from '@koa/router';
import Koa from 'koa';
import session from 'koa-session';
import request from 'supertest';
import type { Protectimus } from '../../core/src/protectimus';
import { startWorld } from '../../core/test/support/protectimus';
import { MemorySessionStore, prefixMount } from '../../../test/conformance/harness/koa';
import { protectimusAdmin } from '../src';

// The admin API's contract and the binding's refusals run for both adapters in
// test/conformance/admin.test.ts; this is what only Koa has: finding its mount point.
describe('protectimusAdmin over Koa: mounting', () => {
  let world: Awaited<ReturnType<typeof startWorld>>;
  let pm: Protectimus;
  beforeAll(async () => {
    world = await startWorld('redis');
    pm = world.make({}, true);
  });
  afterAll(() => world.close());

  function app(mount: (koa: Koa) => void): Koa {
    const koa = new Koa();
    koa.keys = ['admin-test-session-key'];
    koa.use(session({ store: new MemorySessionStore() }, koa));
    mount(koa);
    return koa;
  }

  async function expectPanelAt(koa: Koa, base: string): Promise<void> {
    const page = await request(koa.callback()).get(`${base}/resources`).set('Accept', 'text/html');
    expect(page.status).toBe(200);
    expect(page.text).toContain(`href="${base}/users"`);
    expect(page.text).toContain(`data-base="${base}"`);
    const js = new RegExp(`src="(${base}/assets/panel\\.js\\?v=[^"]+)"`).exec(page.text)?.[1] ?? '';
    const script = await request(koa.callback()).get(js);
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
  }

  it('finds a koa-mount prefix by itself', async () => {
    await expectPanelAt(app((koa) => koa.use(prefixMount('/ops/console', protectimusAdmin({ protectimus: pm, authorize: () => true })))), '/ops/console');
  });

  it('takes mountPath under @koa/router, and refuses a mountPath that is not a path', async () => {
    const koa = app((k) => {
      const router = new Router();
      router.all(['/console', '/console/{*rest}'], protectimusAdmin({ protectimus: pm, authorize: () => true, mountPath: '/console' }));
      k.use(router.routes());
    });
    await expectPanelAt(koa, '/console');
    expect(() => protectimusAdmin({ protectimus: pm, authorize: () => true, mountPath: 'console' })).toThrow(/mountPath/);
  });
});
