import type { AdminResponse } from './types';

/**
 * The panel's Content-Security-Policy: scripts and styles only from the router's own files, no
 * inline script or style anywhere, fetches only to this origin, never framed.
 */
export const ADMIN_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

// Admin answers show the directory and depend on the session: no cache may keep or share them.
const COMMON: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

const JSON_TYPE = 'application/json; charset=utf-8';

/** A JSON answer. */
export function json(status: number, body: unknown, extra: Record<string, string> = {}): AdminResponse {
  return { status, headers: { ...COMMON, 'Content-Type': JSON_TYPE, ...extra }, body: JSON.stringify(body) };
}

/** 204: a deletion done. */
export function noContent(): AdminResponse {
  return { status: 204, headers: { ...COMMON }, body: '' };
}

/** A panel page under the strict CSP. */
export function page(status: number, html: string, csp = ADMIN_CSP): AdminResponse {
  return {
    status,
    headers: { ...COMMON, 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': csp, 'X-Frame-Options': 'DENY', Vary: 'Accept' },
    body: html,
  };
}

/**
 * A static file of the panel. Its URL carries a hash of its text, so it may be cached for good;
 * `private` because it is served only to authorized sessions.
 */
export function asset(type: string, text: string, immutable: boolean): AdminResponse {
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
