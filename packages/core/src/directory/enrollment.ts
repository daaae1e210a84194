import { randomBytes } from 'node:crypto';
import { newId } from '../crypto';
import { isProtectimusError } from '../errors';
import { member, type ResourceRecord, type TokenRecord, type UserRecord } from '../model';
import type { Context } from '../protectimus';
import { dirKey, dirList } from '../stores/store';
import * as v from '../validation';
import { loadResource } from './resources';
import { stageNewToken } from './tokens';
import { type DirTx, transact } from './transaction';

// Enrollment: a first-factor user of the app with no token on a resource that allows it gets a
// user, a mail token at the address the app gives, and the assignment, in one transaction. The
// token is pending until its first right code. docs/design.md, "Enrollment".

/** What the app tells of a first-factor user to enroll: the address codes go to, and a name. */
export interface Enrollee {
  /** Where codes go; core's address rule applies. */
  email: string;
  /** Kept as the new user's `firstName` (up to 100 characters). */
  name?: string | null;
}

/** Why an enrollment was refused; the audit entry (`access.denied`, `detail.enroll`) names it. */
export type EnrollRefusal =
  | 'enrollment_off'
  | 'invalid_login'
  | 'invalid_email'
  | 'invalid_name'
  /** Another spelling of the login exists: logins are found only as spelled. */
  | 'login_taken'
  /** The address is a token's that is not this user's own. */
  | 'email_taken';

export type EnrollOutcome =
  | { status: 'refused'; reason: EnrollRefusal; resource: ResourceRecord }
  /** The user already has a token on the resource (a concurrent enrollment, or an admin's). */
  | { status: 'present' }
  | { status: 'enrolled'; resource: ResourceRecord; user: UserRecord; token: TokenRecord; newUser: boolean; newToken: boolean };

/** A token name for the user: the login when it fits and is free, else the login with a random tail. */
async function tokenName(tx: DirTx, login: string): Promise<string> {
  if (login.length <= 50 && (await tx.get(dirKey.tokenName(login.toLowerCase()))) === null) return login;
  return `${login.slice(0, 40)}-${randomBytes(4).toString('hex')}`;
}

function valid<T>(read: () => T): T | null {
  try {
    return read();
  } catch (err) {
    if (isProtectimusError(err, 'INVALID_INPUT')) return null;
    throw err;
  }
}

/**
 * Enrolls `login` on the resource at `enrollee.email`, unless the resource does not allow it or
 * something of another user stands in the way. An existing user (the exact login) keeps their
 * record; their own token at that address is reused, else a new pending one is made. Nothing of
 * another user is ever attached, and the address of another user's token is never taken.
 * Concurrent enrollments of one login make one user and one token: the directory's transactions
 * retry, and a retry finds the first one's work (`present`).
 */
export async function enroll(ctx: Context, input: { resource: string; login: string; enrollee: Enrollee; ip?: string }): Promise<EnrollOutcome> {
  const outcome = await transact(ctx.store, async (tx): Promise<EnrollOutcome> => {
    const resource = await loadResource(tx, input.resource);
    const refused = (reason: EnrollRefusal): EnrollOutcome => ({ status: 'refused', reason, resource });
    if ((resource.enrollment ?? 'off') !== 'allowed') return refused('enrollment_off');
    const login = valid(() => v.login(input.login));
    if (login === null) return refused('invalid_login');
    const email = valid(() => v.email(input.enrollee.email));
    if (email === null) return refused('invalid_email');
    const name = valid(() => v.optionalName(input.enrollee.name, 'name'));
    if (name === null && input.enrollee.name !== undefined && input.enrollee.name !== null && input.enrollee.name !== '') return refused('invalid_name');

    const userId = await tx.get(dirKey.login(v.loginKey(login)));
    let user = userId === null ? null : await tx.record<UserRecord>(dirKey.user(userId));
    if (user !== null && user.login !== login) return refused('login_taken');
    if (user !== null && (await tx.get(dirKey.assignment(resource.id, user.id))) !== null) return { status: 'present' };
    const holder = await tx.get(dirKey.tokenEmail(email.toLowerCase()));
    let token = holder === null ? null : await tx.record<TokenRecord>(dirKey.token(holder));
    // The user's own token at that address (say, enrolled on another resource) serves here too;
    // anyone else's, or an unowned one an administrator made, is never handed over.
    if (holder !== null && (token === null || user === null || token.userId !== user.id)) return refused('email_taken');

    const newUser = user === null;
    if (user === null) {
      user = { id: newId('usr'), login, email, firstName: name, secondName: null, block: null, createdAt: ctx.clock.now() };
      tx.set(dirKey.user(user.id), user);
      tx.set(dirKey.login(v.loginKey(login)), user.id);
      tx.zadd(dirList.users, member(login, user.id));
    }
    const newToken = token === null;
    token ??= await stageNewToken(ctx, tx, { name: await tokenName(tx, login), email }, user.id, true);
    tx.set(dirKey.assignment(resource.id, user.id), token.id);
    tx.zadd(dirList.assignments(resource.id), user.id);
    tx.zadd(dirList.tokenResources(token.id), resource.id);
    return { status: 'enrolled', resource, user, token, newUser, newToken };
  });
  if (outcome.status === 'enrolled') {
    const { resource, user, token } = outcome;
    if (outcome.newUser) ctx.audit.emit({ type: 'user.created', userId: user.id, login: user.login, detail: { via: 'enrollment' } });
    ctx.audit.emit({
      type: 'token.enrolled',
      resourceId: resource.id,
      resourceName: resource.name,
      userId: user.id,
      login: user.login,
      tokenId: token.id,
      tokenName: token.name,
      ip: input.ip,
      detail: { user: outcome.newUser ? 'created' : 'existing', token: outcome.newToken ? 'created' : 'reused' },
    });
  }
  return outcome;
}

/**
 * Marks a pending token confirmed after its first right code; the record it was read as when
 * nothing was pending any more. The grant stamp holds no confirmation, so the session this code
 * verified is unaffected.
 */
export async function confirmToken(ctx: Context, tokenId: string, resource: ResourceRecord, ip: string | undefined): Promise<TokenRecord | null> {
  const rec = await transact(ctx.store, async (tx) => {
    const rec = await tx.record<TokenRecord>(dirKey.token(tokenId));
    if (rec === null || rec.confirmedAt !== null) return null;
    const next: TokenRecord = { ...rec, confirmedAt: ctx.clock.now() };
    tx.set(dirKey.token(rec.id), next);
    return next;
  });
  if (rec !== null) ctx.audit.emit({ type: 'token.confirmed', tokenId: rec.id, tokenName: rec.name, userId: rec.userId ?? undefined, resourceId: resource.id, resourceName: resource.name, ip });
  return rec;
}
