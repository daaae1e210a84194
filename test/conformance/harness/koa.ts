import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa, { type Context, type Middleware } from 'koa';
import session from 'koa-session';
import type { Response } from 'supertest';
import { protectimusMail, type ProtectimusMailOptions } from '../../../packages/koa/src';
import { pageBody, type Adapter, type AppOptions, type GuardSetup, type Mount, type Parsers } from './adapter';
import { setCookies } from './http';
import { MemorySessionStore } from '../../support/koa-session-store';

export { MemorySessionStore };

/**
 * Mounts beyond the shared ones (`billing` is koa-mount's prefix stripping, see `prefixMount`,
 * with the pages in a case-sensitive router as the README says): @koa/router with the
 * `mountPath` option, by `router.use('/billing')`, by a router `prefix` (`sensitive: true`, as
 * the README says), and by a prefix with a parameter (`/orgs/:org/billing`); and `area`, the
 * README's first way: the guard app-wide with `area: '/billing'`, before a router with the
 * prefix and @koa/router's defaults.
 */
export type KoaMount = Mount | 'router' | 'router-prefix' | 'router-param' | 'area';

/** How the app keeps sessions: koa-session with a store (the cookie holds an id), koa-session's cookie mode, or none. */
export type Sessions = 'store' | 'cookie' | 'none';

export interface KoaAppOptions {
  guard?: ProtectimusMailOptions;
  payroll?: ProtectimusMailOptions;
  mount?: KoaMount;
  parsers?: Parsers;
  sessions?: Sessions;
  /** The koa-session store, to look into (default: a new one). */
  store?: MemorySessionStore;
  /** Koa's `app.proxy`: trust X-Forwarded-For. */
  proxy?: boolean;
  /** Rewrites `ctx.url` before anything else runs. */
  rewrite?: (url: string) => string;
}

/** Where the protected pages live for a mount. */
export function koaBase(mount: KoaMount): string {
  return { billing: '/billing', root: '', router: '/billing', 'router-prefix': '/billing', 'router-param': '/orgs/acme/billing', area: '/billing' }[mount];
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

type PassportSession = { passport?: { user?: unknown } };
const loginOf = (ctx: Context): string | null => (ctx.state.user as { login?: string } | undefined)?.login ?? null;

/** The protected pages, `<prefix>/invoices` and `<prefix>/fails`, on `router`. */
function addPages(router: Router, prefix: string): Router {
  router.get(`${prefix}/invoices`, (ctx) => {
    ctx.body = pageBody(ctx.originalUrl, loginOf(ctx));
  });
  router.get(`${prefix}/fails`, () => {
    throw new Error('the app failed');
  });
  return router;
}

/**
 * The Koa 3 app of the conformance suite (see `Adapter`), with Koa's own variants: koa-session,
 * the stand-in first factor (what koa-passport's `ctx.login` and `passport.session()` do), the
 * guard and the protected pages.
 */
export function koaApp(options: KoaAppOptions = {}): Koa {
  const mount = options.mount ?? 'billing';
  const app = new Koa();
  app.keys = ['test-session-key'];
  app.proxy = options.proxy ?? false;
  // The guard answers errors itself; anything reaching Koa's handler is the app's own 500, not noise.
  app.silent = true;
  const { rewrite } = options;
  if (rewrite) {
    app.use((ctx, next) => {
      ctx.url = rewrite(ctx.url);
      return next();
    });
  }

  const sessions = options.sessions ?? 'store';
  if (sessions !== 'none') {
    app.use(session(sessions === 'store' ? { store: options.store ?? new MemorySessionStore() } : {}, app));
    app.use((ctx, next) => {
      const user = (ctx.session as PassportSession | null)?.passport?.user;
      if (typeof user === 'string') ctx.state.user = { login: user };
      else if (typeof user === 'object' && user !== null) ctx.state.user = user;
      return next();
    });
  }
  for (const parser of parsersFor(options.parsers ?? 'none')) app.use(parser);

  const site = new Router();
  // An app-wide parser that skipped the login's type left `{}` unread: parse it here instead.
  const unparsed: Middleware = (ctx, next) => {
    if (!ctx.req.readableEnded) (ctx.request as { body?: unknown }).body = undefined;
    return next();
  };
  site.post('/login', unparsed, bodyParser(), (ctx) => {
    const { login, email } = (ctx.request as { body?: { login?: unknown; email?: unknown } }).body ?? {};
    if (typeof login !== 'string' || !ctx.session) ctx.throw(400, 'login required');
    (ctx.session as PassportSession).passport = { user: typeof email === 'string' ? { login, email } : login };
    ctx.body = { ok: true };
  });
  site.get('/me', (ctx) => {
    ctx.body = { user: loginOf(ctx) };
  });
  app.use(site.routes());

  const onRouter = mount === 'router' || mount === 'router-prefix' || mount === 'router-param';
  const guard = protectimusMail({
    ...options.guard,
    ...(onRouter && options.guard?.mountPath === undefined
      ? { mountPath: mount === 'router-param' ? (ctx: Context) => `/orgs/${(ctx as { params?: { org?: string } }).params?.org ?? ''}/billing` : '/billing' }
      : {}),
    ...(mount === 'area' && options.guard?.area === undefined ? { area: '/billing' } : {}),
  });
  if (mount === 'root') {
    app.use(guard);
    app.use(addPages(new Router(), '').routes());
  } else if (mount === 'area') {
    // The guard tells its requests itself, so the router behind it keeps @koa/router's defaults.
    app.use(guard);
    app.use(addPages(new Router({ prefix: '/billing' }), '').routes());
  } else if (mount === 'billing') {
    app.use(prefixMount('/billing', guard));
    // koa-mount matches its prefix letter for letter: the routes behind it must too.
    app.use(addPages(new Router({ sensitive: true }), '/billing').routes());
  } else if (mount === 'router') {
    // The README's way: the guard's own two URLs routed to it too, as @koa/router runs `use`
    // middleware only on paths it has a route for.
    const router = new Router();
    router.use('/billing', guard);
    router.all(['/billing/_otp/verify', '/billing/_otp/resend', '/billing/_otp/forget'], guard);
    app.use(addPages(router, '/billing').routes());
  } else {
    // @koa/router matches a plain prefix's `use()` letter for letter but its routes in any case:
    // `sensitive: true` makes the routes as strict as the guard's prefix.
    const prefixed = new Router({ prefix: mount === 'router-param' ? '/orgs/:org/billing' : '/billing', sensitive: mount === 'router-prefix' });
    prefixed.use(guard);
    prefixed.all(['/_otp/verify', '/_otp/resend', '/_otp/forget'], guard);
    app.use(addPages(prefixed, '').routes());
  }
  if (options.payroll) {
    app.use(prefixMount('/payroll', protectimusMail(options.payroll)));
    app.use(addPages(new Router(), '/payroll').routes());
  }
  return app;
}

/** The session cookies a response set (`koa.sess=<id>; koa.sess.sig=<signature>`), if any. */
export function koaSessionCookie(res: Response): string | undefined {
  const pairs = setCookies(res).filter((c) => /^koa\.sess(\.sig)?=./.test(c));
  return pairs.length ? pairs.join('; ') : undefined;
}

/** The session id (koa-session's external key) in a `koaSessionCookie`. */
export function koaSessionId(cookie: string | undefined): string | undefined {
  return cookie ? /(?:^|; )koa\.sess=([^;]+)/.exec(cookie)?.[1] : undefined;
}

/** The adapter's options from the shared ones; `user` reads the request's headers. */
function koaGuard(setup: GuardSetup | undefined): ProtectimusMailOptions | undefined {
  if (!setup) return undefined;
  const { user, enroll, ...rest } = setup;
  return {
    ...rest,
    ...(user ? { user: (ctx: Context) => user((name) => ctx.get(name) || undefined) } : {}),
    ...(enroll === undefined ? {} : { enroll: typeof enroll === 'function' ? (ctx: Context) => enroll((name) => ctx.get(name) || undefined) : enroll }),
  };
}

export const koaAdapter: Adapter = {
  name: 'koa',
  makeApp: (options: AppOptions = {}) =>
    koaApp({
      guard: koaGuard(options.guard),
      payroll: koaGuard(options.payroll),
      mount: options.mount,
      parsers: options.parsers,
      sessions: options.session === false ? 'none' : 'store',
      proxy: options.trustProxy,
      rewrite: options.rewrite,
    }).callback(),
  sessionCookie: koaSessionCookie,
  sessionId: koaSessionId,
  noSessionMessage: 'protectimusMail needs koa-session (app.use(session(app))) or another session middleware before it',
};
