import { DEFAULT_DEMO_PASSWORD } from './accounts';
import { MAX_PASSWORD_LENGTH } from './passwords';

/** Everything the site can be told from outside; `configFromEnv` reads it from the environment. */
export interface SiteConfig {
  /** Port of the web site; 0 picks a free one (the tests do). */
  port: number;
  /** Interface to listen on. Loopback by default: in dev mode the inbox shows every code to anyone who can reach it. */
  host: string;
  /** A real SMTP server for the codes; without it an SMTP server runs in-process and `/dev/inbox` shows what it got. */
  smtpUrl?: string;
  /** Port of the in-process SMTP server (dev mode only); 0 picks a free one. */
  devSmtpPort: number;
  /** Redis for protectimus-mail's data and the sessions; without it both live in memory. */
  redisUrl?: string;
  /** Prepended to every Redis key of this site, so it can share a Redis with other apps. */
  redisPrefix: string;
  /** Sender of the code mails. */
  mailFrom: string;
  /** Keys code and PIN hashes; core makes up a random one (and warns) when absent. */
  protectimusSecret?: string;
  /** Signs the session cookie; a random one when absent, so sessions end with the process. */
  sessionSecret?: string;
  /** Where the demo users' codes go; change them to reach a real inbox through SMTP_URL. */
  demoEmails: { alice: string; bob: string };
  /**
   * The demo-only shortcut: the one password of every login an administrator creates in the admin
   * panel (alice and bob keep their own). `demo-password` unless `DEMO_PASSWORD` sets another;
   * null (off) with `DEMO_PASSWORD=off`, and by default with `NODE_ENV=production`.
   */
  demoPassword: string | null;
  /** NODE_ENV=production: no dev inbox and no made-up secrets. */
  production: boolean;
}

function port(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number (0-65535), not "${value}"`);
  return n;
}

function optional(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** `DEMO_PASSWORD`: off when asked, and unless asked in production, where a shared password has no place. */
function demoPassword(value: string | undefined, production: boolean): string | null {
  const given = optional(value);
  if (given === undefined) return production ? null : DEFAULT_DEMO_PASSWORD;
  if (given.toLowerCase() === 'off') return null;
  if (given.length > MAX_PASSWORD_LENGTH) throw new Error(`DEMO_PASSWORD must be at most ${MAX_PASSWORD_LENGTH} characters`);
  return given;
}

/** The site's settings from `PORT`, `HOST`, `SMTP_URL`, `REDIS_URL`, ... (see the README). */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): SiteConfig {
  return {
    port: port(env.PORT, 'PORT', 3000),
    host: optional(env.HOST) ?? '127.0.0.1',
    smtpUrl: optional(env.SMTP_URL),
    devSmtpPort: port(env.DEV_SMTP_PORT, 'DEV_SMTP_PORT', 0),
    redisUrl: optional(env.REDIS_URL),
    redisPrefix: optional(env.REDIS_PREFIX) ?? 'example-app:',
    mailFrom: optional(env.MAIL_FROM) ?? 'Example Co. security <no-reply@example.com>',
    protectimusSecret: optional(env.PROTECTIMUS_SECRET),
    sessionSecret: optional(env.SESSION_SECRET),
    demoEmails: {
      alice: optional(env.ALICE_EMAIL) ?? 'alice@example.com',
      bob: optional(env.BOB_EMAIL) ?? 'bob@example.com',
    },
    demoPassword: demoPassword(env.DEMO_PASSWORD, env.NODE_ENV === 'production'),
    production: env.NODE_ENV === 'production',
  };
}

/**
 * Refuses settings that would be unsafe on a real server: the dev inbox shows every code to
 * whoever opens it, and a random session secret signs everybody out on each restart and cannot
 * be shared by several processes.
 */
export function checkConfig(config: SiteConfig): void {
  if (!config.production) return;
  if (!config.smtpUrl) throw new Error('SMTP_URL is required when NODE_ENV=production: the dev inbox would show every code to anyone');
  if (!config.sessionSecret) throw new Error('SESSION_SECRET is required when NODE_ENV=production');
}

/** A URL fit to print: any user name and password in it are hidden. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = '***';
      u.password = '';
    }
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}
