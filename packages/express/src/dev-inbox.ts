import { devInbox, type DevInboxOptions } from '@protectimus-mail/core';
import type { RequestHandler } from 'express';
import { writeAnswer } from './binding';

/** Options of {@link protectimusDevInbox}: `protectimus`, the instance whose mails to list (default: the shared `defaultProtectimus()`). */
export type ProtectimusDevInboxOptions = DevInboxOptions;

/**
 * The dev inbox as an Express handler, for development only:
 * `if (process.env.NODE_ENV !== 'production') app.get('/dev/inbox', protectimusDevInbox())`.
 * Lists the codes the development mail sink kept (the default with no `SMTP_URL`), newest first:
 * a page, or JSON for `Accept: application/json`. Answers whatever request reaches it: mount it
 * at the path you choose. Throws when created with NODE_ENV=production, and answers 404 there.
 */
export function protectimusDevInbox(options: ProtectimusDevInboxOptions = {}): RequestHandler {
  const inbox = devInbox(options);
  return function protectimusDevInboxPage(req, res) {
    writeAnswer(res, inbox({ method: req.method, accept: req.headers.accept }));
  };
}
