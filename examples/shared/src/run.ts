import type { Protectimus } from '@protectimus-mail/core';
import { ADMIN_PATH } from './admin';
import { configFromEnv, redactUrl, type SiteConfig } from './config';
import { listen } from './server';
import type { Site } from './site';

/** The audit trail an administrator would read, here on the console: never a code or a PIN. */
function logAudit(pm: Protectimus): void {
  pm.on('*', (e) => {
    if (!e.type.startsWith('otp.') && e.type !== 'token.blocked' && e.type !== 'access.denied') return;
    console.log(`[audit] ${e.at} ${e.type} login=${e.login ?? '-'} resource=${e.resourceName ?? '-'} ip=${e.ip ?? '-'}${e.code ? ` ${e.code}` : ''}`);
  });
}

/** What the console shows at the start: where to go, the demo logins and the admin, where the codes go, where the data is. */
function banner(title: string, site: Site<unknown>, url: string, config: SiteConfig): string {
  const width = Math.max(...site.demoLogins.map((d) => `${d.login} / ${d.password}`.length));
  return [
    '',
    title,
    '',
    `  Open          ${url}/  (the protected area is ${url}/account)`,
    ...site.demoLogins.map((d, i) => `  ${i === 0 ? 'Demo logins ' : '            '}  ${`${d.login} / ${d.password}`.padEnd(width)}  ${d.describe}`),
    ...site.demoLogins.filter((d) => d.role === 'admin').map((d) => `  Admin         ${d.login} is also the admin: ${url}${ADMIN_PATH}  (after the password and the code)`),
    ...(config.demoPassword === null
      ? []
      : [`  Added users   a user the admin adds in ${url}${ADMIN_PATH} signs in with ${config.demoPassword}  (a demo-only shortcut; DEMO_PASSWORD=off turns it off)`]),
    site.inbox
      ? `  Codes go to   the dev inbox: ${url}/dev/inbox  (SMTP on 127.0.0.1:${site.inbox.port}; set SMTP_URL for a real server)`
      : `  Codes go to   ${redactUrl(config.smtpUrl ?? '')}  (${site.demoLogins.map((d) => d.email).join(', ')})`,
    `  Data          ${config.redisUrl ? `Redis at ${redactUrl(config.redisUrl)} (protectimus-mail and sessions)` : 'in memory: gone when this process stops (set REDIS_URL to keep it)'}`,
    '',
  ].join('\n');
}

async function start(title: string, createSite: (config: SiteConfig) => Promise<Site<unknown>>): Promise<void> {
  const config = configFromEnv();
  const site = await createSite(config);
  const web = await listen(site.handler, config.port, config.host);
  logAudit(site.pm);
  console.log(banner(title, site, web.url, config));

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await web.close();
    await site.close();
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

/**
 * A site's `main`: reads the environment (see the README), builds the site with `createSite`,
 * serves it on PORT (3000), logs the audit events and prints `title` with where to go. Stops on
 * SIGINT or SIGTERM; a site that cannot start sets a failing exit code.
 */
export function runSite(title: string, createSite: (config: SiteConfig) => Promise<Site<unknown>>): void {
  start(title, createSite).catch((err: unknown) => {
    console.error('The example site could not start:', err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
