import Router from '@koa/router';
import type { Protectimus } from '@protectimus-mail/core';
import { ACCOUNT_PAGES, ADMIN_PATH, errorPage, inboxPage, isMember, renderAccountPage, type DevInbox } from '@protectimus-mail/example-shared';
import type { Middleware } from 'koa';
import { currentUser, pageContext, sendPage } from './page-context';

/**
 * `/account` and `/account/settings` behind `gates` (the password, then the guard). The guard's
 * own two URLs are routed to it too: @koa/router runs `use` middleware only on paths it has a
 * route for.
 */
export function accountRoutes(pm: Protectimus, gates: { signIn: Middleware; guard: Middleware }): Router {
  const router = new Router({ prefix: '/account' });
  router.use(gates.signIn, gates.guard);
  router.all(['/_otp/verify', '/_otp/resend'], gates.guard);
  for (const [path, view] of Object.entries(ACCOUNT_PAGES)) {
    router.get(path, async (ctx) => sendPage(ctx, 200, await renderAccountPage(pm, view, pageContext(ctx))));
  }
  return router;
}

/**
 * Everything under `/admin` (the panel's pages, files and API) behind `gates` (the password, then
 * the admin role, then the guard), then `panel`. Every path under the prefix is a route, so the
 * gates run on all of them, and the guard's own two URLs (`/admin/_otp/verify`,
 * `/admin/_otp/resend`) reach it too.
 */
export function adminRoutes(gates: { signIn: Middleware; guard: Middleware }, panel: Middleware): Router {
  const router = new Router({ prefix: ADMIN_PATH });
  // A signed-in member is handed to the panel before the guard, so that its 403 answers him without
  // a code mailed first; an anonymous API client still meets the guard's 401, and the panel checks
  // the role again for everyone else.
  router.use(gates.signIn, (ctx, next) => (isMember(currentUser(ctx)) ? panel(ctx, next) : next()), gates.guard);
  router.all(['/', '/{*rest}'], panel);
  return router;
}

/** `GET /dev/inbox`: mounted only when the in-process SMTP server runs (no `SMTP_URL`). */
export function devInboxRoutes(inbox: DevInbox): Router {
  const router = new Router();
  router.get('/dev/inbox', (ctx) => sendPage(ctx, 200, inboxPage(pageContext(ctx), inbox)));
  return router;
}

/** The last word on errors: a plain page that never shows the error itself. */
export const errorPages: Middleware = async (ctx, next) => {
  try {
    await next();
  } catch (err) {
    const { status, page } = errorPage(err, () => pageContext(ctx));
    sendPage(ctx, status, page);
  }
};
