/**
 * `app.use(protectimusMail())` on an Express + Passport app, with no options and no environment:
 * the guard protects the resource 'default' on the development default; the administrator's step
 * (alice's mail token on 'default') is done on that same instance, `defaultProtectimus()`.
 */
import express from 'express';
import session from 'express-session';
import passport from 'passport';
import { defaultProtectimus, protectimusDevInbox, protectimusMail } from '@protectimus-mail/express';
import { deserializeUser, localStrategy, serializeUser, shown } from './users';

passport.use(localStrategy());
passport.serializeUser(serializeUser);
passport.deserializeUser(deserializeUser);

const app = express();
app.use(express.json());
app.use(session({ secret: 'scratch-session-secret', resave: false, saveUninitialized: false }));
app.use(passport.session());
app.post('/login', passport.authenticate('local'), (_req, res) => {
  res.json({ ok: true });
});
if (process.env.NODE_ENV !== 'production') app.get('/dev/inbox', protectimusDevInbox());

app.use(protectimusMail());

app.get('/account', (req, res) => {
  res.json({ page: 'account', user: shown(req.user) });
});

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
