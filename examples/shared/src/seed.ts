import { isProtectimusError, type CreateMailTokenInput, type Protectimus } from '@protectimus-mail/core';
import type { Accounts, SiteRole } from './accounts';

/** The protected area's resource name in protectimus-mail. */
export const ACCOUNT_RESOURCE = 'account';

/** A demo login as the home page and the console show it. */
export interface DemoLogin {
  login: string;
  password: string;
  email: string;
  /** `admin` also opens the admin panel at `/admin`; a `member` gets 403 there. */
  role: SiteRole;
  /** The second factor in words: "PIN 2468, then an 8-digit code". */
  describe: string;
}

interface DemoUser extends DemoLogin {
  firstName: string;
  secondName: string;
  token: CreateMailTokenInput;
}

function demoUsers(emails: { alice: string; bob: string }): DemoUser[] {
  return [
    {
      login: 'alice',
      password: 'alice-password',
      email: emails.alice,
      role: 'admin',
      firstName: 'Alice',
      secondName: 'Example',
      describe: 'a 6-digit code, no PIN',
      token: { name: 'Alice mail', email: emails.alice, otpLength: 6 },
    },
    {
      login: 'bob',
      password: 'bob-password',
      email: emails.bob,
      role: 'member',
      firstName: 'Bob',
      secondName: 'Example',
      describe: 'PIN 2468, then an 8-digit code',
      token: { name: 'Bob mail', email: emails.bob, otpLength: 8, pin: '2468', pinPosition: 'before' },
    },
  ];
}

function same(a: string | null, b: string): boolean {
  return a !== null && a.toLowerCase() === b.toLowerCase();
}

/**
 * Takes away what an earlier start left in a persistent store (Redis). Its hashes may be keyed by
 * another random secret and its PIN may have been changed, so starting over is the one way to
 * make the demo logins work as the home page describes them.
 */
async function removeLeftovers(pm: Protectimus, demo: DemoUser): Promise<void> {
  const users = await pm.users.list({ q: demo.login, limit: 200 });
  for (const user of users.items.filter((u) => same(u.login, demo.login))) {
    for (const token of await pm.users.tokensOf(user.id)) await pm.tokens.remove(token.id);
    await pm.users.remove(user.id);
  }
  for (const q of [demo.token.name, demo.token.email]) {
    const tokens = await pm.tokens.list({ q, limit: 200 });
    for (const token of tokens.items.filter((t) => same(t.name, demo.token.name) || same(t.email, demo.token.email))) {
      await pm.tokens.remove(token.id);
    }
  }
}

async function accountResource(pm: Protectimus): Promise<string> {
  try {
    return (await pm.resources.get(ACCOUNT_RESOURCE)).id;
  } catch (err) {
    if (!isProtectimusError(err, 'NOT_FOUND')) throw err;
    return (await pm.resources.create({ name: ACCOUNT_RESOURCE, displayName: 'Account settings', failedAttemptsBeforeLock: 5, lockMinutes: 5 })).id;
  }
}

/**
 * Seeds the demo the way an administrator would set it up in Protectimus (Tokens -> Add Token ->
 * Protectimus MAIL; Users -> Assign Token; Resources -> Assign -> Token with User), and gives each
 * demo user a password and a role on the site itself (alice is the admin, bob a member). The
 * admin panel sits behind the same `account` resource, so no resource of its own is seeded.
 */
export async function seedDemo(pm: Protectimus, accounts: Accounts, emails: { alice: string; bob: string }): Promise<DemoLogin[]> {
  const resourceId = await accountResource(pm);
  const logins: DemoLogin[] = [];
  for (const demo of demoUsers(emails)) {
    await removeLeftovers(pm, demo);
    const token = await pm.tokens.createMail(demo.token);
    const user = await pm.users.create({ login: demo.login, email: demo.email, firstName: demo.firstName, secondName: demo.secondName });
    await pm.users.assignToken(user.id, token.id);
    await pm.resources.assignTokenWithUser(resourceId, token.id);
    await accounts.add(
      { login: demo.login, name: `${demo.firstName} ${demo.secondName}`, email: demo.email, role: demo.role, protectimusUserId: user.id },
      demo.password,
    );
    logins.push({ login: demo.login, password: demo.password, email: demo.email, role: demo.role, describe: demo.describe });
  }
  return logins;
}
