import type { SiteUser } from './accounts';

/**
 * Where both sites mount protectimus-mail's admin panel (`protectimusAdmin`): behind the password,
 * then the mailed code for the account area, then `isAdmin`.
 */
export const ADMIN_PATH = '/admin';

/**
 * Whether `user` may administer protectimus-mail: the `authorize` both sites give
 * `protectimusAdmin`, and whether the header shows the "Admin" link. The role comes from the
 * site's own accounts, looked up on each request, so taking it away takes effect at once.
 */
export function isAdmin(user: SiteUser | null | undefined): boolean {
  return user?.role === 'admin';
}

/** Whether `user` is signed in but not the admin: refused by the panel, whatever the factors. */
export function isMember(user: SiteUser | null | undefined): boolean {
  return user !== null && user !== undefined && !isAdmin(user);
}
