import { BlockList, isIP } from 'node:net';
import { invalidInput } from './errors';
import { canonicalTag } from './locale';
import type { Enrollment, OtpLength, PinPosition } from './model';

// Every check here throws INVALID_INPUT naming the field, before anything is written.

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const LOGIN = /^[A-Za-z0-9_\-@!#%+.$]{1,64}$/;
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}$/;
const DOMAIN = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** The input as a plain object with only the named fields; anything else is refused. */
export function fields(input: unknown, allowed: readonly string[], what: string): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalidInput(what, `${what} must be an object`);
  for (const key of Object.keys(input)) {
    if (!allowed.includes(key)) throw invalidInput(key, `unknown field "${key}"`);
  }
  return input as Record<string, unknown>;
}

/** A display name: 1..max characters after trimming, no control characters. */
export function displayName(value: unknown, field: string, max = 50): string {
  if (typeof value !== 'string') throw invalidInput(field, `${field} must be a string`);
  const s = value.trim();
  if (s.length < 1 || s.length > max) throw invalidInput(field, `${field} must be 1 to ${max} characters`);
  if (CONTROL.test(s)) throw invalidInput(field, `${field} must not contain control characters`);
  return s;
}

/** Who makes admin changes, as the audit log shows it (`pm.as(actor)`): a display name of 1..100 characters, or null. */
export function actor(value: unknown): string | null {
  if (value === null) return null;
  return displayName(value, 'actor', 100);
}

/** An optional person name: null, or up to 100 characters. */
export function optionalName(value: unknown, field: string): string | null {
  if (value === undefined || value === null || value === '') return null;
  return displayName(value, field, 100);
}

/** A mail address of ordinary syntax; CR/LF and other control characters (header injection) refused. */
export function email(value: unknown, field = 'email'): string {
  if (typeof value !== 'string') throw invalidInput(field, `${field} must be a string`);
  const s = value.trim();
  const at = s.lastIndexOf('@');
  if (s.length > 254 || CONTROL.test(s) || at < 1 || !LOCAL_PART.test(s.slice(0, at)) || !DOMAIN.test(s.slice(at + 1))) {
    throw invalidInput(field, `${field} is not a valid email address`);
  }
  const local = s.slice(0, at);
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) throw invalidInput(field, `${field} is not a valid email address`);
  return s;
}

/** An optional address: null, or a valid one. */
export function optionalEmail(value: unknown, field = 'email'): string | null {
  return value === undefined || value === null || value === '' ? null : email(value, field);
}

/**
 * A login as an administrator may create it: 1 to 64 ASCII letters, digits or `_-@!#%+.$`.
 * Nothing is normalized: no Unicode (so no compatibility forms such as KELVIN SIGN for `K`), no
 * case folding on the way in.
 */
export function login(value: unknown): string {
  if (typeof value !== 'string' || !LOGIN.test(value)) {
    throw invalidInput('login', 'login must be 1 to 64 letters, digits or _-@!#%+.$');
  }
  return value;
}

/**
 * The one login normalization: the key a login is unique under, its ASCII letters lower-cased.
 * Two logins that differ only in case cannot both exist; but a login is *found* only by its exact
 * spelling (`Challenges.route` compares the stored login), so an app account `KATE`, or
 * `\u212Aate`, is never served the token of `kate`. Only A-Z fold: `toLowerCase()` would also fold
 * KELVIN SIGN and the like into ASCII.
 */
export function loginKey(login: string): string {
  return login.replace(/[A-Z]+/g, (upper) => upper.toLowerCase());
}

export function otpLength(value: unknown): OtpLength {
  if (value !== 6 && value !== 8) throw invalidInput('otpLength', 'otpLength must be 6 or 8');
  return value;
}

const PIN = /^[A-Za-z0-9]{4,12}$/;

/** True for a PIN of 4..12 ASCII letters or digits. */
export function isValidPin(pin: string): boolean {
  return PIN.test(pin);
}

export function pin(value: unknown): string {
  if (typeof value !== 'string' || !isValidPin(value)) throw invalidInput('pin', 'pin must be 4 to 12 ASCII letters or digits');
  return value;
}

export function pinPosition(value: unknown): PinPosition {
  if (value !== 'before' && value !== 'after') throw invalidInput('pinPosition', "pinPosition must be 'before' or 'after'");
  return value;
}

/** A resource's `enrollment`: `'allowed'` or `'off'`. */
export function enrollment(value: unknown): Enrollment {
  if (value !== 'allowed' && value !== 'off') throw invalidInput('enrollment', "enrollment must be 'allowed' or 'off'");
  return value;
}

/** A whole number in [min, max]. */
export function integer(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidInput(field, `${field} must be a whole number from ${min} to ${max}`);
  }
  return value;
}

/** Up to 100 addresses or CIDR ranges, IPv4 or IPv6, normalized. */
export function allowedIps(value: unknown): string[] {
  if (!Array.isArray(value) || value.length > 100) throw invalidInput('allowedIps', 'allowedIps must be a list of at most 100 entries');
  return value.map((entry) => {
    const parsed = typeof entry === 'string' ? parseIpEntry(entry) : null;
    if (!parsed) throw invalidInput('allowedIps', `not an IP address or CIDR: ${String(entry).slice(0, 60)}`);
    return `${parsed.address}/${parsed.prefix}`;
  });
}

/** An id as the API hands them out. */
export function id(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(value)) throw invalidInput(field, `${field} is not a valid id`);
  return value;
}

// Client addresses and the resources' allow-lists.

/** An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`, what dual-stack sockets report) as plain IPv4. */
function unmap(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m?.[1] ?? ip;
}

/** Parses `1.2.3.4`, `10.0.0.0/8`, `2001:db8::/32` or `::1`; null when it is none of these. */
export function parseIpEntry(entry: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | null {
  const [addr = '', bits, extra] = entry.trim().split('/');
  if (extra !== undefined) return null;
  const address = unmap(addr);
  const version = isIP(address);
  if (version === 0) return null;
  const max = version === 4 ? 32 : 128;
  if (bits !== undefined && !/^\d{1,3}$/.test(bits)) return null;
  const prefix = bits === undefined ? max : Number(bits);
  if (prefix > max) return null;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** An allow-list of addresses and CIDR ranges, IPv4 and IPv6. Empty allows everyone. */
export class IpAllowList {
  private readonly list = new BlockList();
  readonly empty: boolean;

  constructor(entries: readonly string[]) {
    this.empty = entries.length === 0;
    for (const entry of entries) {
      const parsed = parseIpEntry(entry);
      if (!parsed) throw new Error(`not an IP address or CIDR: ${entry}`);
      this.list.addSubnet(parsed.address, parsed.prefix, parsed.family);
    }
  }

  /** Whether `ip` may enter; an unknown address is refused when the list is not empty. */
  allows(ip: string | undefined): boolean {
    if (this.empty) return true;
    if (!ip) return false;
    const address = unmap(ip);
    const version = isIP(address);
    if (version === 0) return false;
    return this.list.check(address, version === 4 ? 'ipv4' : 'ipv6');
  }
}

/**
 * A well-formed BCP 47 tag as a user's `locale` (canonical), or null for none. Any tag is taken,
 * not only served ones: the mail falls back by language, then to the page's, then to English.
 */
export function optionalLocale(value: unknown, field = 'locale'): string | null {
  if (value === undefined || value === null || value === '') return null;
  const tag = canonicalTag(value);
  if (tag === null) throw invalidInput(field, `${field} must be a BCP 47 language tag such as "uk" or "pt-BR"`);
  return tag;
}
