import type { MailToken, Protectimus } from '@protectimus-mail/core';
import type { SiteUser } from './accounts';
import type { PageContext } from './layout';
import { accountPage, settingsPage } from './pages';

type AccountView = (ctx: PageContext & { user: SiteUser }, tokens: readonly MailToken[]) => string;

/** The protected area's own pages, by their path under `/account`. */
export const ACCOUNT_PAGES: Readonly<Record<string, AccountView>> = { '/': accountPage, '/settings': settingsPage };

/**
 * One of `ACCOUNT_PAGES` for the signed-in user, with their mail tokens. These pages are shown only
 * after the guard let the request through, so the user is signed in and has typed a code; they do
 * not check again.
 */
export async function renderAccountPage(pm: Protectimus, view: AccountView, ctx: PageContext): Promise<string> {
  const { user } = ctx;
  if (!user) throw new Error('the account pages must be mounted behind the sign-in and the guard');
  return view({ ...ctx, user }, await pm.users.tokensOf(user.protectimusUserId));
}
