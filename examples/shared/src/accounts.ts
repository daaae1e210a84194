import { isProtectimusError, type Protectimus, type User } from '@protectimus-mail/core';
import { hashPassword, verifyPassword } from './passwords';

/** What a user may do on the site: only an `admin` opens the admin panel (`/admin`). */
export type SiteRole = 'admin' | 'member';

/** A signed-in user as the site knows them: what `req.user` holds. */
export interface SiteUser {
  login: string;
  name: string;
  email: string;
  role: SiteRole;
  /** The same person in protectimus-mail, to show their token on the settings page. */
  protectimusUserId: string;
}

interface Account extends SiteUser {
  passwordHash: string;
}

/**
 * The demo-only shortcut: every user an administrator creates in protectimus-mail (the admin
 * panel's Users -> Add User) signs in to the site with one shared password, so the seed's steps can
 * be finished in the demo. A real site never has a shared password: its users have their own.
 */
export interface DemoPasswordOption {
  /** protectimus-mail's directory, where the admin-created logins are looked up. */
  directory: Pick<Protectimus, 'users'>;
  /** The one password of every admin-created login (`'demo-password'` by default). */
  password: string;
}

/** The password every admin-created login has in the demo, unless `DEMO_PASSWORD` says otherwise. */
export const DEFAULT_DEMO_PASSWORD = 'demo-password';

/** What protectimus-mail accepts as a login (docs/design.md, "Login matching"): nothing else is looked up. */
const DIRECTORY_LOGIN = /^[A-Za-z0-9_\-@!#%+.$]{1,64}$/;
/** A session key for an admin-created login: `:` is in no login, so it never names a site account. */
const DIRECTORY_KEY = 'directory:';

/** protectimus-mail's case folding of logins: A-Z only, so no Unicode look-alike matches. */
function asciiFold(login: string): string {
  return login.replace(/[A-Z]+/g, (upper) => upper.toLowerCase());
}

/**
 * The site's own first factor: logins and password hashes. Kept in memory because the demo
 * accounts are seeded on every start; a real site keeps these in its database.
 *
 * With `demo`, a login that is not a site account (alice, bob) but exists in protectimus-mail's
 * directory signs in with the demo password, as a `member`. A site account's login, or a directory
 * user that stands for a site account (alice's and bob's, whatever their login now is), never
 * takes the demo password: theirs stays their own.
 */
export class Accounts {
  private readonly byLogin = new Map<string, Account>();
  /** A hash to check unknown logins against, so they take as long as known ones. */
  private decoy: Promise<string> | undefined;
  private demoHash: Promise<string> | undefined;

  constructor(private readonly demo: DemoPasswordOption | null = null) {}

  /** The shared password of admin-created logins, or null when the shortcut is off. */
  get demoPassword(): string | null {
    return this.demo?.password ?? null;
  }

  async add(user: SiteUser, password: string): Promise<SiteUser> {
    const account: Account = { ...user, passwordHash: await hashPassword(password) };
    this.byLogin.set(user.login.toLowerCase(), account);
    return publicView(account);
  }

  /** What goes into the session for `user`: what `find` takes back. */
  sessionKey(user: SiteUser): string {
    const account = this.byLogin.get(user.login.toLowerCase());
    return account && account.protectimusUserId === user.protectimusUserId ? account.login : DIRECTORY_KEY + user.protectimusUserId;
  }

  /**
   * The user a session key stands for, looked up afresh: null once the account, or the
   * admin-created user, is gone (or the shortcut is off).
   */
  async find(key: string): Promise<SiteUser | null> {
    if (!key.startsWith(DIRECTORY_KEY)) {
      const account = this.byLogin.get(key.toLowerCase());
      return account ? publicView(account) : null;
    }
    if (!this.demo) return null;
    try {
      return this.memberView(await this.demo.directory.users.get(key.slice(DIRECTORY_KEY.length)));
    } catch (err) {
      if (isProtectimusError(err, 'NOT_FOUND') || isProtectimusError(err, 'INVALID_INPUT')) return null;
      throw err;
    }
  }

  /** The user if the password is theirs, else null; the answer takes as long either way. */
  async verify(login: string, password: string): Promise<SiteUser | null> {
    const account = this.byLogin.get(login.toLowerCase());
    if (account) return (await verifyPassword(password, account.passwordHash)) ? publicView(account) : null;
    if (!this.demo) {
      this.decoy ??= hashPassword('decoy password that matches nothing');
      await verifyPassword(password, await this.decoy);
      return null;
    }
    this.demoHash ??= hashPassword(this.demo.password);
    // The password is checked whether or not the login exists, so both cost the same scrypt.
    const [user, matches] = await Promise.all([this.directoryUser(login), this.demoHash.then((hash) => verifyPassword(password, hash))]);
    return user && matches ? this.memberView(user) : null;
  }

  /** The directory's user with this login (protectimus-mail's case folding), or null. */
  private async directoryUser(login: string): Promise<User | null> {
    if (!this.demo || !DIRECTORY_LOGIN.test(login)) return null;
    const key = asciiFold(login);
    let cursor: string | null = null;
    do {
      const page = await this.demo.directory.users.list({ q: login, limit: 200, cursor });
      const found = page.items.find((u) => asciiFold(u.login) === key);
      if (found) return found;
      cursor = page.next;
    } while (cursor);
    return null;
  }

  /** An admin-created user as a site member, or null if they stand for a site account. */
  private memberView(user: User): SiteUser | null {
    const accounts = [...this.byLogin.values()];
    if (accounts.some((a) => a.protectimusUserId === user.id || a.login.toLowerCase() === user.login.toLowerCase())) return null;
    const name = [user.firstName, user.secondName].filter(Boolean).join(' ');
    return { login: user.login, name: name || user.login, email: user.email ?? '', role: 'member', protectimusUserId: user.id };
  }
}

function publicView({ login, name, email, role, protectimusUserId }: Account): SiteUser {
  return { login, name, email, role, protectimusUserId };
}
