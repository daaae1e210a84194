import { DEFAULT_VERIFIED_FOR, type Protectimus } from '@protectimus-mail/core';
import { protectimusMail } from '@protectimus-mail/express';
import express, { type Express } from 'express';
import { accountRoutes } from './account-routes';
import { Accounts } from './accounts';
import { authRoutes, createAuthenticator, requireSignIn } from './auth';
import { checkConfig, redactUrl, type SiteConfig } from './config';
import { devInboxRoutes } from './dev-inbox-routes';
import { errorPage, notFoundPage } from './error-pages';
import { DevInbox } from './inbox';
import { STYLESHEET, STYLESHEET_PATH } from './layout';
import { pageContext, sendPage } from './page-context';
import { homePage, type Limits, type MailRoute } from './pages';
import { createSecondFactor } from './second-factor';
import { securityHeaders } from './security-headers';
import { ACCOUNT_RESOURCE, seedDemo, type DemoLogin } from './seed';
import { createSessions } from './sessions';

/** A built site: the Express app and what it runs on, for `main` to print and tests to drive. */
export interface Site {
  app: Express;
  pm: Protectimus;
  /** The in-process inbox in dev mode (no `SMTP_URL`), else null. */
  inbox: DevInbox | null;
  demoLogins: DemoLogin[];
  /** Closes the inbox, the stores and the Redis connections; the HTTP server is the caller's. */
  close(): Promise<void>;
}

/**
 * Builds the site from `config`: starts the dev inbox unless an SMTP server is configured, seeds
 * the demo users, and assembles the app. Listening is left to the caller (port 0 in tests).
 */
export async function createSite(config: SiteConfig): Promise<Site> {
  checkConfig(config);
  const closers: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const fn of closers.splice(0).reverse()) await fn();
  };
  try {
    let inbox: DevInbox | null = null;
    let transport = config.smtpUrl;
    if (!transport) {
      const started = await DevInbox.start({ port: config.devSmtpPort });
      closers.push(() => started.close());
      inbox = started;
      transport = started.smtpUrl;
    }
    const pm = createSecondFactor(config, transport);
    closers.push(() => pm.close());
    const accounts = new Accounts();
    const demoLogins = await seedDemo(pm, accounts, config.demoEmails);
    // The sign-in lasts as long as the guard's verification (its default), so both end together.
    const sessions = createSessions({ secret: config.sessionSecret, redisUrl: config.redisUrl, redisPrefix: config.redisPrefix, maxAgeSeconds: DEFAULT_VERIFIED_FOR });
    closers.push(() => sessions.close());
    const authenticator = createAuthenticator(accounts);
    const mailRoute: MailRoute = inbox ? { kind: 'dev-inbox' } : { kind: 'smtp', server: redactUrl(transport) };
    const limits: Limits = { ttl: pm.otp.ttl, maxAttempts: pm.otp.maxAttempts, verifiedFor: DEFAULT_VERIFIED_FOR };

    const app = express();
    app.disable('x-powered-by');
    app.use(securityHeaders);
    app.get(STYLESHEET_PATH, (_req, res) => {
      res.type('css').set('Cache-Control', 'public, max-age=3600').send(STYLESHEET);
    });
    app.use(sessions.middleware);
    app.use(authenticator.initialize());
    app.use(authenticator.session());
    app.use((_req, res, next) => {
      res.locals.devInbox = inbox !== null;
      next();
    });
    app.use(express.urlencoded({ extended: false, limit: '16kb' }));

    app.get('/', (req, res) => sendPage(res, 200, homePage(pageContext(req, res), demoLogins, mailRoute, limits)));
    app.use(authRoutes(authenticator));
    // Everything under /account: password first (requireSignIn), then the mailed code (the guard).
    app.use('/account', requireSignIn, protectimusMail({ protectimus: pm, resource: ACCOUNT_RESOURCE }), accountRoutes(pm));
    if (inbox) app.use(devInboxRoutes(inbox));

    app.use(notFoundPage);
    app.use(errorPage);

    return { app, pm, inbox, demoLogins, close };
  } catch (err) {
    await close();
    throw err;
  }
}
