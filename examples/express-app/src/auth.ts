import { prefersHtml, safeReturnTo } from '@protectimus-mail/core';
import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import type { Accounts, SiteUser } from './accounts';
import { csrfToken, csrfValid } from './csrf';
import { pageContext, sendPage } from './page-context';
import { messagePage, signInPage } from './pages';
import { MAX_PASSWORD_LENGTH } from './passwords';

export type Authenticator = passport.Authenticator;

const MAX_LOGIN_LENGTH = 100;

/**
 * A Passport of its own (not the module's shared one), so two sites in one process (the tests)
 * do not share strategies or user lookups.
 */
export function createAuthenticator(accounts: Accounts): Authenticator {
  const authenticator = new passport.Passport();
  authenticator.use(
    new LocalStrategy({ usernameField: 'login', passwordField: 'password' }, (login, password, done) => {
      if (login.length > MAX_LOGIN_LENGTH || password.length > MAX_PASSWORD_LENGTH) return done(null, false);
      accounts.verify(login, password).then((user) => done(null, user ?? false), done);
    }),
  );
  // Only the login goes into the session; the rest is looked up on each request, so a removed
  // account stops working at once.
  authenticator.serializeUser((user, done) => done(null, (user as SiteUser).login));
  authenticator.deserializeUser((login: unknown, done) => done(null, typeof login === 'string' ? (accounts.find(login) ?? false) : false));
  return authenticator;
}

function signInForm(req: Request, res: Response, status: number, view: { next: string | null; login?: string; error?: string }): void {
  sendPage(res, status, signInPage({ ...pageContext(req, res), csrf: csrfToken(req) }, view));
}

/**
 * Sends a browser that is not signed in to the sign-in page, remembering where it was going.
 * Other requests go on to the guard, which answers them `401 unauthenticated` in its protocol.
 */
export const requireSignIn: RequestHandler = (req, res, next) => {
  const browserGet = (req.method === 'GET' || req.method === 'HEAD') && prefersHtml(req.get('accept'));
  if (req.user || !browserGet) return next();
  const target = safeReturnTo(req.originalUrl);
  res.redirect(303, target ? `/sign-in?next=${encodeURIComponent(target)}` : '/sign-in');
};

/** `GET /sign-in`, `POST /sign-in` and `POST /sign-out`. */
export function authRoutes(authenticator: Authenticator): Router {
  const router = Router();

  router.get('/sign-in', (req, res) => {
    const next = safeReturnTo(req.query.next);
    if (req.user) return res.redirect(303, next ?? '/account');
    signInForm(req, res, 200, { next });
  });

  router.post('/sign-in', (req: Request, res: Response, fail: NextFunction) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const next = safeReturnTo(body.next);
    const login = typeof body.login === 'string' ? body.login.slice(0, MAX_LOGIN_LENGTH) : '';
    if (!csrfValid(req)) {
      return signInForm(req, res, 403, { next, login, error: 'This form had expired. Please sign in again.' });
    }
    authenticator.authenticate('local', (err: unknown, user: SiteUser | false) => {
      if (err) return fail(err);
      // One message for an unknown login and a wrong password, so the form does not reveal which logins exist.
      if (!user) return signInForm(req, res, 401, { next, login, error: 'Wrong login or password.' });
      // Passport 0.6+ regenerates the session here, so an id planted before sign-in is worthless after.
      req.login(user, (loginErr: unknown) => {
        if (loginErr) return fail(loginErr);
        res.redirect(303, next ?? '/account');
      });
    })(req, res, fail);
  });

  router.post('/sign-out', (req, res, fail) => {
    if (!csrfValid(req)) {
      return sendPage(res, 403, messagePage(pageContext(req, res), 'Form expired', 'That sign-out form had expired. Reload the page and try again.'));
    }
    // Passport drops the user and regenerates the session, which also ends the second factor's verification.
    req.logout((err: unknown) => (err ? fail(err) : res.redirect(303, '/')));
  });

  return router;
}
