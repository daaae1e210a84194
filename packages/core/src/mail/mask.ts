/**
 * Hides most of a mail address's local part, so a page or API answer tells the user where the
 * code went without handing the full address to whoever looks: `alice@example.com` becomes
 * `a***e@example.com`; a local part of up to 3 characters keeps only its first one (`a***@x.org`),
 * since showing two of three would show nearly all.
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  // Code points, not UTF-16 units, so an accented or emoji first letter is not split in half.
  const local = Array.from(email.slice(0, at));
  const domain = email.slice(at);
  const first = local[0] ?? '';
  const last = local[local.length - 1] ?? '';
  return local.length <= 3 ? `${first}***${domain}` : `${first}***${last}${domain}`;
}
