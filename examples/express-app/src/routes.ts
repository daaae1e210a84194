import type { Protectimus } from '@protectimus-mail/core';
import { ACCOUNT_PAGES, errorPage, inboxPage, notFoundPage, renderAccountPage, type DevInbox } from '@protectimus-mail/example-shared';
import { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import { pageContext, sendPage } from './page-context';

/** The protected area's own pages, mounted behind the sign-in and the guard. */
export function accountRoutes(pm: Protectimus): Router {
  const router = Router();
  for (const [path, view] of Object.entries(ACCOUNT_PAGES)) {
    router.get(path, async (req, res) => sendPage(res, 200, await renderAccountPage(pm, view, pageContext(req, res))));
  }
  return router;
}

/** `GET /dev/inbox`: mounted only when the in-process SMTP server runs (no `SMTP_URL`). */
export function devInboxRoutes(inbox: DevInbox): Router {
  const router = Router();
  router.get('/dev/inbox', (req, res) => sendPage(res, 200, inboxPage(pageContext(req, res), inbox)));
  return router;
}

export const notFound: RequestHandler = (req, res) => sendPage(res, 404, notFoundPage(pageContext(req, res)));

/** The last word on errors: a plain page that never shows the error itself. */
export const errorPages: ErrorRequestHandler = (err: unknown, req, res, next) => {
  if (res.headersSent) return next(err);
  const { status, page } = errorPage(err, () => pageContext(req, res));
  sendPage(res, status, page);
};
