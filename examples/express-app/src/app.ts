import { protectimusAdmin, protectimusMail } from '@protectimus-mail/express';
import { ACCOUNT_RESOURCE, ADMIN_PATH, buildSite, guardPageOptions, isAdmin, isMember, METRICS_PATH, SECURITY_HEADERS, STYLESHEET, STYLESHEET_HEADERS, STYLESHEET_PATH, type Site as ExampleSite, type SiteConfig } from '@protectimus-mail/example-shared';
import express, { type Express, type Request, type Response } from 'express';
import { authRoutes, createAuthenticator, requireSignIn } from './auth';
import { currentUser, pageContext, sendPage } from './page-context';
import { accountRoutes, devInboxRoutes, errorPages, notFound } from './routes';
import { createSessions } from './sessions';

/** A built site: the Express app and what it runs on, for `main` to print and tests to drive. */
export type Site = ExampleSite<Express>;

/**
 * Builds the site from `config` (`buildSite` starts the dev inbox unless an SMTP server is
 * configured and seeds the demo users) and assembles the Express app. Listening is left to the
 * caller (port 0 in tests).
 */
export function createSite(config: SiteConfig): Promise<Site> {
  return buildSite(config, ({ pm, inbox, metrics, accounts, homePage, signInPage, onClose }) => {
    const sessions = createSessions(config);
    onClose(() => sessions.close());
    const authenticator = createAuthenticator(accounts);

    const app = express();
    app.disable('x-powered-by');
    // The site's headers go on every answer first; the guard's pages and the admin panel's pages
    // set their own CSP afterwards, which replaces this one (the panel's allows its own script).
    app.use((_req, res, next) => {
      res.set(SECURITY_HEADERS);
      next();
    });
    app.get(STYLESHEET_PATH, (_req, res) => res.set(STYLESHEET_HEADERS).send(STYLESHEET));
    // Prometheus scrapes without a session: mounted before the session middleware, and only
    // outside production (see examples/shared/src/metrics.ts).
    if (metrics) {
      app.get(METRICS_PATH, (_req, res, next) => {
        metrics.scrape().then(({ contentType, body }) => res.type(contentType).send(body), next);
      });
    }
    app.use(sessions.middleware);
    app.use(authenticator.initialize());
    app.use(authenticator.session());
    app.use((_req, res, next) => {
      res.locals.devInbox = inbox !== null;
      next();
    });
    app.use(express.urlencoded({ extended: false, limit: '16kb' }));

    app.get('/', (req, res) => sendPage(res, 200, homePage(pageContext(req, res))));
    app.use(authRoutes(authenticator, signInPage));
    // Everything under /account: password first (requireSignIn), then the mailed code (the guard).
    // The guard's pages sit inside the site's own header and footer (its `page.layout`).
    const page = guardPageOptions((req: Request) => pageContext(req, req.res as Response));
    // The code form offers "Remember this device for 30 days": a remembered browser skips the code.
    // /account/settings is a risky page: a second guard there (step-up, `maxAge`) asks for a code
    // typed in the last 5 minutes, which a remembered device never is. It tells its requests by the
    // path itself (`area`), so every spelling of /account/settings meets it.
    const stepUp = protectimusMail({ protectimus: pm, resource: ACCOUNT_RESOURCE, area: '/account/settings', maxAge: 300, page });
    app.use('/account', requireSignIn, protectimusMail({ protectimus: pm, resource: ACCOUNT_RESOURCE, rememberDevice: { days: 30 }, page }), stepUp, accountRoutes(pm));
    // The admin panel: the same two factors (the same resource, so a code typed for /account opens
    // it too), then protectimusAdmin, which answers 403 to anyone but the admin. A signed-in member
    // is handed to the panel before the guard, so that its 403 answers him without a code mailed
    // first; an anonymous API client still meets the guard's 401.
    const panel = protectimusAdmin({ protectimus: pm, authorize: (req) => isAdmin(currentUser(req)) });
    app.use(
      ADMIN_PATH,
      requireSignIn,
      (req, res, next) => (isMember(currentUser(req)) ? panel(req, res, next) : next()),
      protectimusMail({ protectimus: pm, resource: ACCOUNT_RESOURCE, page }),
      panel,
    );
    if (inbox) app.use(devInboxRoutes(inbox));

    app.use(notFound);
    app.use(errorPages);
    return { app, handler: app };
  });
}
