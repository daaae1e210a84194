import { siteCsrfToken, siteCsrfValid, type PageContext, type SiteUser } from '@protectimus-mail/example-shared';
import type { Context } from 'koa';

function sessionOf(ctx: Context): object {
  const session = (ctx as { session?: object | null }).session;
  if (!session) throw new Error('the site needs koa-session before its forms');
  return session;
}

/** This session's CSRF token for the site's forms, made on first use. */
export function csrfToken(ctx: Context): string {
  return siteCsrfToken(sessionOf(ctx));
}

/** Whether the posted `_csrf` field is this session's token. */
export function csrfValid(ctx: Context): boolean {
  return siteCsrfValid(sessionOf(ctx), (ctx.request as { body?: unknown }).body);
}

/** The signed-in user, or null; koa-passport puts what `deserializeUser` gave into `ctx.state.user`. */
export function currentUser(ctx: Context): SiteUser | null {
  return (ctx.state.user as SiteUser | undefined) ?? null;
}

/**
 * What the page header needs. A CSRF token is made only for a signed-in user (their sign-out
 * button), so an anonymous visit does not create a session.
 */
export function pageContext(ctx: Context): PageContext {
  const user = currentUser(ctx);
  return { user, csrf: user ? csrfToken(ctx) : '', devInbox: ctx.state.devInbox === true };
}

export function sendPage(ctx: Context, status: number, page: string): void {
  ctx.status = status;
  ctx.type = 'html';
  ctx.body = page;
}

/** A 303 (the browser follows it with a GET), the way every form post of the site ends. */
export function seeOther(ctx: Context, location: string): void {
  ctx.status = 303;
  ctx.redirect(location);
}
