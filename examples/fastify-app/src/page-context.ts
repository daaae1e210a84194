import { siteCsrfToken, siteCsrfValid, type PageContext, type SiteUser } from '@protectimus-mail/example-shared';
import type { FastifyReply, FastifyRequest } from 'fastify';

function sessionOf(request: FastifyRequest): object {
  const session = (request as { session?: object | null }).session;
  if (!session) throw new Error('the site needs @fastify/session before its forms');
  return session;
}

/** This session's CSRF token for the site's forms, made on first use. */
export function csrfToken(request: FastifyRequest): string {
  return siteCsrfToken(sessionOf(request));
}

/** Whether the posted `_csrf` field is this session's token. */
export function csrfValid(request: FastifyRequest): boolean {
  return siteCsrfValid(sessionOf(request), request.body);
}

/** The signed-in user, or null; @fastify/passport puts what the deserializer gave into `request.user`. */
export function currentUser(request: FastifyRequest): SiteUser | null {
  return ((request as { user?: unknown }).user as SiteUser | null | undefined) ?? null;
}

/**
 * What the page header needs. A CSRF token is made only for a signed-in user (their sign-out
 * button), so an anonymous visit does not create a session.
 */
export function pageContext(request: FastifyRequest, devInbox: boolean): PageContext {
  const user = currentUser(request);
  return { user, csrf: user ? csrfToken(request) : '', devInbox };
}

export function sendPage(reply: FastifyReply, status: number, page: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(page);
}

/** A 303 (the browser follows it with a GET), the way every form post of the site ends. */
export function seeOther(reply: FastifyReply, location: string): FastifyReply {
  return reply.redirect(location, 303);
}
