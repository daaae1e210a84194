import type { AuthenticateInput, AuthenticateResult, PrepareInput, PrepareResult } from '../challenge';
import type { Devices } from '../devices';
import { isDeviceSecret } from '../devices';
import type { Enrollee } from '../directory/enrollment';
import type { Clock } from '../protectimus';
import { failureOf, invalidInput, isOutage, refusal, reportGuardError, type Failure } from '../errors';
import { builtInCatalogue, type Catalogue, type Locale } from '../locale';
import type { Answer } from '../web/answer';
import { checkCsrf, csrfToken, isFormType, mediaType, parseBody, prefersHtml, prefersJson, safeReturnTo } from '../web/request';
import {
  aboutTheField,
  codeStillUsable,
  deviceView,
  failureMessage,
  failureResponse,
  guardJson,
  guardPage,
  isDeadEnd,
  languageHeaders,
  pendingFor,
  renderCodePage,
  renderRedirectPage,
  shownName,
  unavailablePage,
  unavailableResponse,
} from './pages';
import { DEFAULT_LOOK, forRequest, PageLayoutError, type PageLook } from './look';
import { clearDeviceCookie, deviceCookie, deviceCookieName, needsSecure, readCookie } from './device-cookie';
import { countRequest, dropVerified, guardState, ownEntry, setEntry, takeNotice, verifiedEntry, type RefusalNotice, type VerifiedEntry } from './session';

/**
 * The part of `Protectimus` the guard uses. Kept structural and minimal so the protocol can be
 * driven by a fake in tests and by the real class in apps, with no import cycle between them.
 */
export interface GuardEngine {
  /** Opens (or reuses) a challenge and mails the code; throws `ProtectimusError`. */
  prepare(input: PrepareInput): Promise<PrepareResult>;
  /** Checks a typed code; throws `ProtectimusError`. */
  authenticate(input: AuthenticateInput): Promise<AuthenticateResult>;
  /**
   * Whether the success stamped `stamp` still holds, known without I/O; undefined when only a
   * store read can tell. Called on every request of a verified session: synchronous and cheap.
   */
  stillGranted(resource: string, login: string, stamp: string): boolean | undefined;
  /** The same, reading the store when needed; throws `ProtectimusError` (the store is down). */
  confirmGrant(resource: string, login: string, stamp: string): Promise<boolean>;
  /** The engine's time, so session expiry and lock times agree with it. */
  clock: Clock;
  /** The locales the pages are served in (`createProtectimus({ locales })`). Default: the built-in ones. */
  locales?: Catalogue;
  /** Remembered devices (`Protectimus.devices`); needed only by a guard with `rememberDevice`. */
  devices?: Pick<Devices, 'remember' | 'use' | 'forgetOwn'>;
}

/** The request headers the guard reads, lower-cased names already picked out by the adapter. */
export interface GuardHeaders {
  accept?: string;
  contentType?: string;
  /** The languages the client reads, for the pages and the code mail (docs/design.md, "Languages"). */
  acceptLanguage?: string;
  /** Not used for decisions: form posts carry a CSRF token and JSON posts need a preflight. */
  origin?: string;
  /** The Cookie header: the guard reads only its remembered-device cookie from it. */
  cookie?: string;
  /** The User-Agent, for a remembered device's label (browser and system names only). */
  userAgent?: string;
}

/** One request, as an adapter hands it to `handleGuard`. */
export interface GuardRequest {
  method: string;
  /** Path below the mount point, without the query: `/`, `/invoices`, `/_otp/verify`. */
  path: string;
  /** Where the guard is mounted: `''` or `/billing`. */
  mountPath: string;
  /** Path and query as the client asked (`/billing/x?y=1`); where to return after verification. */
  originalUrl: string;
  headers: GuardHeaders;
  /** The body an app's own parser produced, or undefined when it had none. */
  body: unknown;
  /**
   * Reads the raw body when `body` is undefined (typically `() => readBody(req)`). Called only
   * for posts to the guard's own URLs, so the app's other requests keep their stream unread.
   */
  readRawBody?: () => Promise<string>;
  /** The live session object; the guard keeps its state under `session.protectimus`. */
  session: Record<string, unknown>;
  /** The first-factor user's login, or null when nobody is signed in. */
  login: string | null;
  ip?: string;
  /**
   * Whether the request came over https as the app sees it (`req.secure`, `ctx.secure`: behind a
   * proxy, by the framework's trust-proxy setting). Absent counts as https: the device cookie is
   * then always `Secure`.
   */
  secure?: boolean;
  /** The host the request was sent to, without the port (`req.hostname`, `ctx.hostname`). */
  hostname?: string;
  /**
   * With the guard's `enroll` option: what the app tells of the user, for `prepare` to enroll
   * them when they have no token on the resource. Read only when a code is asked for.
   */
  enroll?: () => Enrollee | null | undefined | Promise<Enrollee | null | undefined>;
  /** The framework's own request (`req`, `ctx`), handed to the `page.layout` that draws the pages. */
  frameworkRequest?: unknown;
}

/** A verification to write into the session once its id has been regenerated. */
export interface Grant {
  resource: string;
  login: string;
  /** Epoch ms the verification ends. */
  until: number;
  /** `AuthenticateResult.stamp`: checked against the directory on every later request. */
  stamp: string;
  /**
   * Epoch ms the code was typed, which `maxAge` is counted from. Absent for a grant a remembered
   * device gave: that is no fresh verification, and no `maxAge` accepts it.
   */
  verifiedAt?: number;
}

/**
 * What the adapter does next: call the app, or send this answer. With `grant` (also on `next`:
 * a remembered device let the session in), it must first regenerate the session id (keeping the
 * other session data), then `applyGrant(session, grant)`, then send or pass on.
 */
export type GuardResponse = { action: 'next'; grant?: Grant } | ({ action: 'respond'; grant?: Grant } & Answer);

/** A guard's settings. */
export interface GuardOptions {
  /** Resource id or name this guard protects. */
  resource: string;
  /** Seconds a verification lasts in the session; default 28800 (8 hours). */
  verifiedFor?: number;
  /**
   * Guard requests one session may make per minute while not verified (page loads that ask for
   * a code, code and resend posts); more are answered 429 `rate_limited` with `Retry-After`.
   * @default 30
   */
  maxRequestsPerMinute?: number;
  /**
   * Told of outages (`STORE_UNAVAILABLE`, `DELIVERY_FAILED`) and of errors the protocol did not
   * expect (answered 503 `unavailable`), so the adapter can log them; refusals like a wrong code
   * are answers, not errors, and are not reported.
   */
  onError?: (err: unknown) => void;
  /** The guard's `page` option as `pageLook(options.page)` computed it when the guard was made. Default: the guard's own look. */
  look?: PageLook;
  /**
   * The pages' language, forced: a tag the engine's locales serve. Default: negotiated from
   * `Accept-Language` on each request.
   */
  locale?: string;
  /** Offer to remember the device for `days` (1..365) after a right code; off when absent. */
  rememberDevice?: { days: number };
  /** Seconds since the code was typed past which this guard asks for a fresh one; none when absent. */
  maxAge?: number;
}

/** Which of the guard's endpoints a request is for. */
export type GuardRoute = 'page' | 'verify' | 'resend' | 'forget';

/** One request's facts, worked out once and shared by the steps that answer it. */
export interface Turn {
  engine: GuardEngine;
  req: GuardRequest;
  resource: string;
  route: GuardRoute;
  /** `''` or `/billing`, never with a trailing slash. */
  mount: string;
  verifyUrl: string;
  resendUrl: string;
  /** `<mount>/_otp/forget`: the user's "forget this device". */
  forgetUrl: string;
  /** Answer with a page rather than JSON. */
  html: boolean;
  /** How the pages look: the guard's `page` option, computed once. */
  look: PageLook;
  /** The language of the pages and, for a user without their own, of the code mail. */
  locale: Locale;
  /** True when `locale` came from `Accept-Language` (the answer varies with it), false when forced. */
  negotiatedLocale: boolean;
  /** Days the code page offers to remember the device for; absent without `rememberDevice`. */
  rememberDays?: number;
  /** The remembered-device cookie's name for this resource, and its value on this request. */
  deviceCookieName: string;
  deviceSecret: string | null;
  /** A session verified here once, but longer ago than `maxAge` (or by a device): asked again. */
  stale?: boolean;
  /** A Set-Cookie for the answer (the device cookie written or cleared). */
  setCookie?: string;
}

/** The guard's own URLs below its mount point: `<mount>/_otp/verify`, `<mount>/_otp/resend`, `<mount>/_otp/forget`. */
export const OWN_PREFIX = '/_otp/';

/** Seconds a verification lasts when the guard's options do not say: a working day. */
export const DEFAULT_VERIFIED_FOR = 28800;

/** Guard requests one session may make per minute when the guard's options do not say. */
export const DEFAULT_MAX_REQUESTS_PER_MINUTE = 30;

/** Longest PIN (12) plus code (8) is 20; anything past this is not a typing mistake. */
const MAX_OTP_CHARS = 64;

const NEXT: GuardResponse = { action: 'next' };

function routeOf(path: string): GuardRoute {
  if (path === `${OWN_PREFIX}verify`) return 'verify';
  if (path === `${OWN_PREFIX}resend`) return 'resend';
  if (path === `${OWN_PREFIX}forget`) return 'forget';
  return 'page';
}

function normalizeMount(mountPath: string): string {
  return mountPath.replace(/\/+$/, '');
}

/** Pages for browsers; a form post is a browser's unless the client asked for JSON by name. */
function wantsPage(req: GuardRequest, route: GuardRoute): boolean {
  const { accept, contentType } = req.headers;
  if (prefersHtml(accept)) return true;
  return route !== 'page' && isFormType(contentType) && !prefersJson(accept);
}

function isFields(body: unknown): body is Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && !Buffer.isBuffer(body);
}

/** The posted fields: the app parser's, or the raw body the guard reads and parses itself. */
async function readFields(req: GuardRequest): Promise<Record<string, unknown>> {
  let body = req.body;
  if (body === undefined && req.readRawBody) body = parseBody(req.headers.contentType, await req.readRawBody());
  if (!isFields(body)) throw invalidInput('body', 'send the fields as a JSON object or a form');
  return body;
}

/** A cross-site form can post anything but JSON, so everything but JSON must carry the token. */
function csrfSatisfied(req: GuardRequest, fields: Record<string, unknown>): boolean {
  return mediaType(req.headers.contentType) === 'application/json' || checkCsrf(req.session, fields._csrf);
}

function challengeFields(turn: Turn, result: PrepareResult): Record<string, unknown> {
  return {
    resource: turn.resource,
    sentTo: result.sentTo,
    otpLength: result.otpLength,
    pin: result.pin,
    expiresAt: result.expiresAt,
    resendAfter: result.resendAfter,
    verifyUrl: turn.verifyUrl,
    resendUrl: turn.resendUrl,
  };
}

/**
 * Keeps what the page shows of the open code. A code whose mail time (`resendAfter`) differs from
 * the one this session was shown before replaced it: the earlier mail's code no longer works.
 */
function rememberChallenge(turn: Turn, login: string, result: PrepareResult): void {
  const { tokenName, sentTo, otpLength, pin, expiresAt, resendAfter, resourceDisplayName } = result;
  const before = pendingFor(turn);
  const newer = before !== null && (before.resendAfter !== resendAfter || before.newer === true);
  const named = typeof resourceDisplayName === 'string' ? { resourceName: resourceDisplayName } : {};
  setEntry(guardState(turn.req.session).pending, turn.resource, { login, tokenName, sentTo, otpLength, pin, expiresAt, resendAfter, ...named, ...(newer ? { newer } : {}) });
}

/** Where a form post sends the browser: the page first asked for, else the mount root. */
function backTo(turn: Turn): string {
  // The mount comes from the adapter, but a Location header takes nothing unchecked.
  return safeReturnTo(ownEntry(guardState(turn.req.session).returnTo, turn.resource)) ?? safeReturnTo(turn.mount) ?? '/';
}

function seeOther(turn: Turn, location: string, grant?: Grant): GuardResponse {
  return guardPage(303, renderRedirectPage(location, turn.locale, turn.look), { ...languageHeaders(turn.locale, turn.negotiatedLocale), Location: location }, grant, turn.look);
}

/** A page in the turn's language and look, with its language headers. */
function turnPage(turn: Turn, status: number, body: string): GuardResponse {
  return guardPage(status, body, languageHeaders(turn.locale, turn.negotiatedLocale), undefined, turn.look);
}

/** The page's return address: the page asked for, kept for the 303 after the code. */
function rememberReturn(turn: Turn): void {
  const { req } = turn;
  if (req.method !== 'GET' && req.method !== 'HEAD') return;
  const state = guardState(req.session);
  const target = safeReturnTo(req.originalUrl);
  if (target) setEntry(state.returnTo, turn.resource, target);
  else delete state.returnTo[turn.resource];
}

/** A refused post's notice as the failure it was, its wait counted from now. */
function noticeFailure(notice: RefusalNotice, now: number): Failure {
  const failure: Failure = { status: 401, error: notice.error as Failure['error'] };
  if (notice.attemptsLeft !== undefined) failure.attemptsLeft = notice.attemptsLeft;
  if (notice.retryAt !== undefined) failure.retryAfter = Math.max(1, Math.ceil((notice.retryAt - now) / 1000));
  if (notice.reason === 'cooldown' || notice.reason === 'hourly_cap' || notice.reason === 'requests') failure.reason = notice.reason;
  return failure;
}

async function askForCode(turn: Turn, login: string): Promise<GuardResponse> {
  const { req, engine } = turn;
  // One-shot: taken before anything can fail, so a refusal now never shows an old notice later.
  const notice = takeNotice(req.session, turn.resource);
  const now = engine.clock.now();
  const refused = turn.html && notice !== null && notice !== 'sent' ? noticeFailure(notice, now) : null;

  if (refused && !codeStillUsable(refused) && refused.error !== 'delivery_failed') {
    // The code is used up or expired: say so, and leave the new one to the resend button rather
    // than mailing one behind the user's back. Nothing to ask the store.
    rememberReturn(turn);
    const pending = pendingFor(turn);
    const page = renderCodePage({
      locale: turn.locale,
      info: pending,
      csrf: csrfToken(req.session),
      verifyUrl: turn.verifyUrl,
      resendUrl: turn.resendUrl,
      now,
      message: failureMessage(refused, { newer: pending?.newer === true }, turn.locale),
      showCodeForm: false,
      resourceName: shownName(pending),
      look: turn.look,
      ...deviceView(turn),
    });
    return turnPage(turn, 401, page);
  }

  const enroll = req.enroll ? await req.enroll() : null;
  const result = await engine.prepare({ resource: turn.resource, login, ip: req.ip, locale: turn.locale.tag, ...(enroll ? { enroll } : {}) });
  rememberChallenge(turn, login, result);
  if (!turn.html) return guardJson(401, { error: 'otp_required', ...(turn.stale ? { reason: 'stale' } : {}), ...challengeFields(turn, result) });

  rememberReturn(turn);
  const pending = pendingFor(turn);
  // A refusal the page load got past (a lock that ended, a mail that went out after all) is over.
  const shown = refused && !isDeadEnd(refused) && !(refused.error === 'delivery_failed' && result.sent) ? refused : null;
  const page = renderCodePage({
    locale: turn.locale,
    info: pending ?? result,
    csrf: csrfToken(req.session),
    verifyUrl: turn.verifyUrl,
    resendUrl: turn.resendUrl,
    // Read after `prepare`: the code's times start at its send, so a fresh page tells the whole
    // cooldown (30 s), never a second more.
    now: engine.clock.now(),
    ...(notice === 'sent' ? { notice: turn.locale.messages.newCodeSent } : {}),
    ...deviceView(turn),
    ...(shown
      ? {
          message: failureMessage(shown, { newer: pending?.newer === true }, turn.locale),
          fieldError: aboutTheField(shown),
          ...(shown.error === 'rate_limited' && shown.retryAfter !== undefined ? { resendAt: now + shown.retryAfter * 1000 } : {}),
        }
      : {}),
    resourceName: pending ? shownName(pending) : result.resourceDisplayName,
    look: turn.look,
  });
  return turnPage(turn, 401, page);
}

/**
 * POST/Redirect/GET for a refused form post: the refusal is kept in the session as a one-shot
 * notice and the browser goes back to the page, which shows it once; a reload never posts again.
 */
function refusedPost(turn: Turn, failure: Failure): GuardResponse {
  const notice: RefusalNotice = { error: failure.error };
  if (failure.attemptsLeft !== undefined) notice.attemptsLeft = failure.attemptsLeft;
  if (failure.retryAfter !== undefined) notice.retryAt = turn.engine.clock.now() + failure.retryAfter * 1000;
  if (failure.reason !== undefined) notice.reason = failure.reason;
  setEntry(guardState(turn.req.session).notice, turn.resource, notice);
  return seeOther(turn, backTo(turn));
}

/**
 * The session's verification for the resource, if the directory still grants it: an admin who
 * blocked the user or token, unassigned the token, deleted the user, or changed the token's
 * address or PIN ended it. Read from what the engine knows at once, else from the store; an
 * ended one is dropped, and the request goes on as if never verified.
 */
async function stillVerified(turn: Turn, login: string): Promise<VerifiedEntry | null> {
  const { req, engine, resource } = turn;
  const entry = verifiedEntry(req.session, resource, login, engine.clock.now());
  if (!entry) return null;
  if (engine.stillGranted(resource, login, entry.stamp) ?? (await engine.confirmGrant(resource, login, entry.stamp))) return entry;
  dropVerified(req.session, resource);
  return null;
}

/** The verify form's `remember` box (`on` when ticked) or JSON's `"remember": true`; absent is no. */
function rememberField(value: unknown): boolean {
  if (value === undefined || value === false || value === '' || value === 'false' || value === '0') return false;
  if (value === true || value === 'on' || value === 'true' || value === '1') return true;
  throw invalidInput('remember', 'remember must be true or false');
}

/** Whether a verification counts on a guard with this `maxAge` (seconds): typed no longer ago than that. */
export function isFresh(entry: Pick<VerifiedEntry, 'verifiedAt'>, now: number, maxAge: number | undefined): boolean {
  if (maxAge === undefined) return true;
  return typeof entry.verifiedAt === 'number' && now - entry.verifiedAt <= maxAge * 1000 && entry.verifiedAt <= now + 1000;
}

/**
 * Remembers the device after a right code: the record in the store, the id in the answer's
 * cookie. The code is spent by now, so a store that fails here costs the device only, never the
 * sign-in: reported, and the answer goes on without the cookie. Epoch ms it ends, or null.
 */
async function rememberDevice(turn: Turn, login: string, stamp: string, days: number, options: GuardOptions): Promise<number | null> {
  const { engine, req } = turn;
  if (!engine.devices) return null;
  try {
    const remembered = await engine.devices.remember({ resource: turn.resource, login, stamp, days, userAgent: req.headers.userAgent, ip: req.ip });
    if (remembered === null) return null;
    // The same browser remembered again (a step-up guard asked it for a code): the new record
    // replaces the one its cookie named, so the admin's list shows each browser once.
    if (turn.deviceSecret !== null) await engine.devices.forgetOwn({ secret: turn.deviceSecret, resource: turn.resource, login, ip: req.ip });
    turn.setCookie = deviceCookie(turn.deviceCookieName, remembered.secret, days * 86_400, needsSecure(req));
    return remembered.expiresAt;
  } catch (err) {
    reportGuardError(options.onError, err);
    return null;
  }
}

/**
 * A remembered device for this user, token and resource lets the session in without a code: a
 * grant (the session id regenerated, as for any) with no `verifiedAt`, and the app's page. Any
 * other cookie (unknown, forged, expired, someone else's, revoked) is ignored and cleared.
 */
async function deviceSkip(turn: Turn, login: string, verifiedFor: number): Promise<GuardResponse | null> {
  const { engine, req } = turn;
  const secret = turn.deviceSecret;
  if (secret === null || !engine.devices) return null;
  const used = isDeviceSecret(secret) ? await engine.devices.use({ secret, resource: turn.resource, login, ip: req.ip }) : null;
  if (used === null) {
    turn.setCookie = clearDeviceCookie(turn.deviceCookieName, needsSecure(req));
    return null;
  }
  return { action: 'next', grant: { resource: turn.resource, login, until: engine.clock.now() + verifiedFor * 1000, stamp: used.stamp } };
}

/**
 * `POST <mount>/_otp/forget`: the user's "forget this device". Deletes the record the cookie
 * names (if it is this user's) and clears the cookie; the session stays as it is. JSON answers
 * `{ ok, forgotten }`; a form goes back to its `returnTo` (a path on this site) or the page.
 */
async function forget(turn: Turn, login: string): Promise<GuardResponse> {
  const { req, engine } = turn;
  const fields = await readFields(req);
  if (!csrfSatisfied(req, fields)) return failureResponse(turn, refusal('CSRF_FAILED', 'guard'));
  const secret = turn.deviceSecret;
  const forgotten = secret !== null && engine.devices ? await engine.devices.forgetOwn({ secret, resource: turn.resource, login, ip: req.ip }) : false;
  turn.setCookie = clearDeviceCookie(turn.deviceCookieName, needsSecure(req));
  if (!turn.html) return guardJson(200, { ok: true, forgotten });
  return seeOther(turn, safeReturnTo(fields.returnTo) ?? backTo(turn));
}

async function verify(turn: Turn, login: string, verifiedFor: number, options: GuardOptions): Promise<GuardResponse> {
  const { req, engine } = turn;
  const fields = await readFields(req);
  if (!csrfSatisfied(req, fields)) return failureResponse(turn, refusal('CSRF_FAILED', 'guard'));
  const otp = fields.otp;
  if (typeof otp !== 'string' || otp.length > MAX_OTP_CHARS) throw invalidInput('otp', 'otp must be a string of at most 64 characters');
  const remember = rememberField(fields.remember);

  // A double-submitted form must not turn a success into "code used up"; on a `maxAge` guard, only
  // a verification fresh enough here counts as done.
  const verified = await stillVerified(turn, login);
  const already = verified && isFresh(verified, engine.clock.now(), options.maxAge) ? verified : null;
  let grant: Grant | undefined;
  let until: number;
  let rememberedUntil: number | null = null;
  if (already) {
    until = already.until;
  } else {
    const { stamp } = await engine.authenticate({ resource: turn.resource, login, otp, ip: req.ip });
    const now = engine.clock.now();
    until = now + verifiedFor * 1000;
    grant = { resource: turn.resource, login, until, stamp, verifiedAt: now };
    if (remember && turn.rememberDays !== undefined) rememberedUntil = await rememberDevice(turn, login, stamp, turn.rememberDays, options);
  }

  if (!turn.html) {
    const body = { ok: true, resource: turn.resource, verifiedUntil: new Date(until).toISOString(), ...(rememberedUntil === null ? {} : { rememberedUntil: new Date(rememberedUntil).toISOString() }) };
    return guardJson(200, body, {}, grant);
  }
  const location = backTo(turn);
  delete guardState(req.session).returnTo[turn.resource];
  return seeOther(turn, location, grant);
}

async function resend(turn: Turn, login: string): Promise<GuardResponse> {
  const { req } = turn;
  const fields = await readFields(req);
  if (!csrfSatisfied(req, fields)) return failureResponse(turn, refusal('CSRF_FAILED', 'guard'));
  const result = await turn.engine.prepare({ resource: turn.resource, login, ip: req.ip, resend: true, locale: turn.locale.tag });
  rememberChallenge(turn, login, result);
  if (!turn.html) return guardJson(202, { status: 'otp_sent', ...challengeFields(turn, result) });
  setEntry(guardState(req.session).notice, turn.resource, 'sent');
  return seeOther(turn, backTo(turn));
}

/**
 * The guard's protocol (docs/design.md, "The guard's HTTP protocol") for one request, free of any
 * framework: the adapter turns its request into a `GuardRequest` and writes back the answer.
 * Never throws and never passes on an error: anything unexpected is a 503 `unavailable`, reported
 * to `onError`.
 */
export async function handleGuard(
  engine: GuardEngine,
  options: GuardOptions,
  req: GuardRequest,
): Promise<GuardResponse> {
  const mount = normalizeMount(req.mountPath);
  const route = routeOf(req.path);
  const method = req.method.toUpperCase();
  if (route !== 'page' && method !== 'POST') {
    const { status, error } = refusal('METHOD_NOT_ALLOWED', 'guard');
    return guardJson(status, { error }, { Allow: 'POST' });
  }

  const locales = engine.locales ?? builtInCatalogue;
  const turn: Turn = {
    engine,
    req: { ...req, method },
    resource: options.resource,
    route,
    mount,
    verifyUrl: `${mount}${OWN_PREFIX}verify`,
    resendUrl: `${mount}${OWN_PREFIX}resend`,
    forgetUrl: `${mount}${OWN_PREFIX}forget`,
    html: wantsPage(req, route),
    look: forRequest(options.look ?? DEFAULT_LOOK, req.frameworkRequest),
    // Forced by the guard's `page.locale`, else the client's languages (English when none is served).
    locale: options.locale !== undefined ? locales.get(options.locale) : locales.negotiate(req.headers.acceptLanguage),
    negotiatedLocale: options.locale === undefined,
    deviceCookieName: deviceCookieName(options.resource),
    deviceSecret: readCookie(req.headers.cookie, deviceCookieName(options.resource)),
    ...(options.rememberDevice ? { rememberDays: options.rememberDevice.days } : {}),
  };
  const answer = await decideTurn(turn, options);
  if (turn.setCookie !== undefined && answer.action === 'respond') answer.headers = { ...answer.headers, 'Set-Cookie': turn.setCookie };
  return answer;
}

async function decideTurn(turn: Turn, options: GuardOptions): Promise<GuardResponse> {
  const { req, engine, route } = turn;

  try {
    const verifiedFor = options.verifiedFor ?? DEFAULT_VERIFIED_FOR;
    if (!(Number.isFinite(verifiedFor) && verifiedFor > 0)) throw new Error('verifiedFor must be a positive number of seconds');
    const maxRequests = options.maxRequestsPerMinute ?? DEFAULT_MAX_REQUESTS_PER_MINUTE;
    if (!(Number.isInteger(maxRequests) && maxRequests > 0)) throw new Error('maxRequestsPerMinute must be a positive whole number');
    const login = req.login || null;
    if (login === null) return failureResponse(turn, refusal('UNAUTHENTICATED', 'guard'));

    if (route === 'page') {
      const entry = await stillVerified(turn, login);
      if (entry && isFresh(entry, engine.clock.now(), options.maxAge)) return NEXT;
      // Verified, but not freshly enough for this guard (docs/design.md, "Step-up"): the
      // verification stays for the other guards; this one asks for a new code.
      if (entry) turn.stale = true;
    }
    // Everything past here may cost the store a write: a flood from one session stops here first.
    const wait = countRequest(req.session, engine.clock.now(), maxRequests);
    if (wait > 0) return failureResponse(turn, refusal('RATE_LIMITED', 'guard', { retryAfter: wait, reason: 'requests' }));
    if (route === 'verify') return await verify(turn, login, verifiedFor, options);
    if (route === 'resend') return await resend(turn, login);
    if (route === 'forget') return await forget(turn, login);
    // A remembered device is no fresh verification: a `maxAge` guard always asks for the code.
    if (turn.rememberDays !== undefined && options.maxAge === undefined) {
      const skipped = await deviceSkip(turn, login, verifiedFor);
      if (skipped) return skipped;
    }
    return await askForCode(turn, login);
  } catch (err) {
    if (isOutage(err)) reportGuardError(options.onError, err);
    // The app's layout failed: closed, on the guard's own page, without asking the layout again.
    if (err instanceof PageLayoutError) return turn.html ? unavailablePage() : unavailableResponse();
    try {
      const failure = failureOf(err, 'guard');
      // A refused form post goes back to the page; an outage answers where it happened, closed.
      if (turn.html && turn.route !== 'page' && failure.error !== 'unavailable') return refusedPost(turn, failure);
      return failureResponse(turn, failure);
    } catch (again) {
      // Even the error page failed (a broken session object, a clock that throws, the app's
      // layout): still closed.
      reportGuardError(options.onError, again);
      return turn.html && again instanceof PageLayoutError ? unavailablePage() : unavailableResponse();
    }
  }
}
