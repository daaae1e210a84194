import fastifyPassport from '@fastify/passport';
import { safeReturnTo } from '@protectimus-mail/core';
import { signIn, signOutExpiredPage, type Accounts, type SignInView, type SiteParts, type SiteUser } from '@protectimus-mail/example-shared';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { csrfToken, csrfValid, pageContext, seeOther, sendPage } from './page-context';

export type Authenticator = InstanceType<typeof fastifyPassport.Authenticator>;
type Strategy = NonNullable<ReturnType<Authenticator['strategy']>>;

type Done<T> = (err: unknown, value?: T) => void;

/**
 * A @fastify/passport of the site's own, checking passwords against `accounts`. The shared
 * `withAccounts` speaks Passport's callback API (`serializeUser(fn)`); @fastify/passport registers
 * promise-returning functions instead, so it gets them through this small translation.
 */
export function createAuthenticator(accounts: Accounts): Authenticator {
  const authenticator = new fastifyPassport.Authenticator();
  const asPassport = {
    use: (strategy: Strategy) => authenticator.use('local', strategy),
    serializeUser: (fn: (user: unknown, done: Done<unknown>) => void) =>
      authenticator.registerUserSerializer((user: unknown) => new Promise((resolve, reject) => fn(user, (err, key) => (err ? reject(err as Error) : resolve(key))))),
    deserializeUser: (fn: (key: unknown, done: Done<unknown>) => void) =>
      authenticator.registerUserDeserializer((key: unknown) => new Promise((resolve, reject) => fn(key, (err, user) => (err ? reject(err as Error) : resolve(user))))),
  };
  signIn.withAccounts(asPassport as unknown as Parameters<typeof signIn.withAccounts>[0], accounts);
  return authenticator;
}

/**
 * A preHandler that sends a browser that is not signed in to the sign-in page; other requests go
 * on to the guard.
 */
export function requireSignIn(request: FastifyRequest, reply: FastifyReply, done: () => void): void {
  const location = signIn.redirect({ method: request.method, accept: request.headers.accept, url: request.originalUrl, signedIn: Boolean(request.user) });
  if (location) void seeOther(reply, location);
  else done();
}

/** `GET /sign-in`, `POST /sign-in` and `POST /sign-out`; the form is the site's `signInPage`. */
export function authRoutes(app: FastifyInstance, authenticator: Authenticator, signInPage: SiteParts['signInPage'], devInbox: boolean): void {
  const signInForm = (request: FastifyRequest, reply: FastifyReply, status: number, view: SignInView): FastifyReply =>
    sendPage(reply, status, signInPage({ ...pageContext(request, devInbox), csrf: csrfToken(request) }, view));

  app.get('/sign-in', async (request, reply) => {
    const next = safeReturnTo((request.query as { next?: unknown }).next);
    if (request.user) return seeOther(reply, next ?? signIn.DEFAULT_NEXT);
    return signInForm(request, reply, 200, { next });
  });

  const local = authenticator.authenticate('local', async (request: FastifyRequest, reply: FastifyReply, err: Error | null, user?: unknown) => {
    if (err) throw err;
    const form = signIn.readForm(request.body);
    if (!user) return void signInForm(request, reply, 401, { ...form, error: signIn.WRONG });
    // @fastify/passport regenerates the session here (@fastify/session's regenerate), so an id planted before sign-in is worthless after.
    await request.logIn(user as SiteUser);
    return void seeOther(reply, form.next ?? signIn.DEFAULT_NEXT);
  });
  app.post('/sign-in', async function (request, reply) {
    if (!csrfValid(request)) return signInForm(request, reply, 403, { ...signIn.readForm(request.body), error: signIn.EXPIRED });
    await local.call(this, request, reply);
    return reply;
  });

  app.post('/sign-out', async (request, reply) => {
    if (!csrfValid(request)) return sendPage(reply, 403, signOutExpiredPage(pageContext(request, devInbox)));
    // @fastify/passport drops the user and regenerates the session, which also ends the second factor's verification.
    await request.logOut();
    return seeOther(reply, '/');
  });
}
