import type { RequestListener } from 'node:http';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifySession from '@fastify/session';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { readBody } from '../../../packages/core/src/web/request';
import { protectimusMail, type ProtectimusMailOptions } from '../../../packages/fastify/src';
import { pageBody, PASSWORD, type Adapter, type AppOptions, type GuardSetup, type Mount, type Parsers } from './adapter';
import { setCookies } from './http';

/**
 * Mounts beyond the shared ones (`billing` is the README's first way: the guard registered inside
 * a plugin with `{ prefix: '/billing' }`, next to the pages; `root` the same without a prefix;
 * `area` the guard app-wide with `area: '/billing'`): `prefix`, the guard app-wide by Fastify's
 * `prefix` register option (which it takes as its area), and the README's looser router,
 * `loose` and `loose-area`: `billing` and `area` in an app with `caseSensitive: false`,
 * `ignoreTrailingSlash` and `ignoreDuplicateSlashes`, which routes many spellings to the pages;
 * and `param`, the guard in a plugin whose prefix has a parameter (`/orgs/:org/billing`).
 */
export type FastifyMount = Mount | 'prefix' | 'loose' | 'loose-area' | 'param';

export interface FastifyAppOptions {
  guard?: ProtectimusMailOptions;
  payroll?: ProtectimusMailOptions;
  mount?: FastifyMount;
  parsers?: Parsers;
  /** False: no session plugin at all. */
  session?: boolean;
  /** Fastify's `trustProxy` for the loopback proxy. */
  trustProxy?: boolean;
  /** Fastify's `rewriteUrl`: rewrites the URL before routing. */
  rewrite?: (url: string) => string;
}

/** Where the protected pages live for a mount. */
export function fastifyBase(mount: FastifyMount): string {
  return { billing: '/billing', root: '', area: '/billing', prefix: '/billing', loose: '/billing', 'loose-area': '/billing', param: '/orgs/acme/billing' }[mount];
}

/** The session cookie's name (@fastify/session's default). */
const COOKIE = 'sessionId';
type PassportSession = { passport?: { user?: unknown } };
const loginOf = (request: FastifyRequest): string | null => (request as { user?: { login?: string } }).user?.login ?? null;

/**
 * The protected pages, `/invoices` and `/fails`, in the context `s` (under its prefix), and the
 * app's not-found route for the rest of it: what Express's `app.use(prefix, guard, pages)` guards
 * (every request under the prefix) is, in Fastify, what the context routes.
 */
function addPages(s: FastifyInstance): void {
  s.get('/invoices', async (request) => pageBody(request.originalUrl, loginOf(request)));
  s.get('/fails', async () => {
    throw new Error('the app failed');
  });
  s.all('/*', (_request, reply) => reply.callNotFound());
}

/** Reads a JSON body, whether a parser ran or left the stream to us. */
async function jsonOf(request: FastifyRequest): Promise<Record<string, unknown>> {
  if (request.body !== undefined && request.raw.readableEnded) return (request.body ?? {}) as Record<string, unknown>;
  const raw = await readBody(request.raw);
  return raw === '' ? {} : (JSON.parse(raw) as Record<string, unknown>);
}

/**
 * The Fastify 5 app of the conformance suite (see `Adapter`): @fastify/cookie and @fastify/session,
 * the stand-in first factor (what @fastify/passport's `request.logIn` and `secureSession()` do:
 * the login in the session, `request.user` from it in a preValidation hook), the guard and the
 * protected pages.
 */
export function fastifyApp(options: FastifyAppOptions = {}): FastifyInstance {
  const mount = options.mount ?? 'billing';
  const loose = mount === 'loose' || mount === 'loose-area';
  const { rewrite } = options;
  const app = Fastify({
    ...(options.trustProxy ? { trustProxy: 'loopback' } : {}),
    ...(rewrite ? { rewriteUrl: (req: { url?: string }) => rewrite(req.url ?? '/') } : {}),
    ...(loose ? { routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, ignoreDuplicateSlashes: true } } : {}),
  });
  const parsers = options.parsers ?? 'none';
  // Fastify parses JSON out of the box; without it, every type is left unread, as with no parser in Express.
  if (parsers === 'none' || parsers === 'form') app.removeAllContentTypeParsers();
  if (parsers === 'form' || parsers === 'both') void app.register(fastifyFormbody);
  // Types no parser takes are left in the stream (Fastify would answer 415).
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));

  if (options.session !== false) {
    void app.register(fastifyCookie);
    void app.register(fastifySession, { secret: 'test-session-secret-of-32-characters!', cookieName: COOKIE, saveUninitialized: false, cookie: { secure: false } });
    app.addHook('preValidation', async (request) => {
      const user = ((request as { session?: PassportSession }).session as PassportSession | undefined)?.passport?.user;
      if (typeof user === 'string') (request as { user?: unknown }).user = { login: user };
      else if (typeof user === 'object' && user !== null) (request as { user?: unknown }).user = user;
    });
  }

  app.post('/login', async (request, reply) => {
    const { login, email, password, remember } = await jsonOf(request);
    const session = (request as unknown as { session?: PassportSession & { regenerate(): Promise<void>; cookie: { maxAge?: number } } }).session;
    if (typeof login !== 'string' || password !== PASSWORD || !session) return reply.code(401).send({ ok: false });
    // As Passport does at login: a new session id.
    await session.regenerate();
    const fresh = (request as unknown as { session: PassportSession & { cookie: { maxAge?: number } } }).session;
    fresh.passport = { user: typeof email === 'string' ? { login, email } : login };
    if (remember === true) fresh.cookie.maxAge = 30 * 86_400_000;
    return { ok: true };
  });
  app.get('/me', async (request) => ({ user: loginOf(request) }));

  const guard = options.guard ?? {};
  const inArea = mount === 'area' || mount === 'loose-area';
  const withArea = inArea && guard.area === undefined ? { ...guard, area: '/billing' } : guard;
  if (withArea.area !== undefined) {
    // App-wide: the guard sees every request, the not-found ones included.
    void app.register(protectimusMail, withArea);
    void app.register(async (s) => addPages(s), { prefix: mount === 'root' ? '' : '/billing' });
  } else if (mount === 'prefix') {
    void app.register(protectimusMail, { ...guard, prefix: '/billing' });
    void app.register(async (s) => addPages(s), { prefix: '/billing' });
  } else {
    const prefix = mount === 'root' ? '' : mount === 'param' ? '/orgs/:org/billing' : '/billing';
    void app.register(
      async (s) => {
        void s.register(protectimusMail, guard);
        addPages(s);
      },
      { prefix },
    );
  }
  if (options.payroll) {
    const payroll = options.payroll;
    void app.register(
      async (s) => {
        void s.register(protectimusMail, payroll);
        addPages(s);
      },
      { prefix: '/payroll' },
    );
  }
  return app;
}

/**
 * A Fastify app as a Node request listener, for supertest and `listen`: requests wait for
 * `ready()`. Its `ready` promise rejects when a plugin refused its options (the start fails).
 */
export function listenerOf(app: FastifyInstance): RequestListener & { ready: Promise<void> } {
  const ready = Promise.resolve(app.ready()).then(() => undefined);
  ready.catch(() => undefined);
  const listener: RequestListener = (req, res) => {
    ready.then(
      () => app.routing(req, res),
      () => res.writeHead(500).end(),
    );
  };
  return Object.assign(listener, { ready });
}

/** The adapter's options from the shared ones; `user` reads the request's headers. */
function fastifyGuard(setup: GuardSetup | undefined): ProtectimusMailOptions | undefined {
  if (!setup) return undefined;
  const { user, enroll, ...rest } = setup;
  const headerOf = (request: FastifyRequest) => (name: string) => {
    const value = request.headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  };
  return {
    ...rest,
    ...(user ? { user: (request: FastifyRequest) => user(headerOf(request)) } : {}),
    ...(enroll === undefined ? {} : { enroll: typeof enroll === 'function' ? (request: FastifyRequest) => enroll(headerOf(request)) : enroll }),
  };
}

export const fastifyAdapter: Adapter = {
  name: 'fastify',
  makeApp: (options: AppOptions = {}) =>
    listenerOf(
      fastifyApp({
        guard: fastifyGuard(options.guard),
        payroll: fastifyGuard(options.payroll),
        mount: options.mount,
        parsers: options.parsers,
        session: options.session,
        trustProxy: options.trustProxy,
        rewrite: options.rewrite,
      }),
    ),
  sessionCookie: (res) => setCookies(res).find((c) => c.startsWith(`${COOKIE}=`)),
  // `sessionId=<id>.<signature>`, URL-encoded.
  sessionId: (cookie) => (cookie ? /^sessionId=([^.;]+)\./.exec(decodeURIComponent(cookie))?.[1] : undefined),
  noSessionMessage: 'protectimusMail needs @fastify/session (with @fastify/cookie) registered before it',
};
