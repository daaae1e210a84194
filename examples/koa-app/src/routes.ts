import Router from '@koa/router';
import type { MailToken, Protectimus } from '@protectimus-mail/core';
import type { Context, Middleware } from 'koa';
import { currentUser, pageContext, sendPage } from './page-context';
import { accountPage, inboxPage, settingsPage, type DevInbox, type PageContext, type SiteUser } from './shared';

type AccountView = (ctx: PageContext & { user: SiteUser }, tokens: readonly MailToken[]) => string;

/**
 * `/account` and `/account/settings` behind `gates` (the password, then the guard). The guard's
 * own two URLs are routed to it too: @koa/router runs `use` middleware only on paths it has a
 * route for.
 */
export function accountRoutes(pm: Protectimus, gates: { signIn: Middleware; guard: Middleware }): Router {
  const router = new Router({ prefix: '/account' });
  router.use(gates.signIn, gates.guard);
  router.all(['/_otp/verify', '/_otp/resend'], gates.guard);
  // These run only after the guard let the request through: signed in and verified.
  const show = (view: AccountView) => async (ctx: Context) => {
    const user = currentUser(ctx);
    if (!user) throw new Error('the account pages must be mounted behind the sign-in and the guard');
    const tokens = await pm.users.tokensOf(user.protectimusUserId);
    sendPage(ctx, 200, view({ ...pageContext(ctx), user }, tokens));
  };
  router.get('/', show(accountPage));
  router.get('/settings', show(settingsPage));
  return router;
}

/** `GET /dev/inbox`: mounted only when the in-process SMTP server runs (no `SMTP_URL`). */
export function devInboxRoutes(inbox: DevInbox): Router {
  const router = new Router();
  router.get('/dev/inbox', (ctx) => {
    sendPage(ctx, 200, inboxPage(pageContext(ctx), inbox.list(), `127.0.0.1:${inbox.port}`));
  });
  return router;
}
