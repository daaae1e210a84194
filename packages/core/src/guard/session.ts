import type { PinPosition } from '../model';
import type { Grant } from './protocol';

/** A verification held in the session. */
export interface VerifiedEntry {
  login: string;
  /** Epoch ms. */
  until: number;
  /** What granted it (`AuthenticateResult.stamp`); the entry holds only while the directory gives the same. */
  stamp: string;
  /**
   * Epoch ms the code was typed, on whichever guard of the resource: a guard with `maxAge`
   * counts from it (docs/design.md, "Step-up"). Absent when a remembered device let the session
   * in, or for entries written before it existed: never fresh for `maxAge`.
   */
  verifiedAt?: number;
}

/**
 * What the code page shows about the open challenge, kept so the page can be drawn again after a
 * failed post without calling `prepare` (which could mail a new code behind the user's back).
 */
export interface PendingEntry {
  login: string;
  tokenName: string;
  sentTo: string;
  otpLength: number;
  pin: PinPosition | null;
  expiresAt: string;
  resendAfter: string;
  /** The resource's display name, shown in the page's heading; absent when it has none. */
  resourceName?: string;
  /**
   * This code replaced one mailed before in this session (a resend, or a new code after the last
   * expired): a wrong code may be the earlier mail's, and the page says only the latest counts.
   */
  newer?: boolean;
}

/** A refused form post, kept for the page the browser is sent back to (POST/Redirect/GET). */
export interface RefusalNotice {
  error: string;
  attemptsLeft?: number;
  /** Epoch ms a retry can succeed, for `rate_limited` and `blocked`: the page counts down from it. */
  retryAt?: number;
  reason?: string;
}

/** A one-shot notice for the next page: a resend that went out, or a refused form post. */
export type Notice = 'sent' | RefusalNotice;

/** The guard's keys in `session.protectimus`; everything else in the session is the app's. */
export interface GuardState {
  verified: Record<string, VerifiedEntry>;
  csrf?: string;
  returnTo: Record<string, string>;
  pending: Record<string, PendingEntry>;
  /** One-shot notices for the next page, per resource: `'sent'` after a resend, or a refused post. */
  notice: Record<string, Notice>;
}

/** Where the guard's state lives in the session. */
export const SESSION_KEY = 'protectimus';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The guard's state in this session, created or repaired on first use. Sessions come back from
 * JSON stores, so every map is checked to be a plain object before it is trusted.
 */
export function guardState(session: Record<string, unknown>): GuardState {
  const raw = isRecord(session[SESSION_KEY]) ? session[SESSION_KEY] : {};
  for (const key of ['verified', 'returnTo', 'pending', 'notice'] as const) {
    if (!isRecord(raw[key])) raw[key] = {};
  }
  if (raw.csrf !== undefined && typeof raw.csrf !== 'string') delete raw.csrf;
  session[SESSION_KEY] = raw;
  return raw as unknown as GuardState;
}

/** Reads a per-resource entry only if the map itself holds it (never one from Object.prototype). */
export function ownEntry<T>(map: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

/** Writes a per-resource entry as an own property, even for a key like `__proto__`. */
export function setEntry<T>(map: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * The verification for `resource` if it belongs to `login` and has not ended; stale ones are
 * dropped, and so are ones without a stamp (granted before stamps existed: nothing to check them
 * against). Whether the directory still grants it is the caller's question (`stillGranted`).
 */
export function verifiedEntry(session: Record<string, unknown>, resource: string, login: string, now: number): VerifiedEntry | null {
  const state = guardState(session);
  const entry = ownEntry(state.verified, resource) as unknown;
  if (entry === undefined) return null;
  if (isRecord(entry) && entry.login === login && typeof entry.until === 'number' && entry.until > now && typeof entry.stamp === 'string') {
    return entry as unknown as VerifiedEntry;
  }
  delete state.verified[resource];
  return null;
}

/**
 * Takes the resource's one-shot notice out of the session. Sessions come back from JSON stores,
 * so only the shapes the guard writes are returned; anything else is dropped as if absent.
 */
export function takeNotice(session: Record<string, unknown>, resource: string): Notice | null {
  const state = guardState(session);
  const raw = ownEntry(state.notice, resource) as unknown;
  if (raw === undefined) return null;
  delete state.notice[resource];
  if (raw === 'sent') return raw;
  if (!isRecord(raw) || typeof raw.error !== 'string') return null;
  const notice: RefusalNotice = { error: raw.error };
  if (typeof raw.attemptsLeft === 'number' && Number.isInteger(raw.attemptsLeft) && raw.attemptsLeft >= 0) notice.attemptsLeft = raw.attemptsLeft;
  if (typeof raw.retryAt === 'number' && Number.isFinite(raw.retryAt)) notice.retryAt = raw.retryAt;
  if (typeof raw.reason === 'string') notice.reason = raw.reason;
  return notice;
}

/** Ends the verification for `resource`: the directory no longer grants it. */
export function dropVerified(session: Record<string, unknown>, resource: string): void {
  delete guardState(session).verified[resource];
}

/**
 * Records a verification. Call it after regenerating the session id; it also drops the CSRF token
 * so the new session does not keep one an attacker who planted the old session could know.
 */
export function applyGrant(session: Record<string, unknown>, grant: Grant): void {
  const state = guardState(session);
  const entry: VerifiedEntry = { login: grant.login, until: grant.until, stamp: grant.stamp };
  if (typeof grant.verifiedAt === 'number') entry.verifiedAt = grant.verifiedAt;
  setEntry(state.verified, grant.resource, entry);
  delete state.pending[grant.resource];
  delete state.notice[grant.resource];
  delete state.csrf;
}

/** The guard requests of one session in its current minute (`session.protectimus.requests`). */
interface RequestCount {
  /** Epoch ms the window opened. */
  since: number;
  count: number;
}

/** Length of the window `countRequest` counts in. */
export const REQUEST_WINDOW_MS = 60_000;

/**
 * Counts one guard request that may cost the store something (a page load that is not verified,
 * a code or resend post) in the session's current minute. Returns 0 when it may go on, else the
 * whole seconds until the window ends. Needs no I/O: the count lives in the session. Past the
 * limit the count stops growing, so a refused flood does not rewrite the session each time.
 */
export function countRequest(session: Record<string, unknown>, now: number, limit: number): number {
  const state = guardState(session) as GuardState & { requests?: unknown };
  const raw = state.requests;
  let window: RequestCount = { since: now, count: 0 };
  if (isRecord(raw) && typeof raw.since === 'number' && typeof raw.count === 'number' && raw.since <= now && now - raw.since < REQUEST_WINDOW_MS) {
    window = { since: raw.since, count: raw.count };
  }
  if (window.count >= limit) return Math.max(1, Math.ceil((window.since + REQUEST_WINDOW_MS - now) / 1000));
  state.requests = { since: window.since, count: window.count + 1 };
  return 0;
}

/**
 * Copies a session's data into a regenerated one, for adapters whose `regenerate` empties it
 * (express-session). Everything is kept (Passport's login, the app's own keys, the guard's state)
 * except `cookie`, which belongs to the new session.
 */
export function carrySession(oldData: Record<string, unknown>, newSession: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(oldData)) {
    // Assigning `__proto__` would swap the session's prototype instead of copying a value.
    if (key === 'cookie' || key === '__proto__') continue;
    newSession[key] = value;
  }
}
