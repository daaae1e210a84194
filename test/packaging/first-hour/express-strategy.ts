/**
 * `ProtectimusMailStrategy` after passport-local, as packages/express/README.md shows it: the
 * code is the second step of the sign-in, the app's `req.user` is kept, and the session it
 * verifies passes the guard on the same resource. No environment: the development default.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import passport from 'passport';
import { defaultProtectimus, protectimusDevInbox, protectimusMail, ProtectimusMailStrategy } from '@protectimus-mail/express';
import { deserializeUser, localStrategy, serializeUser, shown } from './users';

passport.use(localStrategy());
passport.use(new ProtectimusMailStrategy({ resource: 'billing' }));
passport.serializeUser(serializeUser);
passport.deserializeUser(deserializeUser);

const app = express();
app.use(session({ secret: 'scratch-session-secret', resave: false, saveUninitialized: false }));
app.use(passport.session());
if (process.env.NODE_ENV !== 'production') app.get('/dev/inbox', protectimusDevInbox());

app.post('/login', express.json(), passport.authenticate('local'), (_req, res) => {
  res.json({ ok: true });
});
app.post('/login/otp', express.json(), passport.authenticate('protectimus-mail', { failWithError: true }), (req, res) => {
  res.json({ ok: true, user: shown(req.user) });
});
app.use('/billing', protectimusMail({ resource: 'billing' }));
app.get('/billing/invoices', (req, res) => {
  res.json({ page: 'invoices', user: shown(req.user) });
});

// Passport hands an error handler only the status; the strategy left the protocol's body in req.authInfo.
app.use((err: { name?: string; status?: number }, req: Request, res: Response, next: NextFunction) => {
  if (err.name !== 'AuthenticationError') return next(err);
  res.status(err.status ?? 401).json(req.authInfo ?? { error: 'unauthenticated' });
});

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
