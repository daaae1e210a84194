import { devInbox, type DevInboxOptions } from '@protectimus-mail/core';
import type { Middleware } from 'koa';
import { header, writeAnswer } from './binding';

/** Options of {@link protectimusDevInbox}: `protectimus` (default: the shared `defaultProtectimus()`) and `path`. */
export interface ProtectimusDevInboxOptions extends DevInboxOptions {
  /** The path it answers at (`ctx.path`, exactly); other requests go on. Default `'/dev/inbox'`. */
  path?: string;
}

/**
 * The dev inbox as Koa middleware, for development only:
 * `if (process.env.NODE_ENV !== 'production') app.use(protectimusDevInbox())` answers at
 * `/dev/inbox`. Lists the codes the development mail sink kept (the default with no `SMTP_URL`),
 * newest first: a page, or JSON for `Accept: application/json`. Throws when created with
 * NODE_ENV=production, and answers 404 there.
 */
export function protectimusDevInbox(options: ProtectimusDevInboxOptions = {}): Middleware {
  const path = options.path ?? '/dev/inbox';
  if (typeof path !== 'string' || !path.startsWith('/')) throw new TypeError('protectimusDevInbox: path must start with "/"');
  const inbox = devInbox(options.protectimus ? { protectimus: options.protectimus } : {});
  return function protectimusDevInboxPage(ctx, next) {
    if (ctx.path !== path) return next();
    writeAnswer(ctx, inbox({ method: ctx.method, accept: header(ctx, 'accept') }));
    return Promise.resolve();
  };
}
