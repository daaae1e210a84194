import Router from '@koa/router';
import { safeReturnTo } from '@protectimus-mail/core';
import { signIn, signOutExpiredPage, type Accounts, type SignInView, type SiteParts, type SiteUser } from '@protectimus-mail/example-shared';
import type { Context, Middleware } from 'koa';
import passport from 'koa-passport';
import { csrfToken, csrfValid, pageContext, seeOther, sendPage } from './page-context';

export type Authenticator = InstanceType<typeof passport.KoaPassport>;

/** A koa-passport of the site's own, checking passwords against `accounts`. */
export function createAuthenticator(accounts: Accounts): Authenticator {
  return signIn.withAccounts(new passport.KoaPassport(), accounts);
}


/** Sends a browser that is not signed in to the sign-in page; other requests go on to the guard. */
export const requireSignIn: Middleware = (ctx, next) => {
  const location = signIn.redirect({ method: ctx.method, accept: ctx.get('accept'), url: ctx.originalUrl, signedIn: Boolean(ctx.state.user) });
  if (!location) return next();
  seeOther(ctx, location);
  return Promise.resolve();
};

/** `GET /sign-in`, `POST /sign-in` and `POST /sign-out`; the form is the site's `signInPage`. */
export function authRoutes(authenticator: Authenticator, signInPage: SiteParts['signInPage']): Router {
  const router = new Router();
  const signInForm = (ctx: Context, status: number, view: SignInView): void =>
    sendPage(ctx, status, signInPage({ ...pageContext(ctx), csrf: csrfToken(ctx) }, view));

  router.get('/sign-in', (ctx) => {
    const next = safeReturnTo(ctx.query.next);
    if (ctx.state.user) return seeOther(ctx, next ?? signIn.DEFAULT_NEXT);
    signInForm(ctx, 200, { next });
  });

  router.post('/sign-in', async (ctx, next) => {
    const form = signIn.readForm((ctx.request as { body?: unknown }).body);
    if (!csrfValid(ctx)) return signInForm(ctx, 403, { ...form, error: signIn.EXPIRED });
    await authenticator.authenticate('local', async (err: unknown, user: SiteUser | false) => {
      if (err) throw err;
      if (!user) return signInForm(ctx, 401, { ...form, error: signIn.WRONG });
      // Passport 0.6 regenerates the session here (koa-session's regenerate), so an id planted before sign-in is worthless after.
      await ctx.login(user);
      seeOther(ctx, form.next ?? signIn.DEFAULT_NEXT);
    })(ctx, next);
  });

  router.post('/sign-out', async (ctx) => {
    if (!csrfValid(ctx)) return sendPage(ctx, 403, signOutExpiredPage(pageContext(ctx)));
    await ctx.logout();
    // koa-session's regenerate keeps the data, so Passport's logout alone would leave the second
    // factor's verification in the session: drop the whole session instead.
    (ctx as unknown as { session: unknown }).session = null;
    seeOther(ctx, '/');
  });

  return router;
}
