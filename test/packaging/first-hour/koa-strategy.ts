/**
 * `ProtectimusMailStrategy` under koa-passport after passport-local, as packages/koa/README.md
 * shows it: the code is the second step of the sign-in, `ctx.state.user` is kept, and the session
 * it verifies passes the guard on the same resource. No environment: the development default.
 */
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa from 'koa';
import passport from 'koa-passport';
import session from 'koa-session';
import { defaultProtectimus, protectimusDevInbox, protectimusMail, ProtectimusMailStrategy } from '@protectimus-mail/koa';
import { deserializeUser, localStrategy, serializeUser, shown } from './users';

const app = new Koa();
app.keys = ['scratch-session-key'];
// koa-passport throws Passport's AuthenticationError with failWithError; the body is in ctx.state.authInfo.
app.use(async (ctx, next) => {
  try {
    await next();
  } catch (err) {
    if ((err as { name?: string }).name !== 'AuthenticationError') throw err;
    ctx.status = (err as { status?: number }).status ?? 401;
    ctx.body = ctx.state.authInfo ?? { error: 'unauthenticated' };
  }
});
app.use(session(app));
passport.use(localStrategy());
passport.use(new ProtectimusMailStrategy({ resource: 'billing' })); // registered as 'protectimus-mail'
passport.serializeUser(serializeUser);
passport.deserializeUser(deserializeUser);
app.use(passport.initialize());
app.use(passport.session());
if (process.env.NODE_ENV !== 'production') app.use(protectimusDevInbox());
app.use(protectimusMail({ resource: 'billing', area: '/billing' }));

const router = new Router();
router.post('/login', bodyParser(), passport.authenticate('local'), (ctx) => {
  ctx.body = { ok: true };
});
router.post('/login/otp', bodyParser(), passport.authenticate('protectimus-mail', { failWithError: true }), (ctx) => {
  ctx.body = { ok: true, user: shown(ctx.state.user) };
});
router.get('/billing/invoices', (ctx) => {
  ctx.body = { page: 'invoices', user: shown(ctx.state.user) };
});
app.use(router.routes());

async function main(): Promise<void> {
  // The administrator's step: alice's mail token on 'billing'.
  const pm = defaultProtectimus();
  const alice = await pm.users.create({ login: 'alice', email: 'alice@example.com' });
  const token = await pm.users.createAndAssignToken(alice.id, { name: 'Alice mail', email: 'alice@example.com' });
  const billing = await pm.resources.create({ name: 'billing' });
  await pm.resources.assignTokenWithUser(billing.id, token.id);
  const port = Number(process.env.PORT ?? 3000);
  app.listen(port, '127.0.0.1', () => console.log(`listening on ${port}`));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
