import express from 'express';
import session from 'express-session';
import request from 'supertest';
import type { Protectimus } from '../../core/src/protectimus';
import { startWorld } from '../../core/test/support/protectimus';
import { protectimusAdmin } from '../src';

// The admin API's contract and the binding's refusals run for both adapters in
// test/conformance/admin.test.ts; this is what only Express has: its Router mounting.
describe('protectimusAdmin over Express: mounting', () => {
  let world: Awaited<ReturnType<typeof startWorld>>;
  let pm: Protectimus;
  beforeAll(async () => {
    world = await startWorld('redis');
    pm = world.make({}, true);
  });
  afterAll(() => world.close());

  it('mounts anywhere: links follow the mount point, and a Router works too', async () => {
    const app = express();
    app.use(session({ secret: 'admin-test-session-secret', resave: false, saveUninitialized: true }));
    const router = express.Router();
    router.use('/console', protectimusAdmin({ protectimus: pm, authorize: () => true }));
    app.use('/ops', router);
    const page = await request(app).get('/ops/console/resources').set('Accept', 'text/html');
    expect(page.status).toBe(200);
    expect(page.text).toContain('href="/ops/console/users"');
    expect(page.text).toContain('data-base="/ops/console"');
    const js = /src="(\/ops\/console\/assets\/panel\.js\?v=[^"]+)"/.exec(page.text)?.[1] ?? '';
    const script = await request(app).get(js);
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers.etag).toBeUndefined();
  });
});
