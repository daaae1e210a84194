import express, { type Express, type Request, type RequestHandler } from 'express';
import session from 'express-session';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { protectimusMail, type ProtectimusMailOptions } from '../../../packages/express/src';
import { pageBody, PASSWORD, type Adapter, type AppOptions, type GuardSetup, type Mount, type Parsers } from './adapter';
import { setCookies } from './http';

/**
 * Mounts beyond the shared ones: a Router at `/admin`, a guard at `/billing` in a Router at
 * `/app`, `strict`: `app.use('/billing', guard, pages)` in an app with case-sensitive and strict
 * routing and pages in a Router as strict, and `area`: the guard app-wide with
 * `area: '/billing'` in an app with case-sensitive routing, the pages in a Router of their own
 * with Express's defaults (the two disagree on case, which the guard must not depend on).
 */
export type ExpressMount = Mount | 'router' | 'nested-router' | 'strict' | 'area';
/** Parsers beyond the shared ones: a middleware that sets `req.body = {}` without reading the body. */
export type ExpressParsers = Parsers | 'empty-object';

export interface ExpressAppOptions {
  guard?: ProtectimusMailOptions;
  payroll?: ProtectimusMailOptions;
  mount?: ExpressMount;
  parsers?: ExpressParsers;
  /** False: no session middleware at all. */
  session?: boolean;
  /** express-session's store; default its MemoryStore. */
  sessionStore?: session.Store;
  /** `trust proxy` for the loopback proxy. */
  trustProxy?: boolean;
  /** Rewrites `req.url` before anything else runs. */
  rewrite?: (url: string) => string;
}

/** Where the protected pages live for a mount. */
export function expressBase(mount: ExpressMount): string {
  return { billing: '/billing', root: '', router: '/admin', 'nested-router': '/app/billing', strict: '/billing', area: '/billing' }[mount];
}

function parsersFor(kind: ExpressParsers): RequestHandler[] {
  switch (kind) {
    case 'none':
      return [];
    case 'json':
      return [express.json()];
    case 'form':
      return [express.urlencoded()];
    case 'both':
      return [express.json(), express.urlencoded()];
    case 'empty-object':
      // Some middleware sets a body it never read; the guard must not take it for the posted one.
      return [(req, _res, next) => ((req.body = {}), next())];
  }
}

const loginOf = (req: Request): string | null => (req as { user?: { login?: string } }).user?.login ?? null;

/**
 * The Express 5 app of the conformance suite (see `Adapter`), with Express's own variants:
 * express-session, the stand-in first factor (`POST /login {"login", "remember"?}`; `remember`
 * gives the session a 30-day cookie), the guard and the protected pages.
 */
/** Passport with passport-local: every login with the test password signs in, as `{ login }`. */
const firstFactor = new passport.Passport();
/** The app's user: a login, and the address the app knows when the sign-in posted one. */
type AppUser = { login: string; email?: string };
firstFactor.use(
  new LocalStrategy({ usernameField: 'login', passwordField: 'password', passReqToCallback: true }, (req, login, password, done) => {
    const email = (req.body as { email?: unknown }).email;
    return password === PASSWORD ? done(null, typeof email === 'string' ? { login, email } : { login }) : done(null, false);
  }),
);
firstFactor.serializeUser((user, done) => done(null, (user as AppUser).email === undefined ? (user as AppUser).login : user));
firstFactor.deserializeUser((stored: string | AppUser, done) => done(null, typeof stored === 'string' ? { login: stored } : stored));

export function expressApp(options: ExpressAppOptions = {}): Express {
  const mount = options.mount ?? 'billing';
  const app = express();
  if (options.trustProxy) app.set('trust proxy', 'loopback');
  const { rewrite } = options;
  if (rewrite) app.use((req, _res, next) => ((req.url = rewrite(req.url)), next()));
  if (options.session !== false) {
    app.use(session({ secret: 'test-session-secret', resave: false, saveUninitialized: false, ...(options.sessionStore ? { store: options.sessionStore } : {}) }));
    app.use(firstFactor.initialize(), firstFactor.session());
  }
  for (const parser of parsersFor(options.parsers ?? 'none')) app.use(parser);
  // The real first factor: Passport with passport-local (which regenerates the session at login).
  app.post('/login', express.json(), firstFactor.authenticate('local', { failWithError: true }), (req, res) => {
    // "Remember me": the app gives this session its own cookie lifetime.
    if ((req.body as { remember?: unknown }).remember === true) req.session.cookie.maxAge = 30 * 86_400_000;
    res.json({ ok: true });
  });
  app.get('/me', (req, res) => void res.json({ user: loginOf(req) }));

  const guard = protectimusMail(mount === 'area' && options.guard?.area === undefined ? { ...options.guard, area: '/billing' } : options.guard);
  if (mount === 'strict' || mount === 'area') app.set('case sensitive routing', true);
  if (mount === 'strict') app.set('strict routing', true);
  const pages = express.Router(mount === 'strict' ? { caseSensitive: true, strict: true } : {});
  pages.get('/invoices', (req, res) => void res.json(pageBody(req.originalUrl, loginOf(req))));
  pages.get('/fails', () => {
    throw new Error('the app failed');
  });
  if (mount === 'billing' || mount === 'strict') {
    app.use('/billing', guard, pages);
  } else if (mount === 'root') {
    app.use(guard, pages);
  } else if (mount === 'area') {
    app.use(guard);
    app.use(express.Router().use('/billing', pages));
  } else if (mount === 'router') {
    app.use('/admin', express.Router().use(guard, pages));
  } else {
    app.use('/app', express.Router().use('/billing', guard, pages));
  }
  if (options.payroll) app.use('/payroll', protectimusMail(options.payroll), pages);
  return app;
}

/** The adapter's options from the shared ones; `user` reads the request's headers. */
function expressGuard(setup: GuardSetup | undefined): ProtectimusMailOptions | undefined {
  if (!setup) return undefined;
  const { user, enroll, ...rest } = setup;
  return {
    ...rest,
    ...(user ? { user: (req: Request) => user((name) => req.get(name)) } : {}),
    ...(enroll === undefined ? {} : { enroll: typeof enroll === 'function' ? (req: Request) => enroll((name) => req.get(name)) : enroll }),
  };
}

export const expressAdapter: Adapter = {
  name: 'express',
  makeApp: (options: AppOptions = {}) =>
    expressApp({ ...options, guard: expressGuard(options.guard), payroll: expressGuard(options.payroll) }),
  sessionCookie: (res) => setCookies(res).find((c) => c.startsWith('connect.sid=')),
  // `connect.sid=s%3A<id>.<signature>`
  sessionId: (cookie) => (cookie ? /^connect\.sid=s%3A([^.]+)\./.exec(cookie)?.[1] : undefined),
  noSessionMessage: 'protectimusMail needs express-session (or another session middleware) before it',
};
