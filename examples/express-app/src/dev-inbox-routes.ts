import { Router } from 'express';
import type { DevInbox } from './inbox';
import { pageContext, sendPage } from './page-context';
import { inboxPage } from './pages';

/** `GET /dev/inbox`: mounted only when the in-process SMTP server runs (no `SMTP_URL`). */
export function devInboxRoutes(inbox: DevInbox): Router {
  const router = Router();
  router.get('/dev/inbox', (req, res) => {
    sendPage(res, 200, inboxPage(pageContext(req, res), inbox.list(), `127.0.0.1:${inbox.port}`));
  });
  return router;
}
