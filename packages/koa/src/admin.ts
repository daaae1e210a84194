import { adminRunner, type AdminRequest, type CommonAdminOptions } from '@protectimus-mail/admin';
import { flatQuery, readBody } from '@protectimus-mail/core/adapter';
import type { Context, Middleware } from 'koa';
import { checkMountPath, locate, type MountPath } from './mount';
import { header, parsedBody, writeAnswer, sessionOf } from './binding';

/**
 * Options of {@link protectimusAdmin}: `protectimus` (default: the shared `defaultProtectimus()`),
 * `authorize(ctx)` (required; e.g. `(ctx) => ctx.state.user?.role === 'admin'`), `actor(ctx)` (the
 * name the audit log records on each change; default `ctx.state.user.login`, else `username`, else
 * `id`), `onError`, and
 * `mountPath` as for the guard (needed under @koa/router; koa-mount is found by itself). With
 * `mountPath`, a request a router routed here under another spelling of it (`/ADMIN/api/tokens`)
 * is refused 404: a guard mounted in front at the exact prefix may not have seen it.
 */
export interface ProtectimusAdminOptions extends CommonAdminOptions<Context> {
  mountPath?: MountPath;
}

function adminRequestOf(ctx: Context, mountPath: MountPath | undefined, session: Record<string, unknown>, authorized: boolean): AdminRequest {
  const where = locate(ctx, mountPath);
  return {
    method: ctx.method,
    path: where.path,
    mountPath: where.mountPath,
    query: flatQuery(ctx.query),
    headers: { accept: header(ctx, 'accept'), contentType: header(ctx, 'content-type'), csrf: header(ctx, 'x-csrf-token') },
    body: parsedBody(ctx),
    readRawBody: (limit) => readBody(ctx.req, limit),
    session,
    authorized,
    ...(where.otherSpelling ? { otherSpelling: true } : {}),
  };
}

/**
 * The admin API and panel of docs/design.md ("Admin") as Koa middleware, answering exactly as the
 * Express one: `app.use(mount('/admin', protectimusAdmin({ authorize })))`, or in a @koa/router
 * with `mountPath`. Needs koa-session (the CSRF token lives in the session) and, before it,
 * whatever tells who the user is. Throws at creation without `authorize`.
 */
export function protectimusAdmin(options: ProtectimusAdminOptions): Middleware {
  if (typeof options?.mountPath === 'string') checkMountPath(options.mountPath);
  const run = adminRunner<Context>(options, {
    session: sessionOf,
    request: (ctx, session, authorized) => adminRequestOf(ctx, options.mountPath, session, authorized),
    user: (ctx) => (ctx.state as { user?: unknown } | undefined)?.user,
  });
  return async function protectimusAdminRouter(ctx) {
    writeAnswer(ctx, await run(ctx));
  };
}
