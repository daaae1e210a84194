import { createSite } from './app';
import { listen } from './server';
import { configFromEnv, redactUrl } from './shared';

/** `npm run start:koa`: the example site on Koa, on PORT (3000), with the dev inbox unless SMTP_URL is set. */
async function main(): Promise<void> {
  const config = configFromEnv();
  const site = await createSite(config);
  const web = await listen(site.app.callback(), config.port, config.host);

  // The audit trail an administrator would read, here on the console: never a code or a PIN.
  site.pm.on('*', (e) => {
    if (!e.type.startsWith('otp.') && e.type !== 'token.blocked' && e.type !== 'access.denied') return;
    console.log(`[audit] ${e.at} ${e.type} login=${e.login ?? '-'} resource=${e.resourceName ?? '-'} ip=${e.ip ?? '-'}${e.code ? ` ${e.code}` : ''}`);
  });

  const width = Math.max(...site.demoLogins.map((d) => `${d.login} / ${d.password}`.length));
  const lines = [
    '',
    'protectimus-mail example on Koa: a password, then a code mailed to your mail token',
    '',
    `  Open          ${web.url}/  (the protected area is ${web.url}/account)`,
    ...site.demoLogins.map((d, i) => `  ${i === 0 ? 'Demo logins ' : '            '}  ${`${d.login} / ${d.password}`.padEnd(width)}  ${d.describe}`),
    site.inbox
      ? `  Codes go to   the dev inbox: ${web.url}/dev/inbox  (SMTP on 127.0.0.1:${site.inbox.port}; set SMTP_URL for a real server)`
      : `  Codes go to   ${redactUrl(config.smtpUrl ?? '')}  (${site.demoLogins.map((d) => d.email).join(', ')})`,
    `  Data          ${config.redisUrl ? `Redis at ${redactUrl(config.redisUrl)} (protectimus-mail and sessions)` : 'in memory: gone when this process stops (set REDIS_URL to keep it)'}`,
    '',
  ];
  console.log(lines.join('\n'));

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

main().catch((err: unknown) => {
  console.error('The example site could not start:', err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
