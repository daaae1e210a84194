import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa, { type Context, type Middleware } from 'koa';
import passport from 'koa-passport';
import session from 'koa-session';
import { Strategy as LocalStrategy } from 'passport-local';
import request from 'supertest';
import type { Agent, Response } from 'supertest';
import { protectimusMail, type ProtectimusMailOptions } from '../../src';

/** The password every test user signs in with (the first factor is not what is tested here). */
export const PASSWORD = 'first-factor';

/** A browser's Accept header for a page load. */
export const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

/** Which body parsers (@koa/bodyparser) the app installs before the guard. */
export type Parsers = 'none' | 'json' | 'form' | 'both';

/**
 * Where the guard is mounted; the protected page is `<base>/invoices`. `koa-mount` is the
 * prefix-stripping mount koa-mount does (see `prefixMount`); the router ones use @koa/router
 * with the `mountPath` option.
 */
export type Mount = 'root' | 'koa-mount' | 'router' | 'router-prefix' | 'router-param';

/** How the app keeps sessions: koa-session with a store (the cookie holds an id), koa-session's cookie mode, or none. */
export type Sessions = 'store' | 'cookie' | 'none';

export interface AppOptions {
  guard?: ProtectimusMailOptions;
  /** A second guard, at `/payroll`, sharing the session. */
  payroll?: ProtectimusMailOptions;
  mount?: Mount;
  parsers?: Parsers;
  sessions?: Sessions;
  /** Koa's `app.proxy`: trust X-Forwarded-For. */
  proxy?: boolean;
  /** The koa-session store, to look into (default: a new one). */
  store?: MemorySessionStore;
}

/** Where the protected pages live for a mount. */
export function baseOf(mount: Mount): string {
  return { root: '', 'koa-mount': '/billing', router: '/billing', 'router-prefix': '/billing', 'router-param': '/orgs/acme/billing' }[mount];
}

/** A koa-session external store in memory; what it holds is the server side of each session id. */
export class MemorySessionStore {
  readonly sessions = new Map<string, unknown>();
  async get(key: string): Promise<unknown> {
    return this.sessions.get(key);
  }
  async set(key: string, value: unknown): Promise<void> {
    this.sessions.set(key, value);
  }
  async destroy(key: string): Promise<void> {
    this.sessions.delete(key);
  }
}

/**
 * What koa-mount does (it is not installed here): strip `prefix` from `ctx.path` for the mounted
 * middleware, set `ctx.mountPath`, and put the path back around the rest of the app.
 */
export function prefixMount(prefix: string, mw: Middleware): Middleware {
  return async (ctx, upstream) => {
    const prev = ctx.path;
    if (!prev.startsWith(prefix)) return upstream();
    const inner = prev.slice(prefix.length) || '/';
    if (!inner.startsWith('/')) return upstream();
    (ctx as { mountPath?: string }).mountPath = prefix;
    ctx.path = inner;
    await mw(ctx, async () => {
      ctx.path = prev;
      await upstream();
      ctx.path = inner;
    });
    ctx.path = prev;
  };
}

function parsersFor(kind: Parsers): Middleware[] {
  switch (kind) {
    case 'none':
      return [];
    case 'json':
      return [bodyParser({ enableTypes: ['json'] })];
    case 'form':
      return [bodyParser({ enableTypes: ['form'] })];
    case 'both':
      return [bodyParser()];
  }
}

function loginOf(ctx: Context): string | null {
  return (ctx.state.user as { login?: string } | undefined)?.login ?? null;
}

const page: Middleware = (ctx) => {
  ctx.body = { page: ctx.originalUrl, user: loginOf(ctx) };
};

/** Mounts `guard` on `/payroll` through @koa/router, as the README says. */
function routed(prefix: string, guard: Middleware, router: Router): void {
  router.use(prefix, guard);
  // @koa/router runs `use` middleware only on paths it has a route for: route the guard's own URLs.
  router.all([`${prefix}/_otp/verify`, `${prefix}/_otp/resend`], guard);
  router.get(`${prefix}/invoices`, page);
}

/**
 * A Koa 3 app as a user would write it: koa-session, koa-passport with passport-local as the
 * first factor (`POST /login`), then the guard and a protected page answering `{ page, user }`.
 * `GET /me` (outside the guard) tells who is signed in.
 */
export function makeApp(options: AppOptions = {}): Koa {
  const mount = options.mount ?? 'router';
  const app = new Koa();
  app.keys = ['test-session-key'];
  app.proxy = options.proxy ?? false;
  // The guard answers errors itself; anything reaching Koa's handler would be a test failure, not noise.
  app.silent = true;

  const auth = new passport.KoaPassport();
  auth.use(new LocalStrategy((username, password, done) => done(null, password === PASSWORD ? { login: username } : false)));
  auth.serializeUser((user, done) => done(null, (user as { login: string }).login));
  auth.deserializeUser((login: string, done) => done(null, { login }));
  const sessions = options.sessions ?? 'store';
  if (sessions !== 'none') {
    app.use(session(sessions === 'store' ? { store: options.store ?? new MemorySessionStore() } : {}, app));
    app.use(auth.initialize());
    app.use(auth.session());
  }
  for (const parser of parsersFor(options.parsers ?? 'none')) app.use(parser);

  const site = new Router();
  // An app-wide parser that skipped the login's type left `{}` unread: parse it here instead.
  const unparsed: Middleware = (ctx, next) => {
    if (!ctx.req.readableEnded) (ctx.request as { body?: unknown }).body = undefined;
    return next();
  };
  site.post('/login', unparsed, bodyParser(), auth.authenticate('local'), (ctx) => {
    ctx.body = { ok: true };
  });
  site.get('/me', (ctx) => {
    ctx.body = { user: loginOf(ctx) };
  });
  app.use(site.routes());

  const guard = protectimusMail({
    ...options.guard,
    ...(mount.startsWith('router') && options.guard?.mountPath === undefined
      ? { mountPath: mount === 'router-param' ? (ctx: Context) => `/orgs/${(ctx as { params?: { org?: string } }).params?.org ?? ''}/billing` : '/billing' }
      : {}),
  });
  const pages = new Router();
  if (mount === 'root') {
    app.use(guard);
    pages.get('/invoices', page);
  } else if (mount === 'koa-mount') {
    app.use(prefixMount('/billing', guard));
    pages.get('/billing/invoices', page);
  } else if (mount === 'router') {
    routed('/billing', guard, pages);
  } else {
    const prefixed = new Router({ prefix: mount === 'router-param' ? '/orgs/:org/billing' : '/billing' });
    prefixed.use(guard);
    prefixed.all(['/_otp/verify', '/_otp/resend'], guard);
    prefixed.get('/invoices', page);
    pages.use(prefixed.routes());
  }
  if (options.payroll) routed('/payroll', protectimusMail({ mountPath: '/payroll', ...options.payroll }), pages);
  app.use(pages.routes());
  return app;
}

/** Signs `login` in through passport-local; the agent keeps the session cookie. */
export async function signIn(agent: Agent, login: string): Promise<Response> {
  return agent.post('/login').send({ username: login, password: PASSWORD }).expect(200);
}

/** The session cookies a response set (`koa.sess=...` and its signature), without attributes, if any. */
export function sessionCookie(res: Response): string | undefined {
  const raw = res.headers['set-cookie'] as unknown;
  const list = Array.isArray(raw) ? (raw as string[]) : typeof raw === 'string' ? [raw] : [];
  const pairs = list.map((c) => c.split(';')[0] ?? '').filter((c) => /^koa\.sess(\.sig)?=./.test(c));
  return pairs.length ? pairs.join('; ') : undefined;
}

/** The session id (koa-session's external key) in a `sessionCookie`. */
export function sessionId(cookie: string | undefined): string | undefined {
  return cookie ? /(?:^|; )koa\.sess=([^;]+)/.exec(cookie)?.[1] : undefined;
}

/** The CSRF token in a guard page's forms. */
export function csrfFrom(html: string): string {
  const found = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!found?.[1]) throw new Error('no CSRF token in the page');
  return found[1];
}

/** A running server for requests supertest cannot make (raw targets such as `//evil.example`). */
export async function listen(app: Koa): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  return { server, port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** `request(app)` over Koa's handler. */
export const http = (app: Koa | Server) => request(app instanceof Koa ? app.callback() : app);
export const agentOf = (app: Koa | Server): Agent => request.agent(app instanceof Koa ? app.callback() : app);
