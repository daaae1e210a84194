import Router from '@koa/router';
import type { Protectimus } from '@protectimus-mail/core';
import { ACCOUNT_PAGES, ADMIN_PATH, errorPage, inboxPage, isMember, renderAccountPage, type DevInbox } from '@protectimus-mail/example-shared';
import { pathArea } from '@protectimus-mail/koa';
import type { Middleware, Next } from 'koa';
import { currentUser, pageContext, sendPage } from './page-context';

/**
 * `gates` in turn, app-wide, for every request in `area` under any spelling a router might route
 * there (`/ACCOUNT/settings`, `/account//settings`, `/%61ccount`: the guard's own test, `pathArea`);
 * other requests go straight on. Put it before the routers: what it guards does not depend on
 * how they match paths (@koa/router matches a prefixed router's `use` letter for letter, but its
 * routes in any case).
 */
export function gated(area: string, ...gates: Middleware[]): Middleware {
  const inArea = pathArea(area);
  return (ctx, next) => {
    if (!inArea.contains(ctx.originalUrl)) return next();
    const run = (i: number): Promise<unknown> => {
      const gate = gates[i];
      return gate ? Promise.resolve(gate(ctx, (() => run(i + 1)) as Next)) : next();
    };
    return run(0);
  };
}

/** `/account` and `/account/settings`, to mount after their gates (the password, then the guard). */
export function accountRoutes(pm: Protectimus): Router {
  const router = new Router({ prefix: '/account' });
  for (const [path, view] of Object.entries(ACCOUNT_PAGES)) {
    router.get(path, async (ctx) => sendPage(ctx, 200, await renderAccountPage(pm, view, pageContext(ctx))));
  }
  return router;
}

/**
 * A signed-in member is handed to the panel before the guard, so that its 403 answers him without
 * a code mailed first; an anonymous API client still meets the guard's 401, and the panel checks
 * the role again for everyone else.
 */
export function membersToPanel(panel: Middleware): Middleware {
  return (ctx, next) => (isMember(currentUser(ctx)) ? panel(ctx, next) : next());
}

/** Everything under `/admin` (the panel's pages, files and API), to mount after its gates. */
export function adminRoutes(panel: Middleware): Router {
  const router = new Router({ prefix: ADMIN_PATH });
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
