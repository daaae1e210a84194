import { isProtectimusError } from '@protectimus-mail/core';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { pageContext, sendPage } from './page-context';
import { messagePage } from './pages';

export const notFoundPage: RequestHandler = (req, res) => {
  sendPage(res, 404, messagePage(pageContext(req, res), 'Not found', 'There is no page at this address.'));
};

/** The last word on errors: a plain page that never shows the error itself (it may hold internals). */
export const errorPage: ErrorRequestHandler = (err: unknown, req, res, next) => {
  if (res.headersSent) return next(err);
  const status = (err as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // A body the parser refused (too big, malformed): the client's mistake, nothing to log.
    return sendPage(res, status, messagePage(pageContext(req, res), 'Bad request', 'That request could not be read.'));
  }
  if (isProtectimusError(err, 'STORE_UNAVAILABLE')) {
    return sendPage(res, 503, messagePage(pageContext(req, res), 'Unavailable', 'The site cannot reach its data right now. Try again in a moment.'));
  }
  console.error(err);
  sendPage(res, 500, messagePage(pageContext(req, res), 'Something went wrong', 'The page could not be shown. Try again in a moment.'));
};
