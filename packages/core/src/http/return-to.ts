/** Longer targets are not pages a user asked for; they would only bloat the session. */
const MAX_LENGTH = 2048;

/**
 * `url` if it is a path on this site to send the user back to, else null. Only a single leading
 * `/` is allowed: `//host` and `/\host` are read by browsers as other sites. Only visible ASCII
 * is kept (browsers percent-encode the rest), so no control character, space or raw byte can
 * break the `Location` header, and no backslash can be read as a slash.
 */
export function safeReturnTo(url: unknown): string | null {
  if (typeof url !== 'string' || url.length === 0 || url.length > MAX_LENGTH) return null;
  if (!url.startsWith('/') || url.startsWith('//')) return null;
  if (/[^\x21-\x7e]|\\/.test(url)) return null;
  // Last word to the URL parser: whatever it resolves to must stay on our origin.
  const base = 'http://return-to.invalid';
  try {
    if (new URL(url, base).origin !== base) return null;
  } catch {
    return null;
  }
  return url;
}
