import express, { type Express } from 'express';
import session from 'express-session';
import type { GuardEngine } from '@protectimus-mail/core/adapter';
import { protectimusMail } from '@protectimus-mail/express';

/** An Express app with a stand-in first factor and one guarded area, as a site would mount it. */
export interface GuardedExpressApp {
  app: Express;
  /** Requests the guard let through to the protected handler. */
  passes: number;
  /** Errors the guard reported through `onError` (each answered 503). */
  errors: unknown[];
}

/**
 * `POST /login {"login"}` is the first factor (it puts the user in the session; a real site checks
 * a password). `/area` is guarded by `protectimusMail` on `resource`; its handler counts passes.
 * With `parseBodies`, the app parses JSON and forms
 * itself before the guard (otherwise the guard reads the body on its own URLs).
 */
export function guardedExpressApp(pm: GuardEngine, opts: { resource: string; parseBodies?: boolean }): GuardedExpressApp {
  const app = express();
  const state: GuardedExpressApp = { app, passes: 0, errors: [] };
  app.use(session({ secret: 'test-session-secret', resave: false, saveUninitialized: false, name: 'sid' }));
  app.post('/login', express.json(), (req, res) => {
    const login = (req.body as { login?: unknown } | undefined)?.login;
    if (typeof login !== 'string' || login === '') {
      res.status(400).json({ error: 'login required' });
      return;
    }
    (req.session as unknown as Record<string, unknown>).user = { login };
    res.json({ ok: true });
  });
  app.use((req, _res, next) => {
    const user = (req.session as unknown as Record<string, unknown> | undefined)?.user;
    if (user) (req as { user?: unknown }).user = user;
    next();
  });
  if (opts.parseBodies) {
    app.use(express.json());
    app.use(express.urlencoded({ extended: false }));
  }
  const handler: express.RequestHandler = (_req, res) => {
    state.passes += 1;
    res.json({ secret: 'the protected page' });
  };
  app.use('/area', protectimusMail({ protectimus: pm, resource: opts.resource, onError: (err) => state.errors.push(err) }), handler);
  return state;
}
