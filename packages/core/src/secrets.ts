import { randomBytes } from 'node:crypto';
import { invalidInput } from './errors';

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
