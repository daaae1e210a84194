import type { RequestListener } from 'node:http';
import type { Agent, Response } from 'supertest';
import type { CommonGuardOptions } from '../../../packages/core/src/guard/runner';

/**
 * Where the guard is mounted: `app.use('/billing', guard)` (Express) or koa-mount's prefix
 * stripping (Koa), app-wide, or app-wide with `area: '/billing'` before the pages' router. The
 * protected page is `<base>/invoices`.
 */
export type Mount = 'billing' | 'root' | 'area';

/** The body parsers the app installs before the guard (express.json/urlencoded, @koa/bodyparser). */
export type Parsers = 'none' | 'json' | 'form' | 'both';

/** The first-factor login as the app's `user` option reads it, from the request's headers here. */
export type HeaderLogin = (header: (name: string) => string | undefined) => string | null | undefined;

/** What the app's `enroll` function returns, from the request's headers here. */
export type HeaderEnrollee = (header: (name: string) => string | undefined) => { email: string; name?: string } | null;

/** `protectimusMail` options, the same for every adapter. */
export interface GuardSetup extends Omit<CommonGuardOptions, 'enroll'> {
  /** Becomes the adapter's `user(req | ctx)`. */
  user?: HeaderLogin;
  /** `true`, or a function that becomes the adapter's `enroll(req | ctx)`. */
  enroll?: boolean | HeaderEnrollee;
}

/** The app a conformance test asks an adapter for. */
export interface AppOptions {
  guard?: GuardSetup;
  /** A second guard, at `/payroll`, in the same session. */
  payroll?: GuardSetup;
  mount?: Mount;
  parsers?: Parsers;
  /** False: no session middleware at all. */
  session?: boolean;
  /** Trust X-Forwarded-For from the loopback proxy (Express `trust proxy`, Koa `app.proxy`). */
  trustProxy?: boolean;
  /** A middleware first of all that rewrites the URL (`req.url`, `ctx.url`), as a legacy-path redirect might. */
  rewrite?: (url: string) => string;
}

/**
 * One framework's binding of the guard, as the conformance suite drives it. Every app it makes
 * has: a session middleware; a stand-in first factor, `POST /login {"login"}`, that puts
 * Passport's `{ passport: { user } }` in the session and `{ login }` (with `email` when the sign-in
 * posted one) in `req.user` / `ctx.state.user` on later requests; `GET /me` (outside the guard) answering `{ user }`; the
 * guard at the mount; behind it `GET <base>/invoices` answering `{ ok, path, user }` and
 * `GET <base>/fails`, which throws.
 */
export interface Adapter {
  readonly name: 'express' | 'koa' | 'fastify';
  makeApp(options?: AppOptions): RequestListener;
  /** The session cookie(s) a response set, as a `Cookie` header value. */
  sessionCookie(res: Response): string | undefined;
  /** The session id inside such a cookie. */
  sessionId(cookie: string | undefined): string | undefined;
  /** What the guard tells `onError` when no session middleware ran before it. */
  readonly noSessionMessage: string;
}

/**
 * Makes an app and waits until it can serve: Fastify loads its plugins, and so checks their
 * options, at `ready()` (the listener's `ready`), where Express and Koa check them when the guard
 * is made. Rejects with what the making or the start threw.
 */
export async function started(make: () => RequestListener): Promise<RequestListener> {
  const app = make();
  await (app as { ready?: Promise<unknown> }).ready;
  return app;
}

/** The path the protected pages live under for a mount. */
export function baseOf(mount: Mount): string {
  return mount === 'root' ? '' : '/billing';
}

/** Signs `login` in through the stand-in first factor; the agent keeps the session cookie. */
export function signIn(agent: Agent, login: string, extra: Record<string, unknown> = {}): Promise<Response> {
  return agent.post('/login').send({ login, password: PASSWORD, ...extra }).expect(200);
}

/** The first factor's password for every test login. */
export const PASSWORD = 'first-factor-password';

/** The answer of the protected page behind the guard. */
export function pageBody(path: string, user: string | null): { ok: true; path: string; user: string | null } {
  return { ok: true, path, user };
}
