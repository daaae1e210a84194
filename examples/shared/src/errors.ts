import { isProtectimusError } from '@protectimus-mail/core';
import type { PageContext } from './layout';
import { messagePage } from './pages';

/** Nobody signed in, no sign-out button: the context for a page shown when the request itself failed. */
const ANONYMOUS: PageContext = { user: null, csrf: '', devInbox: false };

/**
 * The last word on errors: the status and a plain page that never shows the error itself (it may
 * hold internals). A body the parser refused is the client's mistake; a store that is down is a
 * 503; anything else is logged and a 500. `ctx` is asked for only when the request was sound.
 */
export function errorPage(err: unknown, ctx: () => PageContext): { status: number; page: string } {
  const status = (err as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, page: messagePage(ctx(), 'Bad request', 'That request could not be read.') };
  }
  if (isProtectimusError(err, 'STORE_UNAVAILABLE')) {
    return { status: 503, page: messagePage(ctx(), 'Unavailable', 'The site cannot reach its data right now. Try again in a moment.') };
  }
  console.error(err);
  return { status: 500, page: messagePage(ANONYMOUS, 'Something went wrong', 'The page could not be shown. Try again in a moment.') };
}
