import { randomBytes } from 'node:crypto';
import { Audit, type EventListener, type EventQuery, type EventType, type ProtectimusEvent } from './audit';
import { Challenges, type AuthenticateInput, type AuthenticateResult, type PrepareInput, type PrepareResult } from './challenge';
import { Keyring } from './crypto';
import { Devices } from './devices';
import { Resources } from './directory/resources';
import { Tokens } from './directory/tokens';
import { Users } from './directory/users';
import { invalidInput, ProtectimusError } from './errors';
import { builtInCatalogue, Catalogue, type LocaleStrings } from './locale';
import { DevMailSink, devInboxAnswer, Mailer, type CodeSender, type DevInboxRequest, type MailOptions } from './mail';
import type { Answer } from './web/answer';
import { checkSecrets, Rekeyer, secretsFromEnv } from './secrets';
import { MemoryStore } from './stores/memory';
import { RedisStore } from './stores/redis';
import type { Store } from './stores/store';
import * as v from './validation';

/** Where protectimus-mail reads the time; inject a fake one in tests instead of sleeping. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** Limits of codes; all durations in seconds. */
export interface OtpSettings {
  /** How long a code works. Default 300. */
  ttl: number;
  /** Wrong tries a code allows before it is gone. Default 3. */
  maxAttempts: number;
  /** Minimum time between a token's last mail and a resend. Default 30. */
  resendCooldown: number;
  /** Mails per token per rolling hour. Default 10. */
  maxSendsPerHour: number;
  /**
   * `prepare` calls per token per minute (each guard page load that is not verified, each
   * resend), whatever their outcome; past it `RATE_LIMITED` before the store changes anything.
   * Counted in the store, so it holds across sessions and processes.
   * @default 60
   */
  maxPreparesPerMinute: number;
}

/** What the model and the rules share inside one `Protectimus`. */
export interface Context {
  store: Store;
  keyring: Keyring;
  /** Moves tokens used during a secret rotation to the first secret. */
  rekey: Rekeyer;
  clock: Clock;
  audit: Audit;
  otp: OtpSettings;
  /** Consecutive failures that block a token until an admin unblocks it (NIST SP 800-63B 5.2.2). */
  hardBlockAfter: number;
  mailer: CodeSender;
  /** The locales of the pages and the code mail: the built-in ones with the app's strings. */
  locales: Catalogue;
  /**
   * Who the directory's changes are made by, written as `actor` on their audit entries: a name
   * in a view made by `pm.as(name)`, null in the instance's own operations.
   */
  actor?: string | null;
}

/**
 * The admin operations of an instance with each change recorded as made by one administrator:
 * `pm.as('alice').tokens.block(id)` writes `token.blocked` with `actor: 'alice'`. The operations
 * are the instance's own (the same rules, the same store); only the audit entries differ.
 */
export interface AdminActions {
  /** The name the changes are recorded under; null for no one named. */
  readonly actor: string | null;
  readonly tokens: Tokens;
  readonly users: Users;
  readonly resources: Resources;
  /** Remembered devices of users, listed and forgotten as this administrator. */
  readonly devices: Devices;
}

/** Any failure that is not already a decision (a Redis error, a timeout) becomes STORE_UNAVAILABLE. */
export function asDecision(err: unknown): ProtectimusError {
  return err instanceof ProtectimusError ? err : new ProtectimusError('STORE_UNAVAILABLE', 'the store is unreachable', {}, { cause: err });
}

/**
 * Wraps every method of `target` so that it fails closed with a `ProtectimusError`: callers
 * (the guard, the admin API) then never see a raw backend error, and never mistake one for a pass.
 */
export function failClosed<T extends object>(target: T): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value: unknown = Reflect.get(obj, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        try {
          const out: unknown = value.apply(obj, args);
          return out instanceof Promise ? out.catch((err: unknown) => Promise.reject(asDecision(err))) : out;
        } catch (err) {
          throw asDecision(err);
        }
      };
    },
  });
}

/** Options of `createProtectimus`. */
export interface ProtectimusOptions {
  /** Where tokens, users, resources and pending codes live. Default: a new `MemoryStore` (one process only). */
  store?: Store;
  /** How codes are mailed: nodemailer transport (URL, options or transporter) and `from`; or any `CodeSender`. */
  mail: MailOptions | CodeSender;
  /**
   * Server secret that keys code hashes and seals PINs and HOTP secrets; or, to rotate it, a list
   * newest first: the first seals and keys what is written, the others still read what was
   * written under them. Required when NODE_ENV=production, where each must be at least 32 bytes,
   * without whitespace, not a shorter string repeated, of at least 12 distinct characters and
   * about 128 bits by a simple estimate (`npx protectimus-mail secret` prints one). Elsewhere
   * those rules only warn, but a secret under 16 characters is refused.
   */
  secret?: string | readonly string[];
  /** Code limits, in seconds. Defaults: ttl 300, maxAttempts 3, resendCooldown 30, maxSendsPerHour 10, maxPreparesPerMinute 60. */
  otp?: Partial<OtpSettings>;
  /** Consecutive failures that block a token until an admin unblocks it. Default 100. */
  hardBlockAfter?: number;
  /**
   * Activity entries kept in the store's audit log: page loads, codes mailed, expired codes,
   * refusals (100..10,000,000).
   * @default 10000
   */
  eventLogSize?: number;
  /**
   * Security entries kept in a log of their own, which activity never trims: failed codes,
   * blocks, verifications, failed deliveries and every admin change (100..10,000,000).
   * @default eventLogSize
   */
  securityLogSize?: number;
  /** Time source; tests pass a fake one. Default: the wall clock. */
  clock?: Clock;
  /**
   * The app's own strings for the guard's pages and the code mail, by BCP 47 tag: some keys
   * override a built-in locale (`{ de: { verify: 'Prüfen' } }`), a new tag adds a locale
   * (`{ pt: { ...every key } }`), whose missing keys come from its language's built-in locale,
   * else English (with one warning). An unknown key or a value of the wrong kind throws
   * `INVALID_INPUT`. Built in: `en`, `uk`, `de`, `es`, `fr` (docs/design.md, "Languages").
   */
  locales?: LocaleStrings;
}

const warned = new Set<string>();
function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  process.emitWarning(message, 'ProtectimusWarning');
}

function otpSettings(otp: Partial<OtpSettings> = {}): OtpSettings {
  const f = v.fields(otp, ['ttl', 'maxAttempts', 'resendCooldown', 'maxSendsPerHour', 'maxPreparesPerMinute'], 'otp');
  return {
    ttl: f.ttl === undefined ? 300 : v.integer(f.ttl, 'otp.ttl', 30, 86400),
    maxAttempts: f.maxAttempts === undefined ? 3 : v.integer(f.maxAttempts, 'otp.maxAttempts', 1, 10),
    resendCooldown: f.resendCooldown === undefined ? 30 : v.integer(f.resendCooldown, 'otp.resendCooldown', 0, 3600),
    maxSendsPerHour: f.maxSendsPerHour === undefined ? 10 : v.integer(f.maxSendsPerHour, 'otp.maxSendsPerHour', 1, 1000),
    maxPreparesPerMinute: f.maxPreparesPerMinute === undefined ? 60 : v.integer(f.maxPreparesPerMinute, 'otp.maxPreparesPerMinute', 1, 100_000),
  };
}

function isSender(mail: MailOptions | CodeSender): mail is CodeSender {
  return typeof (mail as CodeSender).send === 'function';
}

/**
 * One protectimus-mail instance: the admin model (`tokens`, `users`, `resources`), the two steps
 * of a second factor (`prepare` mails a code, `authenticate` checks it) and the audit trail
 * (`on`, `events`). Every method fails closed with a `ProtectimusError`.
 */
export class Protectimus {
  readonly tokens: Tokens;
  readonly users: Users;
  readonly resources: Resources;
  /**
   * Remembered devices (docs/design.md, "Remember this device"): `list(userId)`,
   * `forget(userId, deviceId)`, `forgetAll(userId)`; the guard remembers and uses them.
   */
  readonly devices: Devices;
  /** The audit log, newest first. */
  readonly events: { list(query?: EventQuery): Promise<{ items: ProtectimusEvent[]; next: string | null }> };
  readonly clock: Clock;
  readonly otp: Readonly<OtpSettings>;
  readonly store: Store;
  /** The locales the guard's pages and the code mail are served in (`locales.tags`). */
  readonly locales: Catalogue;
  private readonly ctx: Context;
  private readonly challenges: Challenges;
  // Unwrapped, for the guard's synchronous check: the fail-closed proxy costs a closure per call.
  private readonly rules: Challenges;
  private readonly owned: { close(): Promise<void> | void }[] = [];

  constructor(options: ProtectimusOptions) {
    v.fields(options, ['store', 'mail', 'secret', 'otp', 'hardBlockAfter', 'eventLogSize', 'securityLogSize', 'clock', 'locales'], 'options');
    // Checked first: a mistake in the app's strings must stop the start before anything opens.
    const locales = options.locales === undefined ? builtInCatalogue : new Catalogue(options.locales);
    if (!options.mail) throw invalidInput('mail', 'mail options are required: { transport, from }');
    const production = process.env.NODE_ENV === 'production';
    const secrets = checkSecrets(options.secret, production);
    if (secrets.length === 0) {
      if (production) throw invalidInput('secret', 'protectimus-mail needs a secret (PROTECTIMUS_SECRET) when NODE_ENV=production');
      warnOnce('protectimus-mail: no secret given; a random one is used, so PINs and codes do not survive a restart or work across processes. Set PROTECTIMUS_SECRET.');
      secrets.push(randomBytes(32).toString('base64url'));
    }
    if (!options.store) {
      if (production) warnOnce('protectimus-mail: MemoryStore in production keeps codes in one process only and loses them on restart; pass a RedisStore.');
      this.owned.push((this.store = new MemoryStore()));
    } else this.store = options.store;
    let mailer: CodeSender;
    if (isSender(options.mail)) mailer = options.mail;
    else this.owned.push((mailer = new Mailer(options.mail)));
    if (mailer instanceof DevMailSink) devSinks.set(this, mailer);
    this.clock = options.clock ?? systemClock;
    this.locales = locales;
    this.otp = otpSettings(options.otp);
    const activity = options.eventLogSize === undefined ? 10000 : v.integer(options.eventLogSize, 'eventLogSize', 100, 10_000_000);
    const security = options.securityLogSize === undefined ? activity : v.integer(options.securityLogSize, 'securityLogSize', 100, 10_000_000);
    const audit = new Audit(this.store, this.clock, { security, activity });
    const keyring = new Keyring(secrets);
    this.ctx = {
      store: this.store,
      keyring,
      rekey: new Rekeyer({ store: this.store, keyring }),
      clock: this.clock,
      audit,
      otp: this.otp,
      hardBlockAfter: options.hardBlockAfter === undefined ? 100 : v.integer(options.hardBlockAfter, 'hardBlockAfter', 3, 100000),
      mailer,
      locales,
    };
    contexts.set(this, this.ctx);
    this.tokens = failClosed(new Tokens(this.ctx));
    this.users = failClosed(new Users(this.ctx, this.tokens));
    this.resources = failClosed(new Resources(this.ctx));
    this.events = failClosed({ list: (query?: EventQuery) => audit.list(query) });
    this.rules = new Challenges(this.ctx);
    this.challenges = failClosed(this.rules);
    this.devices = failClosed(new Devices(this.ctx, this.rules));
  }

  /**
   * The admin operations (`tokens`, `users`, `resources`) recording every change they make as
   * made by `actor` (a display name, 1..100 characters, or null for no one), in the audit
   * entries' `actor` field. The instance's own `pm.tokens`, `pm.users`, `pm.resources` record
   * `actor: null`. Cheap: a view over the same instance, made per request by the admin router.
   */
  as(actor: string | null): AdminActions {
    const name = v.actor(actor);
    const ctx: Context = { ...this.ctx, actor: name };
    const tokens = failClosed(new Tokens(ctx));
    return {
      actor: name,
      tokens,
      users: failClosed(new Users(ctx, tokens)),
      resources: failClosed(new Resources(ctx)),
      devices: failClosed(new Devices(ctx, new Challenges(ctx))),
    };
  }

  /** Emails a code to the user's token on the resource, or reuses the open one. */
  prepare(input: PrepareInput): Promise<PrepareResult> {
    return this.challenges.prepare(input);
  }

  /** Checks PIN+code; resolves with who passed, or rejects with a `ProtectimusError`. */
  authenticate(input: AuthenticateInput): Promise<AuthenticateResult> {
    return this.challenges.authenticate(input);
  }

  /**
   * Whether a success (`authenticate`'s `stamp`) still holds for `login` on `resource`: same
   * resource, user and token, still assigned, nothing deleted, no admin block since, address and
   * PIN unchanged, and the resource's time window open now (docs/design.md, "Time windows").
   * Answers from what the store knows without I/O (RedisStore: its directory
   * cache, while fresh); undefined when only a read can tell (`confirmGrant`). Never throws; a
   * failed-attempt lock does not count.
   */
  stillGranted(resource: string, login: string, stamp: string): boolean | undefined {
    try {
      return this.rules.stillGranted(resource, login, stamp);
    } catch {
      // A record that cannot be read: `confirmGrant` meets it again and fails closed, reported.
      return undefined;
    }
  }

  /** `stillGranted`, reading the store when needed (one `resolve`); rejects with `STORE_UNAVAILABLE`. */
  confirmGrant(resource: string, login: string, stamp: string): Promise<boolean> {
    return this.challenges.confirmGrant(resource, login, stamp);
  }

  /** Listens to one event type, or `'*'` for all. */
  on(type: EventType | '*', fn: EventListener): this {
    this.ctx.audit.on(type, fn);
    return this;
  }

  off(type: EventType | '*', fn: EventListener): this {
    this.ctx.audit.off(type, fn);
    return this;
  }

  /**
   * Finishes the re-sealing under way and writes the audit entries still buffered, then closes what this instance created (its default
   * store, its mail transport); not what was passed in.
   */
  async close(): Promise<void> {
    await this.ctx.rekey.settled();
    await this.ctx.audit.flush();
    await Promise.all(this.owned.map((o) => o.close()));
  }

  /** Takes ownership of a resource to close with this instance (used by `protectimusFromEnv`). */
  adopt(resource: { close(): Promise<void> | void }): void {
    this.owned.push(resource);
  }
}

// The development sink of each instance mailing through one, for its dev inbox.
const devSinks = new WeakMap<Protectimus, DevMailSink>();

// Each instance's context, for `wrapSender` alone: the rules read the sender from it on each mail.
const contexts = new WeakMap<Protectimus, Context>();

/**
 * Replaces the code sender of `pm` by `wrap(current)` and returns what puts the current one back:
 * how `protectimusMetrics` times each mail. Not in the public face; an instance never measured
 * keeps the sender it was given, with nothing in between.
 */
export function wrapSender(pm: Protectimus, wrap: (sender: CodeSender) => CodeSender): () => void {
  const ctx = contexts.get(pm);
  if (ctx === undefined) throw new TypeError('not a protectimus-mail instance');
  const current = ctx.mailer;
  const wrapped = wrap(current);
  ctx.mailer = wrapped;
  return () => {
    // Only if no later wrap sits on top: that one keeps working, and holds this sender anyway.
    if (ctx.mailer === wrapped) ctx.mailer = current;
  };
}

/** Creates a protectimus-mail instance. */
export function createProtectimus(options: ProtectimusOptions): Protectimus {
  return new Protectimus(options);
}

/**
 * Builds an instance from the environment: `SMTP_URL` (the mail server), `MAIL_FROM` (default
 * `protectimus-mail <no-reply@localhost>`), `REDIS_URL` (the store) and `REDIS_PREFIX` (default
 * `pm:`, to put the keys of several apps apart in one Redis), `PROTECTIMUS_SECRET` (one secret, or
 * during a rotation a comma-separated list, newest first, no spaces). `overrides` win over what
 * the environment says.
 *
 * Outside production what is missing gets a development default, with one warning naming it: no
 * `SMTP_URL`, a `DevMailSink` (each code on the console and in `devInbox()`); no `REDIS_URL`, a
 * `MemoryStore`; no `PROTECTIMUS_SECRET`, a random secret. With NODE_ENV=production none of them
 * is ever used: a missing `SMTP_URL`, `REDIS_URL` or `PROTECTIMUS_SECRET` throws
 * `INVALID_INPUT` naming every missing variable (docs/design.md, "Configuration").
 */
export function protectimusFromEnv(env: NodeJS.ProcessEnv = process.env, overrides: Partial<ProtectimusOptions> = {}): Protectimus {
  // Either says production: an env object handed in must not make a production process a dev one.
  const production = env.NODE_ENV === 'production' || process.env.NODE_ENV === 'production';
  const smtp = env.SMTP_URL || undefined;
  const missing = {
    SMTP_URL: !overrides.mail && !smtp,
    REDIS_URL: !overrides.store && !env.REDIS_URL,
    PROTECTIMUS_SECRET: overrides.secret === undefined && !env.PROTECTIMUS_SECRET,
  };
  const unset = (Object.keys(missing) as (keyof typeof missing)[]).filter((name) => missing[name]);
  if (production && unset.length > 0) {
    const why = { SMTP_URL: 'the SMTP server that mails the codes', REDIS_URL: 'the Redis the directory and the codes live in', PROTECTIMUS_SECRET: 'the server secret; `npx protectimus-mail secret` prints one' };
    throw invalidInput(
      unset.join(','),
      `protectimus-mail: NODE_ENV=production and ${unset.join(', ')} ${unset.length === 1 ? 'is' : 'are'} not set: ${unset.map((name) => `${name} (${why[name]})`).join(', ')}. ` +
        'The development defaults (a mail sink that shows the codes, a memory store, a random secret) are never used in production.',
    );
  }
  const defaults: string[] = [];
  let mail: MailOptions | CodeSender | undefined = overrides.mail ?? (smtp ? { transport: smtp, from: env.MAIL_FROM || 'protectimus-mail <no-reply@localhost>' } : undefined);
  if (!mail) {
    mail = new DevMailSink();
    defaults.push('no SMTP_URL: nothing is mailed, each code is printed on the console and listed by the dev inbox (protectimusDevInbox())');
  }
  const store = overrides.store ?? (env.REDIS_URL ? new RedisStore({ url: env.REDIS_URL, prefix: env.REDIS_PREFIX || undefined }) : undefined);
  if (!store) defaults.push('no REDIS_URL: a MemoryStore (one process; everything is lost on restart)');
  let secret = overrides.secret ?? secretsFromEnv(env.PROTECTIMUS_SECRET);
  if (missing.PROTECTIMUS_SECRET) {
    secret = randomBytes(32).toString('base64url');
    defaults.push('no PROTECTIMUS_SECRET: a random secret (codes and PINs do not survive a restart)');
  }
  if (defaults.length > 0) warnOnce(`protectimus-mail: development defaults, since NODE_ENV is not production: ${defaults.join('; ')}. Set these variables before production, where they are required.`);
  let pm: Protectimus;
  try {
    pm = createProtectimus({ ...overrides, mail, secret, store });
  } catch (err) {
    // The store was made here for this instance: a refused option must not leave it connecting.
    if (store && !overrides.store) void store.close().catch(() => undefined);
    throw err;
  }
  if (store && !overrides.store) pm.adopt(store);
  return pm;
}

let shared: Protectimus | undefined;

/**
 * The instance every guard, admin router and strategy made without a `protectimus` option uses,
 * whatever the adapter: built by `protectimusFromEnv()` on first call (a guard calls it when it
 * is created), then the same one for the whole process (one Redis connection, one mail transport).
 * Call it to administer that instance or `close()` it. With NODE_ENV=production it throws while
 * the environment is incomplete, naming what is missing, and tries again on the next call.
 */
export function defaultProtectimus(): Protectimus {
  shared ??= protectimusFromEnv();
  return shared;
}

/** Options of `devInbox`. */
export interface DevInboxOptions {
  /** The instance whose mails to list. Default: `defaultProtectimus()`. */
  protectimus?: Protectimus;
}

/**
 * The dev inbox, framework-neutral (the adapters bind it as `protectimusDevInbox()`): answers a
 * request with the codes the instance's `DevMailSink` kept, newest first, as a page or as JSON
 * when asked; 404 when the instance mails through SMTP. Throws when NODE_ENV=production: there,
 * no page may show codes.
 */
export function devInbox(options: DevInboxOptions = {}): (request: DevInboxRequest) => Answer {
  if (process.env.NODE_ENV === 'production') throw new Error('protectimus-mail: the dev inbox shows every code and is refused when NODE_ENV=production; mount it only outside production.');
  const pm = options.protectimus ?? defaultProtectimus();
  const sink = devSinks.get(pm) ?? null;
  return (request) => devInboxAnswer(sink, request);
}
