/**
 * @protectimus-mail/example-shared: what the Express and the Koa example sites have in common, with
 * no web framework in it. The site's accounts and passwords, its settings, the dev inbox, the
 * pages, the demo seed (alice the admin, bob a member), the protectimus-mail instance, and
 * `buildSite` and `runSite`, which build and start a site around the app a framework binding
 * assembles. Each example keeps only that binding: its routes (the admin panel's mount among
 * them), session middleware, Passport wiring and headers middleware.
 */
export { Accounts, type SiteRole, type SiteUser } from './accounts';
export { ADMIN_PATH, isAdmin, isMember } from './admin';
export { ACCOUNT_PAGES, renderAccountPage } from './account';
export { configFromEnv, type SiteConfig } from './config';
export { siteCsrfToken, siteCsrfValid } from './csrf';
export { errorPage } from './errors';
export { DevInbox, type ReceivedMail } from './inbox';
export { guardPageOptions, SECURITY_HEADERS, STYLESHEET, STYLESHEET_HEADERS, STYLESHEET_PATH, type PageContext } from './layout';
export { METRICS_PATH, type SiteMetrics } from './metrics';
export { inboxPage, notFoundPage, signInPage, signOutExpiredPage, type SignInView } from './pages';
export { runSite } from './run';
export { ACCOUNT_RESOURCE, type DemoLogin } from './seed';
export { listen, type Listening } from './server';
export { SESSION_COOKIE, SESSION_MAX_AGE_MS, sessionRedis, sessionSecret, type SessionRedis } from './sessions';
export * as signIn from './sign-in';
export { buildSite, type Site, type SiteParts } from './site';
