import type { MailToken, Protectimus } from '@protectimus-mail/core';
import { Router, type Request, type Response } from 'express';
import type { SiteUser } from './accounts';
import type { PageContext } from './layout';
import { currentUser, pageContext, sendPage } from './page-context';
import { accountPage, settingsPage } from './pages';

type AccountView = (ctx: PageContext & { user: SiteUser }, tokens: readonly MailToken[]) => string;

/**
 * The protected area's own pages. They run only after the guard let the request through, so the
 * user is signed in and has typed a code; they do not check again.
 */
export function accountRoutes(pm: Protectimus): Router {
  const router = Router();
  const show = (view: AccountView) => async (req: Request, res: Response) => {
    const user = currentUser(req);
    if (!user) throw new Error('the account pages must be mounted behind the sign-in and the guard');
    const tokens = await pm.users.tokensOf(user.protectimusUserId);
    sendPage(res, 200, view({ ...pageContext(req, res), user }, tokens));
  };
  router.get('/', show(accountPage));
  router.get('/settings', show(settingsPage));
  return router;
}
