import { devInbox, type DevInboxOptions } from '@protectimus-mail/core';
import type { FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { header, writeAnswer } from './binding';

/** Options of {@link protectimusDevInbox}: `protectimus`, the instance whose mails to list (default: the shared `defaultProtectimus()`). */
export type ProtectimusDevInboxOptions = DevInboxOptions;

/**
 * The dev inbox as a Fastify route handler, for development only:
 * `if (process.env.NODE_ENV !== 'production') app.get('/dev/inbox', protectimusDevInbox())`.
 * Lists the codes the development mail sink kept (the default with no `SMTP_URL`), newest first:
 * a page, or JSON for `Accept: application/json`. Throws when created with NODE_ENV=production,
 * and answers 404 there.
 */
export function protectimusDevInbox(options: ProtectimusDevInboxOptions = {}): RouteHandlerMethod {
  const inbox = devInbox(options);
  return function protectimusDevInboxPage(request: FastifyRequest, reply: FastifyReply) {
    return writeAnswer(reply, inbox({ method: request.method, accept: header(request, 'accept') }));
  };
}
