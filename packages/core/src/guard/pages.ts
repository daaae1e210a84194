import type { Failure } from '../errors';
import { builtInCatalogue, formatDuration, formatIn, type Locale } from '../locale';
import { json, page, type Answer } from '../web/answer';
import { escapeHtml, html, SafeHtml } from '../web/html';
import { csrfToken } from '../web/request';
import { DEFAULT_LOOK, lookPage, type PageLook } from './look';
import type { Grant, GuardResponse, Turn } from './protocol';
import { guardState, ownEntry, type PendingEntry } from './session';

// The guard's answers as they leave it: JSON for scripts, the pages for browsers, and what each
// refusal says.

/** What an app's `page.layout` is given: the guard's parts of one page, to place in the site's own document. */
export interface LayoutParts {
  /** The page's title, plain text: escape it where you put it (core's `html` template does). */
  title: string;
  /** The page's language, for `<html lang>`. */
  lang: string;
  /** Goes inside `<head>`, before the site's stylesheet: `noindex` and the guard's `<style>`, allowed by its hash. Already safe markup. */
  head: SafeHtml;
  /** The guard's content (brand, heading, forms, links) in a `<div class="pm-guard">`: goes where the site's main content goes. Already safe markup. */
  main: SafeHtml;
}

/**
 * The app's own document around a guard page: returns the whole HTML (`<!doctype html>` ...),
 * as a string or as the `SafeHtml` of core's `html` template. `request` is the adapter's own
 * request (Express `req`, Koa `ctx`), for what the site's header shows (who is signed in).
 * Whatever it interpolates itself it must escape (use `html`, which escapes every value but
 * `SafeHtml`). It may not add inline script or style: the page's CSP forbids them; link the
 * site's stylesheet and allow it with `styleSrc`. A layout that throws or returns no string makes
 * the guard answer 503, closed.
 */
export type PageLayout<R = never> = (parts: LayoutParts, request: R) => string | SafeHtml;

/**
 * The guard's `page` option: its pages in the app's look (docs/design.md, "The guard's pages in
 * the app's look"). `R` is the adapter's request (`req`, `ctx`), which `layout` is given.
 */
export interface PageOptions<R = never> {
  /**
   * The app's brand: `name` (1..100 characters, a header over the content), `logoUrl` (an `<img>`
   * whose alt text is `name`, so `name` is required with it; a path on this site or an http(s)
   * URL, whose origin `img-src` then allows) and `accent`, the colour of buttons and links
   * (`#rgb`, `#rrggbb` or a CSS colour name; pick one with 4.5:1 contrast against white).
   * Default: none.
   */
  brand?: { name?: string; logoUrl?: string; accent?: string };
  /**
   * Where "Cancel" goes, the way out on every page instead of "Back to the site" (`/`): a path
   * on this site starting with one `/`, or an absolute http(s) URL.
   * Default: none (`/`).
   */
  cancelUrl?: string;
  /**
   * The app's own sign-out route, linked as "Sign out" on every page (a plain link, so a GET):
   * a path starting with one `/`, or an absolute http(s) URL.
   * Default: none.
   */
  signOutUrl?: string;
  /**
   * The site's own document around every guard page (code page, message pages, the redirect
   * page): see `PageLayout`. Default: the guard's own page shell.
   */
  // A method, so that options written for any request type (a layout that ignores it) fit every adapter.
  layout?(parts: LayoutParts, request: R): string | SafeHtml;
  /**
   * Sources added to the pages' CSP `style-src`, for the layout's stylesheet: `"'self'"` or
   * absolute http(s) URLs or origins. No `*`, no quoted keyword such as `'unsafe-inline'`.
   * @default []
   */
  styleSrc?: string[];
  /**
   * The pages' language, forced: a BCP 47 tag the instance has (`en`, `uk`, `de`, `es`, `fr`,
   * or one added by `createProtectimus({ locales })`; `de-AT` is served `de`). An unknown tag
   * throws when the guard is created. Default: negotiated from each request's `Accept-Language`,
   * English when it names none of them (docs/design.md, "Languages").
   */
  locale?: string;
}

function respond(answer: Answer, grant?: Grant): GuardResponse {
  return { action: 'respond', ...answer, ...(grant ? { grant } : {}) };
}

/** A JSON answer with the guard's headers. */
export function guardJson(status: number, body: object, extra: Record<string, string> = {}, grant?: Grant): GuardResponse {
  return respond(json(status, body, extra, 'guard'), grant);
}

/** A page with the guard's headers, strict CSP included (the look's, when the guard has a `page` option). */
export function guardPage(status: number, html: string, extra: Record<string, string> = {}, grant?: Grant, look: PageLook = DEFAULT_LOOK): GuardResponse {
  return respond(page(status, html, { csp: look.csp, headers: extra, surface: 'guard' }), grant);
}

/**
 * The 503 page for an HTML client when the guard's own page could not be drawn (the app's
 * layout threw): the guard's plain shell, closed.
 */
export function unavailablePage(): GuardResponse {
  return guardPage(503, renderMessagePage(failureTitle({ error: 'unavailable' }), failureMessage({ error: 'unavailable' })));
}

/**
 * The protocol's 503 for what fails before, around or after `handleGuard` (no session, no
 * instance, a session store that cannot regenerate, even the error page failing): closed, and the
 * same bytes from every adapter.
 */
export function unavailableResponse(): Extract<GuardResponse, { action: 'respond' }> {
  return guardJson(503, { error: 'unavailable' }) as Extract<GuardResponse, { action: 'respond' }>;
}


/** English, for a page made without a request (the admin router's message pages). */
const ENGLISH: Locale = builtInCatalogue.get('en');

/**
 * The headers of a page in `locale`: `Content-Language`, and `Vary: Accept-Language` when the
 * language was negotiated (the same URL answers in another language to another browser).
 */
export function languageHeaders(locale: Locale, negotiated: boolean): Record<string, string> {
  return negotiated ? { 'Content-Language': locale.tag, Vary: 'Accept, Accept-Language' } : { 'Content-Language': locale.tag };
}

/** What the code page shows. */
export interface CodePageView {
  /** The language the page is in. Default English. */
  locale?: Locale;
  /** The open challenge, or null when unknown (the form still works, with less guidance). */
  info: Pick<PendingEntry, 'tokenName' | 'sentTo' | 'otpLength' | 'pin' | 'expiresAt' | 'resendAfter' | 'newer'> | null;
  csrf: string;
  verifyUrl: string;
  resendUrl: string;
  now: number;
  /** A refusal to show in the alert area. */
  message?: string;
  /** The refusal is about what was typed: the field is marked invalid and described by it. */
  fieldError?: boolean;
  /** Good news to show, e.g. that a new code was sent. */
  notice?: string;
  /** False when there is no code worth typing (used up, not sent); the resend form stays. */
  showCodeForm?: boolean;
  /** Epoch ms a resend can succeed, when later than `info.resendAfter` (the hourly cap). */
  resendAt?: number;
  /** The resource's display name, for the heading ("Enter your code for Billing"); none: "Enter your code". */
  resourceName?: string | null;
  /** The guard's `page` option as computed. Default: the guard's own look. */
  look?: PageLook;
  /** With `rememberDevice`: the days the verify form offers to remember this device for. */
  rememberDays?: number;
  /** The device is remembered here: the forget form posts to this URL. */
  forgetUrl?: string;
  /** The session was verified, but not freshly enough for this guard's `maxAge`: say why a code is asked. */
  stale?: boolean;
}

/**
 * What the code page shows of remembered devices and step-up for this request: the remember box
 * (with `rememberDevice`), the forget button (the request carries a device cookie that is not
 * being cleared), and why a verified session is asked again.
 */
export function deviceView(turn: Turn): Pick<CodePageView, 'rememberDays' | 'forgetUrl' | 'stale'> {
  return {
    ...(turn.rememberDays !== undefined ? { rememberDays: turn.rememberDays } : {}),
    ...(turn.deviceSecret !== null && turn.setCookie === undefined ? { forgetUrl: turn.forgetUrl } : {}),
    ...(turn.stale ? { stale: true } : {}),
  };
}

function pinHint(info: CodePageView['info'], { messages: t }: Locale): string {
  if (!info) return t.hintUnknown;
  if (info.pin === 'before') return t.hintPinBefore(info.otpLength);
  if (info.pin === 'after') return t.hintPinAfter(info.otpLength);
  return t.hintCode(info.otpLength);
}

function intro(info: NonNullable<CodePageView['info']>, now: number, usable: boolean, locale: Locale): SafeHtml {
  const t = locale.messages;
  const seconds = secondsUntil(info.expiresAt, now);
  // A code that is used up or expired works no longer, whatever its expiry said.
  const lifetime = usable && seconds > 0 ? ` ${t.expiresIn(formatIn(locale.tag, seconds, 'down'))}` : '';
  const latest = usable && info.newer ? ` ${t.latestMailOnly}` : '';
  return html`<p>${t.mailedTo(info.otpLength, info.sentTo, info.tokenName)}${lifetime}${latest}</p>`;
}

/** Whole seconds until a resend can succeed, as far as the page knows. */
function resendWait(view: CodePageView): number {
  const cooldown = view.info ? secondsUntil(view.info.resendAfter, view.now) : 0;
  const other = view.resendAt === undefined ? 0 : Math.max(0, Math.ceil((view.resendAt - view.now) / 1000));
  return Math.max(cooldown, other);
}

function resendText(wait: number, locale: Locale): string {
  // No script runs on these pages, so the button cannot enable itself: a reload draws it again.
  return wait > 0 ? locale.messages.resendLater(formatIn(locale.tag, wait)) : locale.messages.resendNow;
}

function hiddenCsrf(token: string): string {
  return `<input type="hidden" name="_csrf" value="${escapeHtml(token)}">`;
}


/** The code entry page: no script, every value escaped, usable by keyboard and on a phone. */
export function renderCodePage(view: CodePageView): string {
  const { info } = view;
  const locale = view.locale ?? ENGLISH;
  const t = locale.messages;
  const showForm = view.showCodeForm !== false;
  const title = view.resourceName ? t.codeTitleFor(view.resourceName) : t.codeTitle;
  const parts: string[] = [`<h1>${escapeHtml(title)}</h1>`];
  if (view.message) parts.push(`<p id="otp-error" class="alert" role="alert">${escapeHtml(view.message)}</p>`);
  if (view.notice) parts.push(`<p class="notice" role="status">${escapeHtml(view.notice)}</p>`);
  if (view.stale) parts.push(`<p class="notice" role="status">${escapeHtml(t.stale)}</p>`);
  if (info) parts.push(intro(info, view.now, showForm, locale).value);

  if (showForm) {
    // A PIN may hold letters, so the numeric keypad is offered only when there is none.
    const numeric = info && info.pin === null ? ' inputmode="numeric"' : '';
    const invalid = view.message && view.fieldError ? ' aria-invalid="true" aria-describedby="otp-error otp-hint"' : ' aria-describedby="otp-hint"';
    parts.push(
      `<form method="post" action="${escapeHtml(view.verifyUrl)}">`,
      hiddenCsrf(view.csrf),
      '<div class="field">',
      `<label for="otp">${escapeHtml(info?.pin ? t.labelPinAndCode : t.labelCode)}</label>`,
      `<p id="otp-hint" class="muted">${escapeHtml(pinHint(info, locale))}</p>`,
      `<input id="otp" name="otp" type="text" autocomplete="one-time-code"${numeric} maxlength="64" required autofocus ` +
        `spellcheck="false" autocapitalize="off"${invalid}>`,
      '</div>',
      ...(view.rememberDays !== undefined
        ? [
            '<div class="check">',
            '<input id="remember" name="remember" type="checkbox" value="on" aria-describedby="remember-hint">',
            `<label for="remember">${escapeHtml(t.rememberDevice(formatDuration(locale.tag, view.rememberDays, 'day')))}</label>`,
            '</div>',
            `<p id="remember-hint" class="muted">${escapeHtml(t.rememberHint)}</p>`,
          ]
        : []),
      `<button type="submit">${escapeHtml(t.verify)}</button>`,
      '</form>',
    );
  }

  const wait = resendWait(view);
  parts.push(
    `<form class="resend" method="post" action="${escapeHtml(view.resendUrl)}">`,
    hiddenCsrf(view.csrf),
    `<p id="resend-hint" class="muted">${escapeHtml(resendText(wait, locale))}</p>`,
    `<button type="submit" class="secondary"${wait > 0 ? ' disabled' : ''} aria-describedby="resend-hint">${escapeHtml(t.resendButton)}</button>`,
    '</form>',
  );
  if (view.forgetUrl !== undefined) {
    parts.push(
      `<form class="forget" method="post" action="${escapeHtml(view.forgetUrl)}">`,
      hiddenCsrf(view.csrf),
      `<p id="forget-hint" class="muted">${escapeHtml(t.forgetHint)}</p>`,
      `<button type="submit" class="secondary" aria-describedby="forget-hint">${escapeHtml(t.forgetDevice)}</button>`,
      '</form>',
    );
  }
  // Every guard page offers a way out, whatever it says: the look adds it.
  return lookPage(view.look ?? DEFAULT_LOOK, title, new SafeHtml(parts.join('\n')), locale);
}

/**
 * A page for a refusal the user cannot fix by typing (sign in first, blocked, unavailable), in
 * `locale` (default English: the admin router's pages are English).
 */
export function renderMessagePage(title: string, message: string, locale: Locale = ENGLISH, look: PageLook = DEFAULT_LOOK): string {
  return lookPage(look, title, html`<h1>${title}</h1>\n<p class="alert" role="alert">${message}</p>`, locale);
}

/** The short page sent with a 303, for clients that do not follow redirects. */
export function renderRedirectPage(location: string, locale: Locale = ENGLISH, look: PageLook = DEFAULT_LOOK): string {
  const t = locale.messages;
  return lookPage(look, t.continueTitle, html`<h1>${t.continueTitle}</h1>\n<p><a href="${location}">${t.continueLink}</a></p>`, locale);
}

/** Whole seconds until `iso`, never negative. */
export function secondsUntil(iso: string, now: number): number {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? Math.max(0, Math.ceil((t - now) / 1000)) : 0;
}

/** A refusal as a page tells it. */
export type ShownFailure = Pick<Failure, 'error' | 'attemptsLeft' | 'retryAfter' | 'reason' | 'opensAt' | 'timeZone'>;

/** What the page knows besides the refusal: a newer code replaced one this session was mailed; the time now. */
export interface FailureContext {
  newer?: boolean;
  /** Epoch ms, for the wait until a closed resource opens. */
  now?: number;
}

/** "Monday, 30 November, 08:00 EET": the opening as the resource's clocks show it, in the page's language. */
function openingTime(iso: string, timeZone: string | undefined, tag: string): string {
  const options: Intl.DateTimeFormatOptions = { weekday: 'long', day: 'numeric', month: 'long', hour: 'numeric', minute: '2-digit', timeZoneName: 'short' };
  try {
    return new Intl.DateTimeFormat(tag, { ...options, timeZone: timeZone ?? 'UTC' }).format(Date.parse(iso));
  } catch {
    return new Intl.DateTimeFormat(tag, { ...options, timeZone: 'UTC' }).format(Date.parse(iso));
  }
}

/** The sentence for a refusal outside the time windows (docs/design.md, "Time windows"). */
function closedMessage(failure: ShownFailure, now: number, locale: Locale): string {
  if (!failure.opensAt) return locale.messages.closedNever;
  const wait = formatIn(locale.tag, (Date.parse(failure.opensAt) - now) / 1000);
  return locale.messages.closedOpens(openingTime(failure.opensAt, failure.timeZone, locale.tag), wait);
}

/** The sentence the code page shows for a refusal, in `locale`; nothing in it comes from the request. */
export function failureMessage(failure: ShownFailure, context: FailureContext = {}, locale: Locale = ENGLISH): string {
  const t = locale.messages;
  switch (failure.error) {
    case 'invalid_otp': {
      const latest = context.newer ? ` ${t.newerCodeSent}` : '';
      if (failure.attemptsLeft === 0) return context.newer ? `${t.wrongCode} ${t.newerCodeSent} ${t.latestUsedUp}` : t.wrongCodeUsedUp;
      return `${t.wrongCode}${latest} ${failure.attemptsLeft === undefined ? t.tryAgain : t.attemptsLeft(failure.attemptsLeft)}`;
    }
    case 'otp_expired':
      return t.codeExpired;
    case 'blocked':
      // A lock is told in whole minutes: "in 30 seconds" would promise more than a lock's clock.
      return failure.retryAfter !== undefined ? t.blockedFor(formatIn(locale.tag, Math.max(60, failure.retryAfter))) : t.blockedByAdmin;
    case 'rate_limited': {
      const wait = formatIn(locale.tag, failure.retryAfter ?? 1);
      if (failure.reason === 'cooldown') return t.cooldown(wait);
      if (failure.reason === 'hourly_cap') return t.hourlyCap(wait);
      return t.tooManyRequests(wait);
    }
    case 'not_assigned':
      return t.notAssigned;
    case 'access_restricted':
      if (failure.opensAt !== undefined) return closedMessage(failure, context.now ?? Date.now(), locale);
      return t.accessRestricted;
    case 'delivery_failed':
      return t.deliveryFailed;
    case 'invalid_input':
      return t.invalidInput;
    case 'csrf_failed':
      return t.csrfFailed;
    case 'unauthenticated':
      return t.unauthenticated;
    case 'method_not_allowed':
      return t.methodNotAllowed;
    default:
      return t.unavailable;
  }
}

/** The heading of a page for a refusal the user cannot fix by typing, in `locale`. */
export function failureTitle(failure: ShownFailure, locale: Locale = ENGLISH): string {
  const t = locale.messages;
  switch (failure.error) {
    case 'unauthenticated':
      return t.titleSignInFirst;
    case 'blocked':
      return t.titleBlocked;
    case 'not_assigned':
      return t.titleNotAssigned;
    case 'access_restricted':
      return failure.opensAt !== undefined ? t.titleClosed : t.titleAccessRestricted;
    default:
      return t.titleUnavailable;
  }
}

/** The open challenge this session was shown for the turn's resource and login, if any. */
export function pendingFor(turn: Turn): PendingEntry | null {
  const entry = ownEntry(guardState(turn.req.session).pending, turn.resource);
  return entry && entry.login === turn.req.login ? entry : null;
}

/** The display name a pending entry keeps, if it is one (sessions come back from JSON stores). */
export function shownName(pending: PendingEntry | null): string | null {
  return typeof pending?.resourceName === 'string' ? pending.resourceName : null;
}

/** Whether a code the user has is still worth typing after this refusal. */
export function codeStillUsable(failure: ShownFailure): boolean {
  if (failure.error === 'otp_expired' || failure.error === 'delivery_failed') return false;
  return !(failure.error === 'invalid_otp' && failure.attemptsLeft === 0);
}

/** Whether the refusal is about what was typed into the field (so the field is marked invalid). */
export function aboutTheField(failure: ShownFailure): boolean {
  return (failure.error === 'invalid_otp' && failure.attemptsLeft !== 0) || failure.error === 'invalid_input';
}

/** True for refusals that only someone else can lift (an admin, the first factor, the network). */
export function isDeadEnd(failure: Pick<Failure, 'error'>): boolean {
  return ['unauthenticated', 'blocked', 'not_assigned', 'access_restricted', 'unavailable', 'method_not_allowed'].includes(failure.error);
}

/** The `Retry-After` header of a refusal that has one. */
function retryHeader(failure: Failure): Record<string, string> {
  return failure.error === 'rate_limited' && failure.retryAfter !== undefined ? { 'Retry-After': String(failure.retryAfter) } : {};
}

/** The guard's answer to a refusal: the JSON of the protocol, or the page that explains it. */
export function failureResponse(turn: Turn, failure: Failure): GuardResponse {
  const extra = retryHeader(failure);
  const { locale } = turn;
  if (!turn.html) {
    const body: Record<string, unknown> = { error: failure.error };
    if (failure.attemptsLeft !== undefined) body.attemptsLeft = failure.attemptsLeft;
    if (failure.retryAfter !== undefined) body.retryAfter = failure.retryAfter;
    if (failure.reason !== undefined) body.reason = failure.reason;
    if (failure.opensAt !== undefined) body.opensAt = failure.opensAt;
    if (failure.timeZone !== undefined) body.timeZone = failure.timeZone;
    return guardJson(failure.status, body, extra);
  }
  // A refused page load has no code behind it yet; after a refused post the session knows the open one.
  const pending = turn.route === 'page' ? null : pendingFor(turn);
  const message = failureMessage(failure, { newer: pending?.newer === true, now: turn.engine.clock.now() }, locale);
  const headers = { ...languageHeaders(locale, turn.negotiatedLocale), ...extra };
  if (isDeadEnd(failure)) return guardPage(failure.status, renderMessagePage(failureTitle(failure, locale), message, locale, turn.look), headers, undefined, turn.look);
  const now = turn.engine.clock.now();
  const showCodeForm = turn.route !== 'page' && codeStillUsable(failure);
  const codePage = renderCodePage({
    locale,
    info: pending,
    csrf: csrfToken(turn.req.session),
    verifyUrl: turn.verifyUrl,
    resendUrl: turn.resendUrl,
    now,
    message,
    fieldError: showCodeForm && aboutTheField(failure),
    showCodeForm,
    ...deviceView(turn),
    ...(failure.error === 'rate_limited' && failure.retryAfter !== undefined ? { resendAt: now + failure.retryAfter * 1000 } : {}),
    resourceName: shownName(pending),
    look: turn.look,
  });
  return guardPage(failure.status, codePage, headers, undefined, turn.look);
}
