import { createProtectimus, type Protectimus, type ProtectimusOptions } from './protectimus';
import { invalidInput } from './errors';
import { secretsFromEnv } from './secrets';
import { RedisStore } from './stores/redis';

/**
 * Builds an instance from the environment: `REDIS_URL` (else a MemoryStore), `SMTP_URL`
 * (required), `MAIL_FROM` (default `protectimus-mail <no-reply@localhost>`), `PROTECTIMUS_SECRET`
 * (one secret, or during a rotation a comma-separated list, newest first, no spaces).
 * `REDIS_PREFIX` (default `pm:`) puts the keys of several apps apart in one Redis. `overrides` win
 * over what the environment says.
 */
export function protectimusFromEnv(env: NodeJS.ProcessEnv = process.env, overrides: Partial<ProtectimusOptions> = {}): Protectimus {
  const smtp = env.SMTP_URL;
  if (!overrides.mail && !smtp) throw invalidInput('SMTP_URL', 'SMTP_URL is not set: protectimus-mail needs an SMTP server to mail codes');
  const store = overrides.store ?? (env.REDIS_URL ? new RedisStore({ url: env.REDIS_URL, prefix: env.REDIS_PREFIX || undefined }) : undefined);
  const pm = createProtectimus({
    mail: { transport: smtp ?? '', from: env.MAIL_FROM || 'protectimus-mail <no-reply@localhost>' },
    secret: secretsFromEnv(env.PROTECTIMUS_SECRET),
    ...overrides,
    store,
  });
  if (store && !overrides.store) pm.adopt(store);
  return pm;
}
