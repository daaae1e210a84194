/**
 * What this site shares with the Express example, which has no Express in it: the accounts and
 * their passwords, the dev inbox, the settings, the pages, the demo seed and the protectimus-mail
 * instance. Taken from that example's build rather than copied; the one place to change when
 * these move to a package of their own.
 */
export { Accounts, type SiteUser } from '@protectimus-mail/example-express-app/dist/accounts';
export { checkConfig, configFromEnv, redactUrl, type SiteConfig } from '@protectimus-mail/example-express-app/dist/config';
export { DevInbox } from '@protectimus-mail/example-express-app/dist/inbox';
export { SITE_CSP, STYLESHEET, STYLESHEET_PATH, type PageContext } from '@protectimus-mail/example-express-app/dist/layout';
export {
  accountPage,
  homePage,
  inboxPage,
  messagePage,
  settingsPage,
  signInPage,
  type Limits,
  type MailRoute,
  type SignInView,
} from '@protectimus-mail/example-express-app/dist/pages';
export { MAX_PASSWORD_LENGTH } from '@protectimus-mail/example-express-app/dist/passwords';
export { createSecondFactor } from '@protectimus-mail/example-express-app/dist/second-factor';
export { ACCOUNT_RESOURCE, seedDemo, type DemoLogin } from '@protectimus-mail/example-express-app/dist/seed';
