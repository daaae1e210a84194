import {
  ADMIN_NO_SESSION,
  adminInternalError,
  assertAuthorize,
  defaultProtectimus,
  flatQuery,
  handleAdmin,
  logGuardError,
  readBody,
  reportGuardError,
  type AdminRequest,
  type AdminResponse,
  type Protectimus,
} from '@protectimus-mail/core';
import type { Request, RequestHandler, Response } from 'express';

/** Options of {@link protectimusAdmin}. */
export interface ProtectimusAdminOptions {
  /** The instance to administer. Default: the one guards left on the default share (`defaultProtectimus()`). */
  protectimus?: Protectimus;
  /**
   * Whether this request may administer protectimus-mail: must return (or resolve to) `true`,
   * anything else is 403. Required: there is no open default. E.g. `(req) => req.user?.role === 'admin'`.
   */
  authorize: (req: Request) => boolean | Promise<boolean>;
  /** Told of errors the admin layer did not expect (answered 500). Default: one line on `console.error`. */
  onError?: (err: unknown) => void;
}

function adminRequestOf(req: Request, session: Record<string, unknown>, authorized: boolean): AdminRequest {
  return {
    method: req.method,
    path: req.path,
    mountPath: req.baseUrl,
    query: flatQuery(req.query),
    headers: { accept: req.headers.accept, contentType: req.headers['content-type'], csrf: req.get('x-csrf-token') },
    // Only a body whose stream was read to its end was parsed by the app; else the core reads it.
    body: req.body !== undefined && req.readableEnded ? (req.body as unknown) : undefined,
    readRawBody: (limit) => readBody(req, limit),
    session,
    authorized,
  };
}

/** Writes the answer as is: `end`, not `send`, so no ETag or 304 for a no-store answer. */
function write(res: Response, answer: AdminResponse): void {
  if (res.headersSent) return;
  res.status(answer.status);
  for (const [name, value] of Object.entries(answer.headers)) {
    if (name.toLowerCase() === 'vary') res.vary(value);
    else res.setHeader(name, value);
  }
  res.end(answer.body);
}

/**
 * The admin API and panel of DESIGN.md ("Admin") as Express middleware:
 * `app.use('/admin', protectimusAdmin({ authorize: (req) => req.user?.role === 'admin' }))`.
 * Needs a session middleware (the CSRF token lives in the session) and, before it, whatever
 * tells who the user is. Throws at creation without `authorize`.
 */
export function protectimusAdmin(options: ProtectimusAdminOptions): RequestHandler {
  assertAuthorize(options);
  const onError = options.onError ?? logGuardError;

  async function admin(req: Request, res: Response): Promise<void> {
    const session = (req as { session?: unknown }).session;
    if (typeof session !== 'object' || session === null) {
      reportGuardError(onError, new Error(ADMIN_NO_SESSION));
      write(res, adminInternalError(ADMIN_NO_SESSION));
      return;
    }
    const authorized = (await options.authorize(req)) === true;
    const pm = options.protectimus ?? defaultProtectimus();
    write(res, await handleAdmin(pm, adminRequestOf(req, session as Record<string, unknown>, authorized), { onError }));
  }

  return (req, res) => {
    // `authorize` or the default instance failing closes the door too.
    admin(req, res).catch((err: unknown) => {
      reportGuardError(onError, err);
      write(res, adminInternalError());
    });
  };
}
