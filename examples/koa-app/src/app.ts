import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import { protectimusAdmin, protectimusMail } from '@protectimus-mail/koa';
import {
  ACCOUNT_RESOURCE,
  ADMIN_PATH,
  buildSite,
  guardPageOptions,
  isAdmin,
  METRICS_PATH,
  notFoundPage,
  SECURITY_HEADERS,
  STYLESHEET,
  STYLESHEET_HEADERS,
  STYLESHEET_PATH,
  type Site as ExampleSite,
  type SiteConfig,
} from '@protectimus-mail/example-shared';
import Koa from 'koa';
import { authRoutes, createAuthenticator, requireSignIn } from './auth';
import { currentUser, pageContext, sendPage } from './page-context';
import { accountRoutes, adminRoutes, devInboxRoutes, errorPages, gated, membersToPanel } from './routes';
import { createSessions } from './sessions';

/** A built site: the Koa app and what it runs on, for `main` to print and tests to drive. */
export type Site = ExampleSite<Koa>;

/**
 * Builds the site from `config` (`buildSite` starts the dev inbox unless an SMTP server is
 * configured and seeds the demo users) and assembles the Koa app. Listening is left to the caller
 * (port 0 in tests).
 */
export function createSite(config: SiteConfig): Promise<Site> {
  return buildSite(config, ({ pm, inbox, metrics, accounts, homePage, signInPage, onClose }) => {
    const app = new Koa();
    const sessions = createSessions(app, config);
    onClose(() => sessions.close());
    const authenticator = createAuthenticator(accounts);

    app.use(errorPages);
    // The site's headers go on every answer first; the guard's pages and the admin panel's pages
    // set their own CSP afterwards, which replaces this one (the panel's allows its own script).
    app.use(async (ctx, next) => {
      ctx.set(SECURITY_HEADERS);
      await next();
    });
    const assets = new Router();
    assets.get(STYLESHEET_PATH, (ctx) => {
      ctx.set(STYLESHEET_HEADERS);
      ctx.body = STYLESHEET;
    });
    // Prometheus scrapes without a session: routed before the session middleware, and only
    // outside production (see examples/shared/src/metrics.ts).
    if (metrics) {
      assets.get(METRICS_PATH, async (ctx) => {
        const { contentType, body } = await metrics.scrape();
        ctx.type = contentType;
        ctx.body = body;
      });
    }
    app.use(assets.routes());
    app.use(sessions.middleware);
    app.use(authenticator.initialize());
    app.use(authenticator.session());
    app.use(async (ctx, next) => {
      ctx.state.devInbox = inbox !== null;
      await next();
    });
    // Forms only: the guard and the admin panel read their JSON posts themselves.
    app.use(bodyParser({ enableTypes: ['form'], formLimit: '16kb' }));

    const home = new Router();
    home.get('/', (ctx) => sendPage(ctx, 200, homePage(pageContext(ctx))));
    app.use(home.routes());
    app.use(authRoutes(authenticator, signInPage).routes());
    // Everything under /account, in any spelling: password first (requireSignIn), then the mailed
    // code (the guard). Both run app-wide, before the routers, and tell their requests by the path
    // itself (`area`), so no router's way of matching paths decides what is guarded. The guard
    // answers its own URLs (/account/_otp/verify and /resend) itself.
    // The guard's pages sit inside the site's own header and footer (its `page.layout`).
    const page = guardPageOptions(pageContext);
    // The code form offers "Remember this device for 30 days": a remembered browser skips the code.
    const guard = protectimusMail({ protectimus: pm, resource: ACCOUNT_RESOURCE, area: '/account', rememberDevice: { days: 30 }, page });
    // /account/settings is a risky page: a second guard there (step-up, `maxAge`) asks for a code
    // typed in the last 5 minutes, which a remembered device never is.
    const stepUp = protectimusMail({ protectimus: pm, resource: ACCOUNT_RESOURCE, area: '/account/settings', maxAge: 300, page });
    app.use(gated('/account', requireSignIn, guard, stepUp));
    // The admin panel: the same two factors (the same resource, so a code typed for /account opens
    // it too), then protectimusAdmin, which answers 403 to anyone but the admin (and 404 to another
    // spelling of /admin that its router hands it).
    const adminGuard = protectimusMail({ protectimus: pm, resource: ACCOUNT_RESOURCE, area: ADMIN_PATH, page });
    const panel = protectimusAdmin({ protectimus: pm, authorize: (ctx) => isAdmin(currentUser(ctx)), mountPath: ADMIN_PATH });
    app.use(gated(ADMIN_PATH, requireSignIn, membersToPanel(panel), adminGuard));
    app.use(accountRoutes(pm).routes());
    app.use(adminRoutes(panel).routes());
    if (inbox) app.use(devInboxRoutes(inbox).routes());

    app.use((ctx) => sendPage(ctx, 404, notFoundPage(pageContext(ctx))));
    return { app, handler: app.callback() };
  });
}
