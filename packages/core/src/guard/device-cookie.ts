import type { GuardRequest } from './protocol';

// The remembered-device cookie (docs/design.md, "Remember this device"): its name, how it is
// read from a request, and the Set-Cookie that writes or clears it.

/** Hosts a browser treats as a secure context over plain http: the cookie may go without `Secure` there. */
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/**
 * The cookie's name for a guard's resource: `pm_device_` and the `resource` option, with every
 * character outside letters, digits, `-`, `_` and `.` written `%XX` (UTF-8), so each resource
 * has its own and the name is always a valid cookie name.
 */
export function deviceCookieName(resource: string): string {
  const safe = Array.from(Buffer.from(resource, 'utf8'))
    .map((byte) => {
      const ch = String.fromCharCode(byte);
      return /[A-Za-z0-9_.-]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
  return `pm_device_${safe}`;
}

/** The value of the cookie `name` in a Cookie header, or null; the first one when repeated. */
export function readCookie(header: string | undefined, name: string): string | null {
  if (typeof header !== 'string' || header === '') return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    return value;
  }
  return null;
}

/**
 * Whether the cookie must be `Secure`: always, unless the request came over plain http to the
 * machine itself (`localhost`, `127.0.0.1`, `::1`), as the binding sees it (behind a proxy, with
 * the framework's trust-proxy setting: `https` forwarded makes it secure).
 */
export function needsSecure(req: Pick<GuardRequest, 'secure' | 'hostname'>): boolean {
  if (req.secure !== false) return true;
  const host = (req.hostname ?? '').toLowerCase();
  return !LOCAL_HOSTS.has(host);
}

/** The Set-Cookie that keeps a device's id for `maxAgeSeconds`: HttpOnly, SameSite=Lax, Path=/. */
export function deviceCookie(name: string, value: string, maxAgeSeconds: number, secure: boolean): string {
  return `${name}=${value}; Max-Age=${Math.floor(maxAgeSeconds)}; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

/** The Set-Cookie that removes the device cookie (forgotten, unknown, expired or revoked). */
export function clearDeviceCookie(name: string, secure: boolean): string {
  return `${name}=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}
