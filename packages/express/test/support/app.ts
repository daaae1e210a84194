import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, type RequestHandler } from 'express';
import session from 'express-session';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import request from 'supertest';
import type { Agent, Response } from 'supertest';
import { protectimusMail, type ProtectimusMailOptions } from '../../src';

/** The password every test user signs in with (the first factor is not what is tested here). */
export const PASSWORD = 'first-factor';

/** A browser's Accept header for a page load. */
export const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

/** Which body parsers the app installs before the guard. */
export type Parsers = 'none' | 'json' | 'urlencoded' | 'both' | 'empty-object';

/** Where the guard is mounted; the protected page is `<base>/invoices`. */
export type Mount = 'billing' | 'root' | 'router' | 'nested-router';

export interface AppOptions {
  guard?: ProtectimusMailOptions;
  /** A second guard, at `/payroll`, sharing the session. */
  payroll?: ProtectimusMailOptions;
  mount?: Mount;
  parsers?: Parsers;
  /** False: no session middleware at all. */
  session?: boolean;
  /** express-session's store; default its MemoryStore. */
  sessionStore?: session.Store;
  trustProxy?: string;
}

/** Where the protected pages live for a mount. */
export function baseOf(mount: Mount): string {
  return { billing: '/billing', root: '', router: '/admin', 'nested-router': '/app/billing' }[mount];
}

function parsersFor(kind: Parsers): RequestHandler[] {
  switch (kind) {
    case 'none':
      return [];
    case 'json':
      return [express.json()];
    case 'urlencoded':
      return [express.urlencoded()];
    case 'both':
      return [express.json(), express.urlencoded()];
    case 'empty-object':
      // Some middleware sets a body it never read; the guard must not take it for the posted one.
      return [(req, _res, next) => ((req.body = {}), next())];
  }
}

/**
 * An Express 5 app as a user would write it: express-session (MemoryStore), Passport with
 * passport-local as the first factor (`POST /login`), then the guard and a protected page
 * answering `{ page, user }`. `GET /me` (outside the guard) tells who is signed in.
 */
export function makeApp(options: AppOptions = {}): Express {
  const mount = options.mount ?? 'billing';
  const app = express();
  if (options.trustProxy) app.set('trust proxy', options.trustProxy);
  const auth = new passport.Passport();
  auth.use(new LocalStrategy((username, password, done) => done(null, password === PASSWORD ? { login: username } : false)));
  auth.serializeUser((user, done) => done(null, (user as { login: string }).login));
  auth.deserializeUser((login: string, done) => done(null, { login }));
  if (options.session !== false) {
    app.use(session({ secret: 'test-session-secret', resave: false, saveUninitialized: false, ...(options.sessionStore ? { store: options.sessionStore } : {}) }));
    app.use(auth.session());
  }
  for (const parser of parsersFor(options.parsers ?? 'none')) app.use(parser);
  app.post('/login', express.json(), auth.authenticate('local'), (req, res) => {
    // "Remember me": the app gives this session its own cookie lifetime.
    if ((req.body as { remember?: unknown }).remember === true) req.session.cookie.maxAge = 30 * 86_400_000;
    res.json({ ok: true });
  });
  app.get('/me', (req, res) => {
    res.json({ user: (req.user as { login?: string } | undefined)?.login ?? null });
  });

  const guard = protectimusMail(options.guard);
  const page: RequestHandler = (req, res) => {
    res.json({ page: req.originalUrl, user: (req.user as { login?: string } | undefined)?.login ?? null });
  };
  if (mount === 'billing') {
    app.use('/billing', guard);
    app.get('/billing/invoices', page);
  } else if (mount === 'root') {
    app.use(guard);
    app.get('/invoices', page);
  } else if (mount === 'router') {
    const router = express.Router();
    router.use(guard);
    router.get('/invoices', page);
    app.use('/admin', router);
  } else {
    const router = express.Router();
    router.use('/billing', guard);
    router.get('/billing/invoices', page);
    app.use('/app', router);
  }
  if (options.payroll) {
    app.use('/payroll', protectimusMail(options.payroll));
    app.get('/payroll/invoices', page);
  }
  return app;
}

/** Signs `login` in through passport-local; the agent keeps the session cookie. */
export async function signIn(agent: Agent, login: string, remember = false): Promise<Response> {
  return agent.post('/login').send({ username: login, password: PASSWORD, remember }).expect(200);
}

/** The session cookie a response set, if any (`connect.sid=...`, without attributes). */
export function sessionCookie(res: Response): string | undefined {
  const raw = res.headers['set-cookie'] as unknown;
  const list = Array.isArray(raw) ? (raw as string[]) : typeof raw === 'string' ? [raw] : [];
  return list.find((c) => c.startsWith('connect.sid='))?.split(';')[0];
}

/** The CSRF token in a guard page's forms. */
export function csrfFrom(html: string): string {
  const found = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!found?.[1]) throw new Error('no CSRF token in the page');
  return found[1];
}

/** A running server for requests supertest cannot make (absolute-form targets, raw backslashes). */
export async function listen(app: Express): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  return { server, port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** `request(app)` typed for the tests. */
export const http = (app: Express | Server) => request(app);
export const agentOf = (app: Express | Server): Agent => request.agent(app);
