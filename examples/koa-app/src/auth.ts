import Router from '@koa/router';
import { prefersHtml, safeReturnTo } from '@protectimus-mail/core';
import type { Context, Middleware } from 'koa';
import passport from 'koa-passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { csrfToken, csrfValid } from './csrf';
import { pageContext, seeOther, sendPage } from './page-context';
import { MAX_PASSWORD_LENGTH, messagePage, signInPage, type Accounts, type SignInView, type SiteUser } from './shared';

export type Authenticator = InstanceType<typeof passport.KoaPassport>;

const MAX_LOGIN_LENGTH = 100;

/**
 * A koa-passport of its own (not the module's shared one), so two sites in one process (the
 * tests) do not share strategies or user lookups.
 */
export function createAuthenticator(accounts: Accounts): Authenticator {
  const authenticator = new passport.KoaPassport();
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

function signInForm(ctx: Context, status: number, view: SignInView): void {
  sendPage(ctx, status, signInPage({ ...pageContext(ctx), csrf: csrfToken(ctx) }, view));
}

/**
 * Sends a browser that is not signed in to the sign-in page, remembering where it was going.
 * Other requests go on to the guard, which answers them `401 unauthenticated` in its protocol.
 */
export const requireSignIn: Middleware = (ctx, next) => {
  const browserGet = (ctx.method === 'GET' || ctx.method === 'HEAD') && prefersHtml(ctx.get('accept'));
  if (ctx.state.user || !browserGet) return next();
  const target = safeReturnTo(ctx.originalUrl);
  seeOther(ctx, target ? `/sign-in?next=${encodeURIComponent(target)}` : '/sign-in');
  return Promise.resolve();
};

/** `GET /sign-in`, `POST /sign-in` and `POST /sign-out`. */
export function authRoutes(authenticator: Authenticator): Router {
  const router = new Router();

  router.get('/sign-in', (ctx) => {
    const next = safeReturnTo(ctx.query.next);
    if (ctx.state.user) return seeOther(ctx, next ?? '/account');
    signInForm(ctx, 200, { next });
  });

  router.post('/sign-in', async (ctx, next) => {
    const body = ((ctx.request as { body?: unknown }).body ?? {}) as Record<string, unknown>;
    const target = safeReturnTo(body.next);
    const login = typeof body.login === 'string' ? body.login.slice(0, MAX_LOGIN_LENGTH) : '';
    if (!csrfValid(ctx)) return signInForm(ctx, 403, { next: target, login, error: 'This form had expired. Please sign in again.' });
    await authenticator.authenticate('local', async (err: unknown, user: SiteUser | false) => {
      if (err) throw err;
      // One message for an unknown login and a wrong password, so the form does not reveal which logins exist.
      if (!user) return signInForm(ctx, 401, { next: target, login, error: 'Wrong login or password.' });
      // Passport 0.6 regenerates the session here (koa-session's regenerate), so an id planted before sign-in is worthless after.
      await ctx.login(user);
      seeOther(ctx, target ?? '/account');
    })(ctx, next);
  });

  router.post('/sign-out', async (ctx) => {
    if (!csrfValid(ctx)) {
      return sendPage(ctx, 403, messagePage(pageContext(ctx), 'Form expired', 'That sign-out form had expired. Reload the page and try again.'));
    }
    await ctx.logout();
    // koa-session's regenerate keeps the data, so Passport's logout alone would leave the second
    // factor's verification in the session: drop the whole session instead.
    (ctx as unknown as { session: unknown }).session = null;
    seeOther(ctx, '/');
  });

  return router;
}
