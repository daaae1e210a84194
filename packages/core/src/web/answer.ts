import { PAGE_CSP } from './page-layout';
import type { Grant, GuardResponse } from './types';

// Guard answers depend on the session and carry codes' state: no cache may keep or share them.
const COMMON: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  Vary: 'Accept',
};

const PAGE: Readonly<Record<string, string>> = {
  ...COMMON,
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': PAGE_CSP,
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
};

function respond(status: number, headers: Record<string, string>, body: string, grant?: Grant): GuardResponse {
  return { action: 'respond', status, headers, body, ...(grant ? { grant } : {}) };
}

/** A JSON answer with the guard's headers. */
export function jsonResponse(status: number, body: object, extra: Record<string, string> = {}, grant?: Grant): GuardResponse {
  return respond(status, { ...COMMON, 'Content-Type': 'application/json; charset=utf-8', ...extra }, JSON.stringify(body), grant);
}

/** A page with the guard's headers, strict CSP included. */
export function htmlResponse(status: number, html: string, extra: Record<string, string> = {}, grant?: Grant): GuardResponse {
  return respond(status, { ...PAGE, ...extra }, html, grant);
}
