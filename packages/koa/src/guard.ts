import { guardRunner, loginOfUser, type CommonGuardOptions } from '@protectimus-mail/core/adapter';
import type { Context, Middleware, Next } from 'koa';
import { checkMountPath, locate, type MountPath } from './mount';
import { guardRequestOf, writeAnswer, grantInNewSession, sessionOf } from './binding';

/** Reads the login of the user who passed the first factor, or null/undefined for nobody. */
export type LoginOf = (ctx: Context) => string | null | undefined;

/** Options of {@link protectimusMail}: those of every adapter, and the Koa-specific ones. */
export interface ProtectimusMailOptions extends CommonGuardOptions<Context> {
  /**
   * The login of the user who passed the first factor, or null/undefined for nobody. Default:
   * `ctx.state.user.login`, else `username`, else `id` (what koa-passport sets), as a string.
   */
  user?: LoginOf;
  /**
   * Where the guard is mounted, from the site root (`'/billing'`), or a function of `ctx`, for a
   * guard placed inside a @koa/router (`router.use('/billing', guard)`, a router `prefix`; give
   * that router `sensitive: true`). Prefer `area`, which does not depend on the router. Default:
   * what koa-mount cut from `ctx.path`, else `''` (the guard is app-wide). A request the router
   * routed here under another spelling of it (`/BILLING/x`) is guarded as a page; one outside it
   * is a 503 reported to `onError`: a misplaced guard must not leave its area open. Not with `area`.
   */
  mountPath?: MountPath;
}

const NO_SESSION = 'protectimusMail needs koa-session (app.use(session(app))) or another session middleware before it';

/**
 * The second-factor guard as Koa middleware. Best app-wide, before the routers, with the area it
 * guards: `app.use(protectimusMail({ resource: 'billing', area: '/billing' }))` guards every
 * spelling of `/billing/...` whatever the routers match, and passes other requests on. It passes a
 * session verified for the resource on to the app, and otherwise answers with the protocol of
 * docs/design.md (a code mailed, the code form, `<mount>/_otp/verify` and `<mount>/_otp/resend`).
 * Also app-wide without `area` (the whole site), under koa-mount, or in a @koa/router with
 * `mountPath`. Needs koa-session and, before it, the first factor (koa-passport).
 */
export function protectimusMail(options: ProtectimusMailOptions = {}): Middleware {
  if (options.area !== undefined && options.mountPath !== undefined) {
    throw new TypeError('protectimusMail: give area (the guard app-wide) or mountPath (the guard in a router), not both');
  }
  if (typeof options.mountPath === 'string') checkMountPath(options.mountPath);
  const userOf = (ctx: Context): unknown => (ctx.state as { user?: unknown } | undefined)?.user;
  const loginOf: LoginOf = options.user ?? ((ctx) => loginOfUser(userOf(ctx)));
  const run = guardRunner<Context>(options, {
    noSession: NO_SESSION,
    session: sessionOf,
    login: loginOf,
    user: userOf,
    url: (ctx) => ctx.originalUrl,
    routedUrl: (ctx) => ctx.url,
    request: (ctx, session, login, where) => guardRequestOf(ctx, where ?? locate(ctx, options.mountPath), session, login),
    grant: (ctx, session, grant) => grantInNewSession(ctx, session, grant),
  });

  async function answer(ctx: Context, next: Next): Promise<void> {
    const decided = await run(ctx);
    // The app's own errors (thrown by `next`) are the app's, not a 503 of the guard.
    if (decided.action === 'next') return next();
    writeAnswer(ctx, decided);
  }

  // Not async: a verified session goes straight on to `next`, the guard's common case.
  return function protectimusMailGuard(ctx, next) {
    if (run.passes(ctx)) return next();
    return answer(ctx, next);
  };
}
