import { safeReturnTo } from '@protectimus-mail/core';
import { signIn, signOutExpiredPage, type Accounts, type SignInView, type SiteParts, type SiteUser } from '@protectimus-mail/example-shared';
import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import passport from 'passport';
import { csrfToken, csrfValid, pageContext, sendPage } from './page-context';

export type Authenticator = passport.Authenticator;

/** A Passport of the site's own, checking passwords against `accounts`. */
export function createAuthenticator(accounts: Accounts): Authenticator {
  return signIn.withAccounts(new passport.Passport(), accounts);
}


/** Sends a browser that is not signed in to the sign-in page; other requests go on to the guard. */
export const requireSignIn: RequestHandler = (req, res, next) => {
  const location = signIn.redirect({ method: req.method, accept: req.get('accept'), url: req.originalUrl, signedIn: Boolean(req.user) });
  if (location) res.redirect(303, location);
  else next();
};

/** `GET /sign-in`, `POST /sign-in` and `POST /sign-out`; the form is the site's `signInPage`. */
export function authRoutes(authenticator: Authenticator, signInPage: SiteParts['signInPage']): Router {
  const router = Router();
  const signInForm = (req: Request, res: Response, status: number, view: SignInView): void =>
    sendPage(res, status, signInPage({ ...pageContext(req, res), csrf: csrfToken(req) }, view));

  router.get('/sign-in', (req, res) => {
    const next = safeReturnTo(req.query.next);
    if (req.user) return res.redirect(303, next ?? signIn.DEFAULT_NEXT);
    signInForm(req, res, 200, { next });
  });

  router.post('/sign-in', (req: Request, res: Response, fail: NextFunction) => {
    const { next, login } = signIn.readForm(req.body);
    if (!csrfValid(req)) return signInForm(req, res, 403, { next, login, error: signIn.EXPIRED });
    authenticator.authenticate('local', (err: unknown, user: SiteUser | false) => {
      if (err) return fail(err);
      if (!user) return signInForm(req, res, 401, { next, login, error: signIn.WRONG });
      // Passport 0.6+ regenerates the session here, so an id planted before sign-in is worthless after.
      req.login(user, (loginErr: unknown) => {
        if (loginErr) return fail(loginErr);
        res.redirect(303, next ?? signIn.DEFAULT_NEXT);
      });
    })(req, res, fail);
  });

  router.post('/sign-out', (req, res, fail) => {
    if (!csrfValid(req)) return sendPage(res, 403, signOutExpiredPage(pageContext(req, res)));
    // Passport drops the user and regenerates the session, which also ends the second factor's verification.
    req.logout((err: unknown) => (err ? fail(err) : res.redirect(303, '/')));
  });

  return router;
}
