/**
 * The one-line koa-passport case: `app.use(protectimusMail({ enroll: true }))` on a Koa +
 * koa-passport + passport-local app whose users have an email, with no environment. Each
 * signed-in user gets a mail token at their address, confirmed by the first code. `/tokens`,
 * behind the guard, is the administrator's view of `defaultProtectimus().tokens.list()`.
 */
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa from 'koa';
import passport from 'koa-passport';
import session from 'koa-session';
import { defaultProtectimus, protectimusDevInbox, protectimusMail } from '@protectimus-mail/koa';
import { deserializeUser, localStrategy, serializeUser, shown } from './users';

passport.use(localStrategy());
passport.serializeUser(serializeUser);
passport.deserializeUser(deserializeUser);

const app = new Koa();
app.keys = ['scratch-session-key'];
app.use(session(app));
app.use(passport.initialize());
app.use(passport.session());
const signIn = new Router();
signIn.post('/login', bodyParser(), passport.authenticate('local'), (ctx) => {
  ctx.body = { ok: true };
});
app.use(signIn.routes());
if (process.env.NODE_ENV !== 'production') app.use(protectimusDevInbox());

app.use(protectimusMail({ enroll: true }));

const pages = new Router();
pages.get('/account', (ctx) => {
  ctx.body = { page: 'account', user: shown(ctx.state.user) };
});
pages.get('/tokens', async (ctx) => {
  const { items } = await defaultProtectimus().tokens.list();
  ctx.body = items.map((t) => ({ email: t.email, userId: t.userId, confirmed: t.confirmedAt !== null }));
});
app.use(pages.routes());

const port = Number(process.env.PORT ?? 3000);
app.listen(port, '127.0.0.1', () => console.log(`listening on ${port}`));
