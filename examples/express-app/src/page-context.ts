import { siteCsrfToken, siteCsrfValid, type PageContext, type SiteUser } from '@protectimus-mail/example-shared';
import type { Request, Response } from 'express';

/** This session's CSRF token for the site's forms, made on first use. */
export function csrfToken(req: Request): string {
  return siteCsrfToken(req.session);
}

/** Whether the posted `_csrf` field is this session's token. */
export function csrfValid(req: Request): boolean {
  return siteCsrfValid(req.session, req.body);
}

/** The signed-in user, or null; Passport puts what `deserializeUser` gave into `req.user`. */
export function currentUser(req: Request): SiteUser | null {
  return (req.user as SiteUser | undefined) ?? null;
}

/**
 * What the page header needs. A CSRF token is made only for a signed-in user (their sign-out
 * button), so an anonymous visit does not create a session.
 */
export function pageContext(req: Request, res: Response): PageContext {
  const user = currentUser(req);
  return { user, csrf: user ? csrfToken(req) : '', devInbox: res.locals.devInbox === true };
}

export function sendPage(res: Response, status: number, page: string): void {
  res.status(status).type('html').send(page);
}
