import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import { protectimusMail } from '@protectimus-mail/koa';
import {
  ACCOUNT_RESOURCE,
  buildSite,
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
import { pageContext, sendPage } from './page-context';
import { accountRoutes, devInboxRoutes, errorPages } from './routes';
import { createSessions } from './sessions';

/** A built site: the Koa app and what it runs on, for `main` to print and tests to drive. */
export type Site = ExampleSite<Koa>;

/**
 * Builds the site from `config` (`buildSite` starts the dev inbox unless an SMTP server is
 * configured and seeds the demo users) and assembles the Koa app. Listening is left to the caller
 * (port 0 in tests).
 */
export function createSite(config: SiteConfig): Promise<Site> {
  return buildSite(config, ({ pm, inbox, accounts, homePage, onClose }) => {
    const app = new Koa();
    const sessions = createSessions(app, config);
    onClose(() => sessions.close());
    const authenticator = createAuthenticator(accounts);

    app.use(errorPages);
    app.use(async (ctx, next) => {
      ctx.set(SECURITY_HEADERS);
      await next();
    });
    const assets = new Router();
    assets.get(STYLESHEET_PATH, (ctx) => {
      ctx.set(STYLESHEET_HEADERS);
      ctx.body = STYLESHEET;
    });
    app.use(assets.routes());
    app.use(sessions.middleware);
    app.use(authenticator.initialize());
    app.use(authenticator.session());
    app.use(async (ctx, next) => {
      ctx.state.devInbox = inbox !== null;
      await next();
    });
    // Forms only: the guard reads JSON posts itself.
    app.use(bodyParser({ enableTypes: ['form'], formLimit: '16kb' }));

    const home = new Router();
    home.get('/', (ctx) => sendPage(ctx, 200, homePage(pageContext(ctx))));
    app.use(home.routes());
    app.use(authRoutes(authenticator).routes());
    // Everything under /account: password first (requireSignIn), then the mailed code (the guard).
    const guard = protectimusMail({ protectimus: pm, resource: ACCOUNT_RESOURCE, mountPath: '/account' });
    app.use(accountRoutes(pm, { signIn: requireSignIn, guard }).routes());
    if (inbox) app.use(devInboxRoutes(inbox).routes());

    app.use((ctx) => sendPage(ctx, 404, notFoundPage(pageContext(ctx))));
    return { app, handler: app.callback() };
  });
}
