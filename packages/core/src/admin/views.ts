import { isProtectimusError } from '../errors';
import type { MailToken, User } from '../model';
import type { Protectimus } from '../protectimus';

/** A token as the admin API shows it: the model's view (never a secret, counter or PIN) and its user's login. */
export interface AdminToken extends MailToken {
  userLogin: string | null;
}

/** A token named in a user's row. */
export interface TokenBrief {
  id: string;
  name: string;
  blocked: MailToken['blocked'];
}

/** A user as the admin API shows it: the model's view and the tokens they own. */
export interface AdminUser extends User {
  tokens: TokenBrief[];
}

/** Null for a record deleted while the page was being read, rather than failing the page. */
async function unlessGone<T>(read: Promise<T>, gone: T): Promise<T> {
  try {
    return await read;
  } catch (err) {
    if (isProtectimusError(err, 'NOT_FOUND')) return gone;
    throw err;
  }
}

/** Adds the owners' logins, reading each owner once. */
export async function adminTokens(pm: Protectimus, tokens: readonly MailToken[]): Promise<AdminToken[]> {
  const owners = [...new Set(tokens.map((t) => t.userId).filter((id): id is string => id !== null))];
  const logins = new Map(await Promise.all(owners.map(async (id) => [id, await unlessGone(pm.users.get(id).then((u) => u.login), null)] as const)));
  return tokens.map((t) => ({ ...t, userLogin: t.userId === null ? null : (logins.get(t.userId) ?? null) }));
}

export async function adminToken(pm: Protectimus, token: MailToken): Promise<AdminToken> {
  return (await adminTokens(pm, [token]))[0] as AdminToken;
}

/** Adds each user's tokens. */
export async function adminUsers(pm: Protectimus, users: readonly User[]): Promise<AdminUser[]> {
  return Promise.all(
    users.map(async (u) => {
      const tokens = await unlessGone(pm.users.tokensOf(u.id), []);
      return { ...u, tokens: tokens.map(({ id, name, blocked }) => ({ id, name, blocked })) };
    }),
  );
}

export async function adminUser(pm: Protectimus, user: User): Promise<AdminUser> {
  return (await adminUsers(pm, [user]))[0] as AdminUser;
}
