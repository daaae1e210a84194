/**
 * The sign-in both sites share, as `signIn.*`: the accounts behind Passport's `local` strategy, the
 * gate in front of the protected area, and the sign-in form's fields and messages.
 */
import { prefersHtml, safeReturnTo } from '@protectimus-mail/core';
import type { Authenticator } from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import type { Accounts, SiteUser } from './accounts';
import { MAX_PASSWORD_LENGTH } from './passwords';

const MAX_LOGIN_LENGTH = 100;

/** Where a sign-in goes when it was not sent from a page it should go back to. */
export const DEFAULT_NEXT = '/account';
/** The sign-in form's error when its CSRF token is not this session's. */
export const EXPIRED = 'This form had expired. Please sign in again.';
/** One message for an unknown login and a wrong password, so the form does not reveal which logins exist. */
export const WRONG = 'Wrong login or password.';

/** What of Passport (or koa-passport, which has the same methods) the accounts are plugged into. */
type PassportLike = Pick<Authenticator, 'serializeUser' | 'deserializeUser'> & { use(strategy: LocalStrategy): unknown };

/**
 * Plugs the site's accounts into `authenticator`, which should be a Passport of the site's own (not
 * the module's shared one), so two sites in one process (the tests) do not share strategies or
 * user lookups: the `local` strategy checks the login and password posted by the sign-in form
 * (a site account's own password, or the demo password of an admin-created login: `Accounts`).
 */
export function withAccounts<P extends PassportLike>(authenticator: P, accounts: Accounts): P {
  authenticator.use(
    new LocalStrategy({ usernameField: 'login', passwordField: 'password' }, (login, password, done) => {
      if (login.length > MAX_LOGIN_LENGTH || password.length > MAX_PASSWORD_LENGTH) return done(null, false);
      accounts.verify(login, password).then((user) => done(null, user ?? false), done);
    }),
  );
  // Only a key goes into the session (the login, or the directory id of an admin-created user); the
  // rest is looked up on each request, so a removed account or user stops working at once.
  authenticator.serializeUser((user, done) => done(null, accounts.sessionKey(user as SiteUser)));
  authenticator.deserializeUser((key: unknown, done) => {
    if (typeof key !== 'string') return done(null, false);
    accounts.find(key).then((user) => done(null, user ?? false), done);
  });
  return authenticator;
}

/**
 * Where the sign-in gate sends a request, or null to let it go on: a browser that is not signed
 * in goes to the sign-in page, which remembers where it was going. Other requests go on to the
 * guard, which answers them `401 unauthenticated` in its protocol.
 */
export function redirect(req: { method: string; accept: string | undefined; url: string; signedIn: boolean }): string | null {
  const browserGet = (req.method === 'GET' || req.method === 'HEAD') && prefersHtml(req.accept);
  if (req.signedIn || !browserGet) return null;
  const target = safeReturnTo(req.url);
  return target ? `/sign-in?next=${encodeURIComponent(target)}` : '/sign-in';
}

/** The posted sign-in form's return address (a path on this site, or null) and login, to show the form again. */
export function readForm(body: unknown): { next: string | null; login: string } {
  const fields = (body ?? {}) as Record<string, unknown>;
  return { next: safeReturnTo(fields.next), login: typeof fields.login === 'string' ? fields.login.slice(0, MAX_LOGIN_LENGTH) : '' };
}
