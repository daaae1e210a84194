import express, { type Express } from 'express';
import session from 'express-session';
import request from 'supertest';
import type { Protectimus } from '../../core/src/protectimus';
import { adminConformance, adminSnapshot } from '../../core/test/support/admin-conformance';
import { answerOf, payloadOf, type AdminHttp } from '../../core/test/support/admin-http';
import { STORE_KINDS, startWorld } from '../../core/test/support/protectimus';
import { protectimusAdmin, type ProtectimusAdminOptions } from '../src/admin';

declare module 'express-session' {
  interface SessionData {
    role?: string;
  }
}

/** Which body parsers the app runs before the admin router. */
type Parsers = 'none' | 'app-wide';

/** An app with sessions, a stub sign-in (`POST /sign-in/:role`) and the admin router at /admin for admins. */
function adminApp(pm: Protectimus, parsers: Parsers, options: Partial<ProtectimusAdminOptions> = {}): Express {
  const app = express();
  app.use(session({ secret: 'admin-test-session-secret', resave: false, saveUninitialized: false }));
  if (parsers === 'app-wide') app.use(express.json(), express.text({ type: 'text/csv', limit: '1mb' }));
  app.post('/sign-in/:role', (req, res) => {
    req.session.role = String(req.params.role);
    res.end();
  });
  app.use('/admin', protectimusAdmin({ protectimus: pm, authorize: (req) => req.session.role === 'admin', ...options }));
  // With app-wide parsers, a body that does not parse never reaches the router: the app's error
  // handler answers it. This one answers as the admin API would.
  app.use(((err, _req, res, next) => {
    if ((err as { type?: string }).type !== 'entity.parse.failed') return next(err);
    res.status(400).json({ error: 'invalid_input', message: 'the body is not valid JSON', field: 'body' });
  }) as express.ErrorRequestHandler);
  return app;
}

/** A supertest agent (its own cookie jar) signed in as `role`, as an `AdminHttp`. */
async function signedIn(app: Express, role: string, seen: string[]): Promise<AdminHttp> {
  const agent = request.agent(app);
  await agent.post(`/sign-in/${role}`).expect(200);
  return {
    async send(method, path, init = {}) {
      let req = agent[method.toLowerCase() as 'get'](`/admin/${path}`).set('Accept', init.accept ?? 'application/json');
      if (init.csrf) req = req.set('X-CSRF-Token', init.csrf);
      const { raw, contentType } = payloadOf(init);
      if (contentType) req = req.set('Content-Type', contentType);
      if (raw !== undefined) req = req.send(raw);
      const res = await req;
      return answerOf(res.status, res.headers as Record<string, string>, res.text ?? '', seen);
    },
  };
}

describe.each(STORE_KINDS)('protectimusAdmin over Express, %s store', (kind) => {
  for (const parsers of ['none', 'app-wide'] as const) {
    adminConformance(`conformance, body parsers: ${parsers}`, async () => {
      const world = await startWorld(kind);
      const pm = world.make({}, true);
      const app = adminApp(pm, parsers);
      const seen: string[] = [];
      return { pm, admin: await signedIn(app, 'admin', seen), outsider: await signedIn(app, 'clerk', seen), seen, close: () => world.close() };
    });
  }
});

describe('protectimusAdmin: the binding', () => {
  let world: Awaited<ReturnType<typeof startWorld>>;
  let pm: Protectimus;
  beforeAll(async () => {
    world = await startWorld('redis');
    pm = world.make({}, true);
  });
  afterAll(() => world.close());

  it('refuses to be created without authorize', () => {
    expect(() => protectimusAdmin(undefined as never)).toThrow(/authorize/);
    expect(() => protectimusAdmin({} as never)).toThrow(/authorize\(req\) is required/);
    expect(() => protectimusAdmin({ protectimus: pm, authorize: true } as never)).toThrow(TypeError);
  });

  it('lets in only what authorize resolves to true, async or not, and a signed-out visitor gets 403', async () => {
    const seen: string[] = [];
    const asyncApp = adminApp(pm, 'none', { authorize: async (req) => req.session.role === 'admin' });
    expect((await (await signedIn(asyncApp, 'admin', seen)).send('GET', 'api/tokens')).status).toBe(200);
    const truthy = adminApp(pm, 'none', { authorize: ((req: express.Request) => (req.session.role === 'admin' ? 'yes' : false)) as never });
    expect((await (await signedIn(truthy, 'admin', seen)).send('GET', 'api/tokens')).status).toBe(403);
    const anonymous = await request(adminApp(pm, 'none')).get('/admin/api/tokens');
    expect(anonymous.status).toBe(403);
    expect(anonymous.body.error).toBe('forbidden');
  });

  it('answers 500 and reports when authorize throws or there is no session, changing nothing', async () => {
    const errors: unknown[] = [];
    const throwing = adminApp(pm, 'none', {
      authorize: () => {
        throw new Error('directory down');
      },
      onError: (err) => errors.push(err),
    });
    const before = await adminSnapshot(pm);
    const res = await request(throwing).post('/admin/api/users').set('Content-Type', 'application/json').send('{"login":"x"}');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: 'internal_error', message: 'something went wrong; the server log has the details' });
    const bare = express();
    bare.use('/admin', protectimusAdmin({ protectimus: pm, authorize: () => true, onError: (err) => errors.push(err) }));
    const noSession = await request(bare).get('/admin/api/tokens');
    expect(noSession.status).toBe(500);
    expect(noSession.body.message).toMatch(/session/);
    expect(errors).toHaveLength(2);
    expect(await adminSnapshot(pm)).toBe(before);
  });

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
