import { randomBytes } from 'node:crypto';
import { isSealedPin, type Keyring } from './crypto';
import { transact } from './directory/transaction';
import { invalidInput } from './errors';
import { memberId, type TokenRecord } from './model';
import type { Context } from './protectimus';
import { dirKey, dirList } from './stores/store';

/** Secrets a `secret` list may hold: the newest, and the older ones still read during a rotation. */
export const MAX_SECRETS = 8;

/** Bytes of a secret at least, when NODE_ENV=production. */
export const MIN_SECRET_BYTES = 32;
/**
 * Distinct characters a secret uses at least, when NODE_ENV=production. Not 16: a hex string has
 * only 16 to draw from, and a quarter of `openssl rand -hex 32` outputs miss one of them.
 */
export const MIN_DISTINCT_CHARS = 12;
/** Estimated entropy of a secret at least, in bits, when NODE_ENV=production. */
export const MIN_ENTROPY_BITS = 128;

/**
 * Words people put in secrets they mean to replace, and keyboard rows. Each occurrence is taken
 * out before the entropy estimate, so they add nothing to it.
 */
const PLACEHOLDER_WORDS = [
  'changeme',
  'change',
  'replace',
  'secret',
  'password',
  'passwd',
  'pass',
  'example',
  'default',
  'placeholder',
  'sample',
  'dummy',
  'testing',
  'test',
  'insecure',
  'development',
  'dev',
  'production',
  'prod',
  'localhost',
  'local',
  'protectimus',
  'mail',
  'admin',
  'root',
  'letmein',
  'welcome',
  'your',
  'my',
  'key',
  'token',
  'todo',
  'qwertyuiop',
  'qwerty',
  'asdfghjkl',
  'asdf',
  'zxcvbnm',
  'zxcv',
];
const PLACEHOLDER = new RegExp(PLACEHOLDER_WORDS.join('|'), 'gi');

/** Sizes of the character classes the entropy estimate counts a secret's characters from. */
const CLASSES: { test: (c: number) => boolean; size: number }[] = [
  { test: (c) => c >= 0x61 && c <= 0x7a, size: 26 },
  { test: (c) => c >= 0x41 && c <= 0x5a, size: 26 },
  { test: (c) => c >= 0x30 && c <= 0x39, size: 10 },
  // The rest of printable ASCII but space: 32 symbols.
  { test: (c) => c > 0x20 && c < 0x7f && !/[A-Za-z0-9]/.test(String.fromCharCode(c)), size: 32 },
  { test: (c) => c >= 0x80, size: 128 },
];

function isHexDigit(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/**
 * Estimated entropy of `s` in bits, by a deliberately simple rule: with the placeholder words
 * taken out, each character counts log2(size of the character classes present: 26 lower-case
 * letters, 26 upper-case, 10 digits, 32 other ASCII symbols, 128 for anything else; 16 for a
 * string of hex digits only), except one that
 * repeats the character before it or is next to it in code point order (`aaaa`, `abcd`, `4321`
 * count as one character each).
 */
export function estimateEntropyBits(s: string): number {
  const rest = [...s.replace(PLACEHOLDER, '')].map((ch) => ch.codePointAt(0) as number);
  let pool = 0;
  if (rest.length > 0 && rest.every(isHexDigit)) pool = 16;
  else for (const cls of CLASSES) if (rest.some(cls.test)) pool += cls.size;
  let counted = 0;
  for (let i = 0; i < rest.length; i++) {
    const prev = rest[i - 1];
    if (prev !== undefined && Math.abs((rest[i] as number) - prev) <= 1) continue;
    counted += 1;
  }
  return pool === 0 ? 0 : counted * Math.log2(pool);
}

/** Smallest p such that s[i] === s[i + p] for every i (s.length when s does not repeat). */
function period(s: string): number {
  // Knuth-Morris-Pratt failure function: linear, whatever the length.
  const fail = new Array<number>(s.length + 1).fill(0);
  fail[0] = -1;
  for (let i = 1, k = -1; i <= s.length; i++) {
    while (k >= 0 && s[k] !== s[i - 1]) k = fail[k] as number;
    k += 1;
    fail[i] = k;
  }
  return s.length - (fail[s.length] as number);
}

/**
 * The rule a secret breaks for NODE_ENV=production, in words fit for an error message (they
 * never quote the secret), or null when it keeps them all. The rules, checked in this order:
 * 1. at least 32 bytes (UTF-8);
 * 2. no whitespace;
 * 3. not a repetition of a shorter string (`abcabc...`, `changeme-changeme-...`);
 * 4. at least 12 distinct characters;
 * 5. estimated entropy of at least 128 bits (see `estimateEntropyBits`), so common placeholder
 *    words (`changeme`, `secret`, `password`, `example`...), runs and keyboard rows add nothing.
 */
export function secretWeakness(secret: string): string | null {
  if (Buffer.byteLength(secret, 'utf8') < MIN_SECRET_BYTES) return `it must be at least ${MIN_SECRET_BYTES} bytes long`;
  if (/\s/u.test(secret)) return 'it must not contain whitespace';
  const p = period(secret);
  if (p * 2 <= secret.length) return 'it must not be a shorter string repeated';
  if (new Set(secret).size < MIN_DISTINCT_CHARS) return `it must use at least ${MIN_DISTINCT_CHARS} distinct characters`;
  if (estimateEntropyBits(secret) < MIN_ENTROPY_BITS) {
    return `its estimated entropy must be at least ${MIN_ENTROPY_BITS} bits (placeholder words such as "changeme" or "secret", runs and keyboard rows count for nothing)`;
  }
  return null;
}

/** A new server secret: 32 random bytes, base64url (43 characters). */
export function generateSecret(): string {
  for (;;) {
    const s = randomBytes(32).toString('base64url');
    // A random draw breaks a rule about never (it would take a run of some 20 neighbours), but
    // what this prints must always be accepted.
    if (secretWeakness(s) === null) return s;
  }
}

let warnedWeak = false;

/**
 * Checks the `secret` option and returns the secrets newest first (empty when none was given).
 * Shorter than 16 characters is refused everywhere; the production rules (`secretWeakness`)
 * throw when NODE_ENV=production and warn once per process otherwise.
 */
export function checkSecrets(value: unknown, production: boolean): string[] {
  if (value === undefined || value === null || value === '') return [];
  const list: unknown[] = Array.isArray(value) ? value : [value];
  if (list.length > MAX_SECRETS) throw invalidInput('secret', `secret may list at most ${MAX_SECRETS} secrets`);
  const secrets: string[] = [];
  list.forEach((s, i) => {
    const which = list.length === 1 ? 'secret' : `secret #${i + 1} of the list`;
    if (typeof s !== 'string') throw invalidInput('secret', 'secret must be a string or a list of strings, newest first');
    if (s.length < 16) throw invalidInput('secret', `${which} must be at least 16 characters`);
    const weakness = secretWeakness(s);
    if (weakness !== null) {
      if (production) throw invalidInput('secret', `${which} is too easy to guess for NODE_ENV=production: ${weakness}. \`npx protectimus-mail secret\` prints a good one.`);
      if (!warnedWeak) {
        warnedWeak = true;
        process.emitWarning(`protectimus-mail: ${which} would be refused when NODE_ENV=production: ${weakness}. \`npx protectimus-mail secret\` prints a good one.`, 'ProtectimusWarning');
      }
    }
    if (!secrets.includes(s)) secrets.push(s);
  });
  return secrets;
}

/** `PROTECTIMUS_SECRET` as a list: comma-separated, newest first; empty entries are ignored. */
export function secretsFromEnv(value: string | undefined): string | string[] | undefined {
  if (value === undefined || value === '') return undefined;
  const list = value.split(',').filter((s) => s !== '');
  return list.length === 1 ? list[0] : list;
}

// Rotation: moving what was sealed under an older secret to the first one.

type Keys = Pick<Context, 'store' | 'keyring'>;

/** What re-sealing a token found: see `Tokens.reseal`. */
export type RekeyOutcome = 'current' | 'resealed' | 'waiting' | 'unreadable' | 'gone';

/** Counts of `Tokens.reseal`. */
export interface ResealReport {
  /** Tokens looked at. */
  tokens: number;
  /** Tokens rewritten now, and wholly under the first secret since. */
  resealed: number;
  /**
   * Tokens whose PIN was stored by an earlier version (an HMAC): it moves to the first secret
   * only when its owner types it (anything else of theirs moved now). Counted only while older
   * secrets are listed.
   */
  waiting: number;
  /** Tokens none of the secrets opens: made under a secret no longer listed. */
  unreadable: number;
}

interface Assessment {
  /** Nothing can be done: no listed secret opens its HOTP secret or its sealed PIN. */
  unreadable: boolean;
  /** A rewrite would move something to the first secret. */
  stale: boolean;
  /** An earlier version's PIN HMAC, which only the PIN typed can move, while older secrets are listed. */
  waiting: boolean;
}

/** What a token's record holds under an older secret, without writing anything. */
function assess(keyring: Keyring, rec: TokenRecord, pin: string | null): Assessment {
  const none = { unreadable: true, stale: false, waiting: false };
  const opened = keyring.open(rec.id, rec.secret);
  if (opened === null) return none;
  let stale = opened.key > 0;
  let waiting = false;
  if (rec.pinHash !== null) {
    if (isSealedPin(rec.pinHash)) {
      const moved = keyring.resealPin(rec.id, rec.pinHash);
      if (moved === null) return none;
      stale ||= moved !== rec.pinHash;
    } else if (pin !== null && keyring.pinKey(rec.id, pin, rec.pinHash) >= 0) {
      stale = true;
    } else if (keyring.size > 1) {
      waiting = true;
    }
  }
  return { unreadable: false, stale, waiting };
}

function outcome(a: Assessment): Exclude<RekeyOutcome, 'gone'> {
  return a.unreadable ? 'unreadable' : a.waiting ? 'waiting' : a.stale ? 'resealed' : 'current';
}

/**
 * Rewrites under the first secret what a token's record still holds under an older one, in one
 * directory transaction that reads the record afresh (another process may have done it, or an
 * admin changed the PIN meanwhile). The HOTP secret is not re-sealed but replaced by a new random
 * one: a mail token's secret never leaves the server, so nothing else needs it, and whoever read
 * the old one with the old secret cannot compute the next codes. `pin`, when the owner just typed
 * it right, moves a PIN stored by an earlier version (an HMAC) too.
 */
export async function rekeyToken(ctx: Keys, tokenId: string, pin: string | null): Promise<RekeyOutcome> {
  return transact(ctx.store, async (tx) => {
    const rec = await tx.record<TokenRecord>(dirKey.token(tokenId));
    if (rec === null) return 'gone';
    const found = assess(ctx.keyring, rec, pin);
    if (found.unreadable || !found.stale) return outcome(found);
    const next: TokenRecord = { ...rec };
    if ((ctx.keyring.open(rec.id, rec.secret)?.key ?? 0) > 0) next.secret = ctx.keyring.seal(rec.id, randomBytes(20));
    if (rec.pinHash !== null) {
      if (isSealedPin(rec.pinHash)) next.pinHash = ctx.keyring.resealPin(rec.id, rec.pinHash);
      else if (pin !== null && ctx.keyring.pinKey(rec.id, pin, rec.pinHash) >= 0) next.pinHash = ctx.keyring.pinHash(rec.id, pin);
    }
    tx.set(dirKey.token(rec.id), next);
    return outcome(found);
  });
}

/** Every token moved to the first secret where it can be; see `Tokens.reseal`. */
export async function resealAll(ctx: Keys): Promise<ResealReport> {
  const report: ResealReport = { tokens: 0, resealed: 0, waiting: 0, unreadable: 0 };
  for (let after: string | null = null; ; ) {
    const page = await ctx.store.dirRange(dirList.tokens, after, 200);
    const ids = page.members.map(memberId);
    const { values } = await ctx.store.dirGet(ids.map(dirKey.token));
    for (const raw of values) {
      if (raw === null) continue;
      const rec = JSON.parse(raw) as TokenRecord;
      // Read in bulk first: in a finished rotation almost every token is current already.
      const found = assess(ctx.keyring, rec, null);
      const done = found.stale && !found.unreadable ? await rekeyToken(ctx, rec.id, null) : outcome(found);
      if (done === 'gone') continue;
      report.tokens += 1;
      if (done !== 'current') report[done] += 1;
    }
    if (page.members.length < 200) return report;
    after = page.members[page.members.length - 1] ?? null;
  }
}

/**
 * Moves tokens to the first secret as they are used during a rotation: once per token and
 * process, in the background, so the request that noticed pays nothing for it.
 */
export class Rekeyer {
  // Records (by their sealed fields) already checked or rewritten: never looked at again.
  private readonly done = new Set<string>();
  private readonly running = new Map<string, Promise<void>>();
  private failing = false;

  constructor(private readonly ctx: Keys) {}

  /**
   * A token was just used (`pin`: the PIN its owner typed right, or null). If its record holds
   * anything under an older secret, it is rewritten under the first one.
   */
  onUse(token: TokenRecord, pin: string | null): void {
    const oldPin = token.pinHash !== null && pin !== null && !isSealedPin(token.pinHash);
    // Outside a rotation only a PIN stored by an earlier version, just typed, has to move.
    if (this.ctx.keyring.size === 1 && !oldPin) return;
    const mark = `${token.id}\n${token.secret}\n${token.pinHash ?? ''}\n${pin === null ? 0 : 1}`;
    if (this.done.has(mark) || this.running.has(token.id)) return;
    const found = assess(this.ctx.keyring, token, pin);
    if (found.unreadable || !found.stale) {
      this.remember(mark);
      return;
    }
    const job = rekeyToken(this.ctx, token.id, pin)
      .then(
        () => {
          this.failing = false;
          this.remember(mark);
        },
        (err: unknown) => {
          // The token keeps working under the older secret; its next use tries again.
          if (this.failing) return;
          this.failing = true;
          process.emitWarning(`protectimus-mail: a token could not be re-sealed under the first secret; its next use retries: ${(err as Error).message}`, 'ProtectimusWarning');
        },
      )
      .finally(() => this.running.delete(token.id));
    this.running.set(token.id, job);
  }

  /** Resolves when the rewrites under way are done (`Protectimus.close` waits for them). */
  async settled(): Promise<void> {
    await Promise.all(this.running.values());
  }

  private remember(mark: string): void {
    if (this.done.size >= 10_000) this.done.clear();
    this.done.add(mark);
  }
}
