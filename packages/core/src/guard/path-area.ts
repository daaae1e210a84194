/**
 * Which requests belong to a guarded area (`/billing` and everything below it), told from the URL
 * alone. Routers disagree on what a path is: @koa/router matches a prefixed router's `use()`
 * case-sensitively but its routes case-insensitively, koa-mount compares bytes, Express compares
 * case-insensitively, some layers decode `%xx` or resolve `..` before routing and others do not.
 * A guard that is only as wide as one router's idea of its prefix can be walked around by another
 * spelling of the same page. So an area contains every spelling of its paths that any of them
 * could route there: any letter case, `%xx` decoded (repeatedly), `\` as `/`, empty segments
 * (`//`) dropped, `;params` cut from segments, and `.`/`..` both resolved and kept. Taking in too
 * much only means a weird URL is guarded; taking in too little would be a bypass.
 */

/** Where a request falls in an area. */
export interface AreaPlace {
  /** The area's path as configured, never with a trailing slash: `''` or `/billing`. */
  mountPath: string;
  /**
   * For the canonical spelling (the request's path starts with `mountPath` as configured, letter
   * for letter), the path below it: `/`, `/invoices`, `/_otp/verify`. For any other spelling, the
   * request's whole path, which never names one of the guard's own URLs: those answer at the
   * canonical spelling only.
   */
  path: string;
  /** True when the request's path starts with `mountPath` exactly as configured. */
  canonical: boolean;
}

/** A guarded area: a path from the site root and everything below it, in every spelling. */
export interface PathArea {
  /** The area's path, without a trailing slash: `''` (the whole site) or `/billing`. */
  readonly path: string;
  /**
   * Whether the request target `url` (`/billing/x?y`, or absolute-form `http://host/billing/x`)
   * is in the area under any spelling. Allocation-free for an ordinary path.
   */
  contains(url: string): boolean;
  /** Where `url` falls in the area, or null when it is outside under every spelling. */
  locate(url: string): AreaPlace | null;
}

const SLASH = 0x2f;
const BACKSLASH = 0x5c;
const PERCENT = 0x25;
const SEMICOLON = 0x3b;
const DOT = 0x2e;
const QUESTION = 0x3f;
const HASH = 0x23;
const UPPER_A = 0x41;
const UPPER_Z = 0x5a;

/** Rounds of `%xx` decoding: a proxy, a router and an app that each decode once must not find a path the readings missed. */
const DECODE_ROUNDS = 3;

/** Where the path of an origin-form target ends: at the query or the fragment. */
function pathEnd(url: string): number {
  for (let i = 0; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === QUESTION || c === HASH) return i;
  }
  return url.length;
}

/** The path of a request target, as routers read it (parseurl's `pathname`). */
export function pathOfTarget(url: string): string {
  let rest = url;
  // Absolute-form (`GET http://host/x`): routers route its path.
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/.exec(rest);
  if (scheme) rest = rest.slice(scheme[0].length);
  const path = rest.slice(0, pathEnd(rest));
  return path.startsWith('/') ? path : `/${path}`;
}

function asciiLower(c: number): number {
  return c >= UPPER_A && c <= UPPER_Z ? c + 32 : c;
}

/** `%xx` as the character of that byte; malformed escapes stay as they are. */
function decodeBytes(s: string): string {
  return s.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function resolveDots(segments: readonly string[]): string[] {
  const out: string[] = [];
  for (const s of segments) {
    if (s === '.') continue;
    if (s === '..') out.pop();
    else out.push(s);
  }
  return out;
}

/**
 * The path WHATWG URL parsing finds in `path` against a base, as an app doing
 * `new URL(req.url, base)` routes it: `//host/x` and `/\host/x` name a host, and `/x`
 * is the path.
 */
function whatwgPath(path: string): string | null {
  try {
    return new URL(path, 'http://h').pathname;
  } catch {
    return null;
  }
}

/**
 * The segment lists `path` may be read as by some router or layer: lower-cased, with `\` as `/`
 * and empty segments dropped; with and without `;params`; with dot segments kept and resolved;
 * as WHATWG URL parsing reads it; before and after each round of `%xx` decoding.
 */
export function readingsOf(path: string): string[][] {
  const readings: string[][] = [];
  let current = path;
  for (let round = 0; round <= DECODE_ROUNDS; round++) {
    const segments = current.replace(/\\/g, '/').toLowerCase().split('/').filter((s) => s !== '');
    const bare = segments.map((s) => s.split(';', 1)[0] ?? '').filter((s) => s !== '');
    readings.push(segments, bare, resolveDots(segments), resolveDots(bare));
    const parsed = whatwgPath(current);
    if (parsed !== null) readings.push(parsed.toLowerCase().split('/').filter((s) => s !== ''));
    const next = decodeBytes(current);
    if (next === current) break;
    current = next;
  }
  return readings;
}

function startsWithSegments(segments: readonly string[], prefix: readonly string[]): boolean {
  if (segments.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (segments[i] !== prefix[i]) return false;
  return true;
}

/** Characters of a path that need the full reading: anything but plain ASCII pchars. */
function isPlainMount(mount: string): boolean {
  return /^(\/[A-Za-z0-9\-_~!$&'()*+,=:@.]+)*$/.test(mount) && !/\/\.\.?(\/|$)/.test(mount);
}

class Area implements PathArea {
  readonly path: string;
  private readonly lower: string;
  private readonly key: readonly string[];
  /** False when the mount itself has characters the allocation-free check does not handle. */
  private readonly plain: boolean;

  constructor(mount: string) {
    this.path = mount.replace(/\/+$/, '');
    this.lower = this.path.toLowerCase();
    this.plain = isPlainMount(this.path);
    // What the mount means: decoded once, `;params` cut, dot segments resolved.
    this.key = resolveDots(decodeBytes(this.path).replace(/\\/g, '/').toLowerCase().split('/').map((s) => s.split(';', 1)[0] ?? '').filter((s) => s !== ''));
  }

  contains(url: string): boolean {
    if (this.key.length === 0) return true;
    if (this.plain && url.charCodeAt(0) === SLASH) {
      const fast = this.quick(url);
      if (fast !== null) return fast;
    }
    return this.containsPath(pathOfTarget(url));
  }

  locate(url: string): AreaPlace | null {
    const path = pathOfTarget(url);
    const mountPath = this.path;
    if (path === mountPath || path === `${mountPath}/`) return { mountPath, path: '/', canonical: true };
    if (path.startsWith(`${mountPath}/`)) return { mountPath, path: path.slice(mountPath.length), canonical: true };
    return this.containsPath(path) ? { mountPath, path, canonical: false } : null;
  }

  /**
   * The answer for an origin-form target without `%`, `\`, `;`, `//`, `/.` or non-ASCII in its
   * path, where every reading is the path itself lower-cased: a case-insensitive prefix check with
   * no allocation. Null when the path has any of those: the full reading decides.
   */
  private quick(url: string): boolean | null {
    let end = url.length;
    for (let i = 0; i < url.length; i++) {
      const c = url.charCodeAt(i);
      if (c === QUESTION || c === HASH) {
        end = i;
        break;
      }
      if (c === PERCENT || c === BACKSLASH || c === SEMICOLON || c > 0x7e) return null;
      if (c === SLASH) {
        const after = url.charCodeAt(i + 1);
        if (after === SLASH || after === DOT) return null;
      }
    }
    const m = this.lower.length;
    if (end < m) return false;
    for (let i = 0; i < m; i++) if (asciiLower(url.charCodeAt(i)) !== this.lower.charCodeAt(i)) return false;
    return end === m || url.charCodeAt(m) === SLASH;
  }

  private containsPath(path: string): boolean {
    if (path === this.path || path.startsWith(`${this.path}/`)) return true;
    return readingsOf(path).some((segments) => startsWithSegments(segments, this.key));
  }
}

/** Where a request falls under the mount point a framework routed it to, as the bindings hand it on. */
export interface MountPlace {
  /** `''` or `/billing`, never with a trailing slash. */
  mountPath: string;
  /** `/`, `/invoices`, `/_otp/verify`; for another spelling of the mount, the whole path. */
  path: string;
  /**
   * Set when the request names the mount under another spelling than the configured one
   * (`/BILLING/x`, `/%62illing/x`): the framework's router routed it there, so it is the mount's,
   * but it is never one of the guard's own URLs, and the admin router refuses it (404).
   */
  otherSpelling?: true;
}

/**
 * Where `url` falls under `mount` (`/billing`, from the site root), for a binding whose router
 * matched a prefix it only knows as configured (@koa/router's `mountPath`, a Fastify plugin's
 * `prefix`): the path below it, marked `otherSpelling` unless the URL starts with the mount letter
 * for letter. Null when no reading of the URL is under the mount.
 */
export function placeUnder(mount: string, url: string): MountPlace | null {
  const place = pathArea(mount).locate(url);
  if (!place) return null;
  return place.canonical ? { mountPath: place.mountPath, path: place.path } : { mountPath: place.mountPath, path: place.path, otherSpelling: true };
}

/**
 * Throws unless `area` is a plain path for the guard's `area` option: `''`, `/`, or `/billing`,
 * `/app/billing`, made of letters, digits and `-._~!$&'()*+,=@`, without `.` or `..` segments. A
 * `:` is refused, as `/orgs/:org` would be taken for a pattern it is not.
 */
export function checkArea(area: unknown): asserts area is string {
  if (typeof area !== 'string' || !/^(\/[A-Za-z0-9\-_~!$&'()*+,=@.]+)*\/?$/.test(area) || /\/\.\.?(\/|$)/.test(area)) {
    throw new TypeError(
      `protectimusMail: area must be '' or a plain path such as '/billing' (letters, digits, -._~!$&'()*+,=@; no ':' patterns, no . or .. segments), not ${JSON.stringify(area)}`,
    );
  }
}

/**
 * The area at `mount` (`''` or `/` for the whole site, `/billing`), for a guard or a gate to tell
 * its requests from the rest: `pathArea('/billing').contains(req.originalUrl)`. Throws unless
 * `mount` is `''` or starts with `/`, free of `?`, `#`, `\` and whitespace.
 */
export function pathArea(mount: string): PathArea {
  if (typeof mount !== 'string' || (mount !== '' && !mount.startsWith('/')) || /[?#\s\\]/.test(mount)) {
    throw new TypeError(`protectimus-mail: a guarded path must be '' or a path that starts with '/', not ${JSON.stringify(mount)}`);
  }
  return new Area(mount);
}
