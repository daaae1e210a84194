import { guardRunner, type CommonGuardOptions } from '@protectimus-mail/core/adapter';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { defaultLogin, type LoginOf, guardRequestOf, writeAnswer, grantInNewSession, sessionOf } from './binding';

/** Options of {@link protectimusMail}: those of every adapter (`protectimus`, `resource`, `verifiedFor`, `onError`, `area`, `enroll`) and `user`. */
export interface ProtectimusMailOptions extends CommonGuardOptions<Request> {
  /**
   * The login of the user who passed the first factor, or null/undefined for nobody. Default:
   * `req.user.login`, else `username`, else `id` (Passport's `req.user`), as a string.
   */
  user?: LoginOf;
}

const NO_SESSION = 'protectimusMail needs express-session (or another session middleware) before it';

/**
 * The second-factor guard as Express middleware. Mount it where the protected pages are, in the
 * same `app.use` as they are (`app.use('/billing', protectimusMail({ resource: 'billing' }), pages)`),
 * or app-wide with the area it guards (`app.use(protectimusMail({ resource: 'billing', area:
 * '/billing' }))`, which guards every spelling of `/billing/...` whatever the routers match). It
 * passes a session verified for the resource on to the app, and otherwise answers with the
 * protocol of docs/design.md (a code mailed, the code form, `<mount>/_otp/verify` and
 * `<mount>/_otp/resend`). Needs a session middleware and, before it, the first factor.
 */
export function protectimusMail(options: ProtectimusMailOptions = {}): RequestHandler {
  const run = guardRunner<Request>(options, {
    noSession: NO_SESSION,
    session: sessionOf,
    login: options.user ?? defaultLogin,
    user: (req) => (req as { user?: unknown }).user,
    url: (req) => req.originalUrl,
    routedUrl: (req) => req.baseUrl + req.url,
    request: guardRequestOf,
    grant: (req, _session, grant) => grantInNewSession(req, grant),
  });

  async function answer(req: Request, res: Response, next: NextFunction): Promise<void> {
    const decided = await run(req);
    // The app's own errors (in `next`) are the app's, handled by Express, not a 503 of the guard.
    if (decided.action === 'next') return next();
    writeAnswer(res, decided);
  }

  // Not async: a verified session passes without a promise, the guard's common case.
  return function protectimusMailGuard(req, res, next) {
    if (run.passes(req)) return next();
    return answer(req, res, next);
  };
}
