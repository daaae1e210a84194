/**
 * The one-line Passport case: `app.use(protectimusMail({ enroll: true }))` on an Express +
 * passport-local app whose users have an email, with no environment. Each signed-in user gets a
 * mail token at their address, confirmed by the first code. `/tokens`, behind the guard, is the
 * administrator's view of `defaultProtectimus().tokens.list()`.
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

app.use(protectimusMail({ enroll: true }));

app.get('/account', (req, res) => {
  res.json({ page: 'account', user: shown(req.user) });
});
app.get('/tokens', async (_req, res) => {
  const { items } = await defaultProtectimus().tokens.list();
  res.json(items.map((t) => ({ email: t.email, userId: t.userId, confirmed: t.confirmedAt !== null })));
});

const port = Number(process.env.PORT ?? 3000);
app.listen(port, '127.0.0.1', () => console.log(`listening on ${port}`));
