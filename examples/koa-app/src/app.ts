import { randomBytes } from 'node:crypto';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import { DEFAULT_VERIFIED_FOR, isProtectimusError, type Protectimus } from '@protectimus-mail/core';
import { protectimusMail } from '@protectimus-mail/koa';
import Koa, { type Middleware } from 'koa';
import { authRoutes, createAuthenticator, requireSignIn } from './auth';
import { pageContext, sendPage } from './page-context';
import { accountRoutes, devInboxRoutes } from './routes';
import { createSessions } from './sessions';
import {
  ACCOUNT_RESOURCE,
  Accounts,
  checkConfig,
  createSecondFactor,
  DevInbox,
  homePage,
  messagePage,
  redactUrl,
  seedDemo,
  SITE_CSP,
  STYLESHEET,
  STYLESHEET_PATH,
  type DemoLogin,
  type Limits,
  type MailRoute,
  type SiteConfig,
} from './shared';

/** A built site: the Koa app and what it runs on, for `main` to print and tests to drive. */
export interface Site {
  app: Koa;
  pm: Protectimus;
  /** The in-process inbox in dev mode (no `SMTP_URL`), else null. */
  inbox: DevInbox | null;
  demoLogins: DemoLogin[];
  /** Closes the inbox, the stores and the Redis connections; the HTTP server is the caller's. */
  close(): Promise<void>;
}

/**
 * Headers for every answer of the site. The guard's pages replace the CSP with their own (just as
 * strict), since they carry their own stylesheet.
 */
const securityHeaders: Middleware = async (ctx, next) => {
  ctx.set({
    'Content-Security-Policy': SITE_CSP,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'same-origin',
    'Cross-Origin-Opener-Policy': 'same-origin',
    // Pages show who is signed in and, in dev mode, mailed codes: no cache may keep them.
    'Cache-Control': 'no-store',
  });
  await next();
};

/** The last word on errors: a plain page that never shows the error itself (it may hold internals). */
const errorPages: Middleware = async (ctx, next) => {
  try {
    await next();
  } catch (err) {
    const status = (err as { status?: unknown } | null)?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // A body the parser refused (too big, malformed): the client's mistake, nothing to log.
      return sendPage(ctx, status, messagePage(pageContext(ctx), 'Bad request', 'That request could not be read.'));
    }
    if (isProtectimusError(err, 'STORE_UNAVAILABLE')) {
      return sendPage(ctx, 503, messagePage(pageContext(ctx), 'Unavailable', 'The site cannot reach its data right now. Try again in a moment.'));
    }
    console.error(err);
    sendPage(ctx, 500, messagePage({ user: null, csrf: '', devInbox: false }, 'Something went wrong', 'The page could not be shown. Try again in a moment.'));
  }
};

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
    const mailRoute: MailRoute = inbox ? { kind: 'dev-inbox' } : { kind: 'smtp', server: redactUrl(transport) };
    const limits: Limits = { ttl: pm.otp.ttl, maxAttempts: pm.otp.maxAttempts, verifiedFor: DEFAULT_VERIFIED_FOR };

    const app = new Koa();
    // A random key signs cookies for this process only: restarting signs everybody out.
    app.keys = [config.sessionSecret ?? randomBytes(32).toString('base64url')];
    // The sign-in lasts as long as the guard's verification (its default), so both end together.
    const sessions = createSessions(app, { redisUrl: config.redisUrl, redisPrefix: config.redisPrefix, maxAgeSeconds: DEFAULT_VERIFIED_FOR });
    closers.push(() => sessions.close());
    const authenticator = createAuthenticator(accounts);

    app.use(errorPages);
    app.use(securityHeaders);
    const assets = new Router();
    assets.get(STYLESHEET_PATH, (ctx) => {
      ctx.type = 'css';
      ctx.set('Cache-Control', 'public, max-age=3600');
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
    home.get('/', (ctx) => sendPage(ctx, 200, homePage(pageContext(ctx), demoLogins, mailRoute, limits)));
    app.use(home.routes());
    app.use(authRoutes(authenticator).routes());
    // Everything under /account: password first (requireSignIn), then the mailed code (the guard).
    const guard = protectimusMail({ protectimus: pm, resource: ACCOUNT_RESOURCE, mountPath: '/account' });
    app.use(accountRoutes(pm, { signIn: requireSignIn, guard }).routes());
    if (inbox) app.use(devInboxRoutes(inbox).routes());

    app.use((ctx) => sendPage(ctx, 404, messagePage(pageContext(ctx), 'Not found', 'There is no page at this address.')));
    return { app, pm, inbox, demoLogins, close };
  } catch (err) {
    await close();
    throw err;
  }
}
