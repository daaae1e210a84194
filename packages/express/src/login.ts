import { loginOfUser } from '@protectimus-mail/core/adapter';
import type { Request } from 'express';

/** Reads the login of the user who passed the first factor, or null/undefined for nobody. */
export type LoginOf = (req: Request) => string | null | undefined;

/**
 * The default `user`: `req.user.login`, else `username`, else `id`, as a string. Only reads
 * `req.user`, so it also works on koa-passport's request.
 */
export function defaultLogin(req: Request): string | null {
  return loginOfUser((req as { user?: unknown }).user);
}
