/**
 * The app's own users and its first factor, passport-local: each user has an email address, which
 * `enroll: true` reads, and a `plan` that the protectimus-mail user does not have (so an answer
 * that shows the plan shows the app's own `req.user`). Shared by the Express, Koa and Fastify apps.
 */
import { Strategy as LocalStrategy } from 'passport-local';

export interface AppUser {
  username: string;
  password: string;
  email: string;
  plan: string;
}

const USERS: readonly AppUser[] = [
  { username: 'alice', password: 'alice-password', email: 'alice@example.com', plan: 'gold' },
  { username: 'bob', password: 'bob-password', email: 'bob@example.com', plan: 'free' },
];

export function findUser(username: unknown): AppUser | undefined {
  return USERS.find((user) => user.username === username);
}

export function localStrategy(): LocalStrategy {
  return new LocalStrategy((username, password, done) => {
    const user = findUser(username);
    done(null, user && user.password === password ? user : false);
  });
}

export function serializeUser(user: unknown, done: (err: unknown, id?: string) => void): void {
  done(null, (user as AppUser).username);
}

export function deserializeUser(id: string, done: (err: unknown, user?: AppUser | false) => void): void {
  done(null, findUser(id) ?? false);
}

/** What the app shows of its user: never the password. */
export function shown(user: unknown): { username: string; plan: string } | null {
  const found = findUser((user as Partial<AppUser> | undefined)?.username);
  return found && user === found ? { username: found.username, plan: found.plan } : null;
}
