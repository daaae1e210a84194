import type { Surface } from '../errors';
import { STYLE_HASH } from './html';

/**
 * An answer of the guard or the admin router, written back by the adapter as is: status, headers,
 * body (empty for 204).
 */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * The Content-Security-Policy of the guard's pages: no script at all, only the one stylesheet
 * (and the shell's empty `data:` icon).
 */
export const PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${STYLE_HASH}'`,
  'img-src data:',
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/**
 * The panel's Content-Security-Policy: scripts and styles only from the router's own files, no
 * inline script or style anywhere, fetches only to this origin, never framed.
 */
export const ADMIN_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

// Every answer depends on the session (codes' state, the directory): no cache may keep or share
// it. The guard's answers also vary with Accept (a page or JSON for the same URL); the admin API's
// JSON does not, and it keeps its Referer to itself. Pages have both, in each surface's order.
const BASE: Readonly<Record<Surface, Readonly<Record<string, string>>>> = {
  guard: { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', Vary: 'Accept' },
  admin: { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' },
};

/** A JSON answer with the surface's headers; `extra` adds or replaces some. */
export function json(status: number, body: unknown, extra: Record<string, string> = {}, surface: Surface = 'admin'): Answer {
  return { status, headers: { ...BASE[surface], 'Content-Type': 'application/json; charset=utf-8', ...extra }, body: JSON.stringify(body) };
}

/** 204: a deletion done. */
export function noContent(): Answer {
  return { status: 204, headers: { ...BASE.admin }, body: '' };
}

/** How a page is sent: its CSP (default `ADMIN_CSP`, the panel's), extra headers, whose it is (default the admin's). */
export interface PageOptions {
  csp?: string;
  headers?: Record<string, string>;
  surface?: Surface;
}

/**
 * A page under a strict CSP, never framed: the panel's (`ADMIN_CSP`), or the one of the guard's
 * pages and every message page (`PAGE_CSP`).
 */
export function page(status: number, html: string, options: PageOptions = {}): Answer {
  const surface = options.surface ?? 'admin';
  const rest: Record<string, string> = surface === 'guard' ? { 'Referrer-Policy': 'no-referrer' } : { Vary: 'Accept' };
  const headers = {
    ...BASE[surface],
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': options.csp ?? ADMIN_CSP,
    'X-Frame-Options': 'DENY',
    ...rest,
    ...options.headers,
  };
  return { status, headers, body: html };
}

/**
 * A static file of the panel. Its URL carries a hash of its text, so it may be cached for good;
 * `private` because it is served only to authorized sessions.
 */
export function asset(type: string, text: string, immutable: boolean): Answer {
  return {
    status: 200,
    headers: {
      'Content-Type': type,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': immutable ? 'private, max-age=31536000, immutable' : 'no-store',
    },
    body: text,
  };
}

/**
 * Sets an answer's headers through a framework's own calls. `Vary` goes through `vary`, which
 * merges, so what other middleware added there (compression's Accept-Encoding) stays; so does
 * `Set-Cookie` through `append` when given, so the session middleware's cookie stays too.
 */
export function setHeaders(answer: Answer, set: (name: string, value: string) => void, vary: (value: string) => void, append?: (name: string, value: string) => void): void {
  for (const [name, value] of Object.entries(answer.headers)) {
    const lower = name.toLowerCase();
    if (lower === 'vary') vary(value);
    else if (lower === 'set-cookie' && append) append(name, value);
    else set(name, value);
  }
}
