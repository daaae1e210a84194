/**
 * `app.use(protectimusMail())` on a Koa + koa-passport app, with no options and no environment:
 * the guard protects the resource 'default' on the development default; the administrator's step
 * (alice's mail token on 'default') is done on that same instance, `defaultProtectimus()`.
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

app.use(protectimusMail());

const pages = new Router();
pages.get('/account', (ctx) => {
  ctx.body = { page: 'account', user: shown(ctx.state.user) };
});
app.use(pages.routes());

async function main(): Promise<void> {
  const pm = defaultProtectimus();
  const alice = await pm.users.create({ login: 'alice', email: 'alice@example.com' });
  const token = await pm.users.createAndAssignToken(alice.id, { name: 'Alice mail', email: 'alice@example.com' });
  const resource = await pm.resources.create({ name: 'default' });
  await pm.resources.assignTokenWithUser(resource.id, token.id);
  const port = Number(process.env.PORT ?? 3000);
  app.listen(port, '127.0.0.1', () => console.log(`listening on ${port}`));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
