import { adminRunner, type AdminRequest, type CommonAdminOptions } from '@protectimus-mail/admin';
import { flatQuery, readBody } from '@protectimus-mail/core/adapter';
import type { Request, RequestHandler } from 'express';
import { parsedBody, writeAnswer, sessionOf } from './binding';

/**
 * Options of {@link protectimusAdmin}: `protectimus` (default: the shared `defaultProtectimus()`),
 * `authorize(req)` (required; e.g. `(req) => req.user?.role === 'admin'`), `actor(req)` (the name
 * the audit log records on each change; default `req.user.login`, else `username`, else `id`)
 * and `onError`.
 */
export type ProtectimusAdminOptions = CommonAdminOptions<Request>;

function adminRequestOf(req: Request, session: Record<string, unknown>, authorized: boolean): AdminRequest {
  return {
    method: req.method,
    path: req.path,
    mountPath: req.baseUrl,
    query: flatQuery(req.query),
    headers: { accept: req.headers.accept, contentType: req.headers['content-type'], csrf: req.get('x-csrf-token') },
    body: parsedBody(req),
    readRawBody: (limit) => readBody(req, limit),
    session,
    authorized,
  };
}

/**
 * The admin API and panel of docs/design.md ("Admin") as Express middleware:
 * `app.use('/admin', protectimusAdmin({ authorize: (req) => req.user?.role === 'admin' }))`.
 * Needs a session middleware (the CSRF token lives in the session) and, before it, whatever
 * tells who the user is. Throws at creation without `authorize`.
 */
export function protectimusAdmin(options: ProtectimusAdminOptions): RequestHandler {
  const run = adminRunner<Request>(options, {
    session: sessionOf,
    request: adminRequestOf,
    user: (req) => (req as { user?: unknown }).user,
  });
  return (req, res) => {
    void run(req).then((answer) => writeAnswer(res, answer));
  };
}
