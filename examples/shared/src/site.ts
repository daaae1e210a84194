import type { RequestListener } from 'node:http';
import { DEFAULT_VERIFIED_FOR, type Protectimus } from '@protectimus-mail/core';
import { Accounts } from './accounts';
import { checkConfig, redactUrl, type SiteConfig } from './config';
import { DevInbox } from './inbox';
import type { PageContext } from './layout';
import { siteMetrics, type SiteMetrics } from './metrics';
import { homePage, signInPage, type Limits, type MailRoute, type SignInView } from './pages';
import { createSecondFactor } from './second-factor';
import { seedDemo, type DemoLogin } from './seed';

/** A built site: the framework's app and what it runs on, for `main` to print and tests to drive. */
export interface Site<App> {
  app: App;
  /** The app as a Node request handler: what `listen` and supertest take. */
  handler: RequestListener;
  pm: Protectimus;
  /** The in-process inbox in dev mode (no `SMTP_URL`), else null. */
  inbox: DevInbox | null;
  demoLogins: DemoLogin[];
  /** Closes the inbox, the stores and the Redis connections; the HTTP server is the caller's. */
  close(): Promise<void>;
}

/** What a framework binding builds its app on: everything but the web framework. */
export interface SiteParts {
  pm: Protectimus;
  /** The in-process inbox in dev mode (no `SMTP_URL`), else null: mount `/dev/inbox` only when set. */
  inbox: DevInbox | null;
  /** `GET /metrics` (Prometheus text format), outside production only: mount it only when set. */
  metrics: SiteMetrics | null;
  /** The site's own first factor, seeded with the demo logins (and the demo password, when on). */
  accounts: Accounts;
  /** The home page of this site: its demo logins, where the codes go, the limits in force. */
  homePage(ctx: PageContext): string;
  /** The sign-in form of this site, which names the demo password when it is on. */
  signInPage(ctx: PageContext, view: SignInView): string;
  /** Something more for `close()` to close, before what the site opened earlier. */
  onClose(fn: () => Promise<void> | void): void;
}

/**
 * Builds a site from `config`: refuses unsafe production settings, starts the dev inbox unless an
 * SMTP server is configured, makes the protectimus-mail instance, seeds the demo users, then lets
 * `assemble` put the framework's app on top. Listening is left to the caller (port 0 in tests).
 * If anything fails on the way, what was started is closed again.
 */
export async function buildSite<App>(config: SiteConfig, assemble: (parts: SiteParts) => { app: App; handler: RequestListener }): Promise<Site<App>> {
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
    const metrics = config.production ? null : siteMetrics(pm);
    if (metrics) closers.push(() => metrics.stop());
    // The demo password lets the logins an admin creates in the panel sign in (docs in the README).
    const accounts = new Accounts(config.demoPassword === null ? null : { directory: pm, password: config.demoPassword });
    const demoLogins = await seedDemo(pm, accounts, config.demoEmails);
    const mailRoute: MailRoute = inbox ? { kind: 'dev-inbox' } : { kind: 'smtp', server: redactUrl(transport) };
    const limits: Limits = { ttl: pm.otp.ttl, maxAttempts: pm.otp.maxAttempts, verifiedFor: DEFAULT_VERIFIED_FOR };

    const { app, handler } = assemble({
      pm,
      inbox,
      metrics,
      accounts,
      homePage: (ctx) => homePage(ctx, demoLogins, mailRoute, limits, config.demoPassword),
      signInPage: (ctx, view) => signInPage(ctx, { ...view, demoPassword: config.demoPassword }),
      onClose: (fn) => closers.push(fn),
    });
    return { app, handler, pm, inbox, demoLogins, close };
  } catch (err) {
    await close();
    throw err;
  }
}
