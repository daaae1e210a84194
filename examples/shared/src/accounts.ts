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
 * The site's own first factor: logins and password hashes. Kept in memory because the demo
 * accounts are seeded on every start; a real site keeps these in its database.
 */
export class Accounts {
  private readonly byLogin = new Map<string, Account>();
  /** A hash to check unknown logins against, so they take as long as known ones. */
  private decoy: Promise<string> | undefined;

  async add(user: SiteUser, password: string): Promise<SiteUser> {
    const account: Account = { ...user, passwordHash: await hashPassword(password) };
    this.byLogin.set(user.login.toLowerCase(), account);
    return publicView(account);
  }

  find(login: string): SiteUser | null {
    const account = this.byLogin.get(login.toLowerCase());
    return account ? publicView(account) : null;
  }

  /** The user if the password is theirs, else null; the answer takes as long either way. */
  async verify(login: string, password: string): Promise<SiteUser | null> {
    const account = this.byLogin.get(login.toLowerCase());
    if (!account) {
      this.decoy ??= hashPassword('decoy password that matches nothing');
      await verifyPassword(password, await this.decoy);
      return null;
    }
    return (await verifyPassword(password, account.passwordHash)) ? publicView(account) : null;
  }
}

function publicView({ login, name, email, role, protectimusUserId }: Account): SiteUser {
  return { login, name, email, role, protectimusUserId };
}
