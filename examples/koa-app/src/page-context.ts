import type { Context } from 'koa';
import { csrfToken } from './csrf';
import type { PageContext, SiteUser } from './shared';

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
