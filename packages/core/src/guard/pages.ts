import type { Failure } from '../errors';
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

/** What the code page shows. */
export interface CodePageView {
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
}

function pinHint(info: CodePageView['info']): string {
  if (!info) return 'Type the code from the mail we sent you.';
  const code = `the ${info.otpLength}-digit code`;
  if (info.pin === 'before') return `Type your PIN, then ${code}, with nothing between them.`;
  if (info.pin === 'after') return `Type ${code}, then your PIN, with nothing between them.`;
  return `Type ${code}.`;
}

function intro(info: NonNullable<CodePageView['info']>, now: number, usable: boolean): string {
  const minutes = Math.ceil(secondsUntil(info.expiresAt, now) / 60);
  // A code that is used up or expired works for no more minutes, whatever its expiry said.
  const lifetime =
    usable && minutes > 0 ? ` It works for ${minutes === 1 ? '1 more minute' : `${minutes} more minutes`}.` : '';
  const latest = usable && info.newer ? ' Only the code in the latest mail works.' : '';
  return (
    `<p>We mailed ${info.otpLength === 8 ? 'an' : 'a'} ${escapeHtml(info.otpLength)}-digit code to <strong>${escapeHtml(info.sentTo)}</strong> ` +
    `for your token &ldquo;${escapeHtml(info.tokenName)}&rdquo;.${lifetime}${latest}</p>`
  );
}

/** Whole seconds until a resend can succeed, as far as the page knows. */
function resendWait(view: CodePageView): number {
  const cooldown = view.info ? secondsUntil(view.info.resendAfter, view.now) : 0;
  const other = view.resendAt === undefined ? 0 : Math.max(0, Math.ceil((view.resendAt - view.now) / 1000));
  return Math.max(cooldown, other);
}

function resendText(wait: number): string {
  // No script runs on these pages, so the button cannot enable itself: a reload draws it again.
  return wait > 0 ? `You can ask for a new code in ${duration(wait)}. Reload this page then.` : 'No mail? You can ask for a new code now.';
}

function hiddenCsrf(token: string): string {
  return `<input type="hidden" name="_csrf" value="${escapeHtml(token)}">`;
}

/** The English sentences this file adds (the lead moves them into the message catalogue). */
const TEXT = {
  enterCodeFor: (resource: string) => `Enter your code for ${resource}`,
};

/** The code entry page: no script, every value escaped, usable by keyboard and on a phone. */
export function renderCodePage(view: CodePageView): string {
  const { info } = view;
  const showForm = view.showCodeForm !== false;
  const title = view.resourceName ? TEXT.enterCodeFor(view.resourceName) : 'Enter your code';
  const parts: string[] = [`<h1>${escapeHtml(title)}</h1>`];
  if (view.message) parts.push(`<p id="otp-error" class="alert" role="alert">${escapeHtml(view.message)}</p>`);
  if (view.notice) parts.push(`<p class="notice" role="status">${escapeHtml(view.notice)}</p>`);
  if (info) parts.push(intro(info, view.now, showForm));

  if (showForm) {
    // A PIN may hold letters, so the numeric keypad is offered only when there is none.
    const numeric = info && info.pin === null ? ' inputmode="numeric"' : '';
    const invalid = view.message && view.fieldError ? ' aria-invalid="true" aria-describedby="otp-error otp-hint"' : ' aria-describedby="otp-hint"';
    parts.push(
      `<form method="post" action="${escapeHtml(view.verifyUrl)}">`,
      hiddenCsrf(view.csrf),
      '<div class="field">',
      `<label for="otp">${info?.pin ? 'PIN and code' : 'Code'}</label>`,
      `<p id="otp-hint" class="muted">${escapeHtml(pinHint(info))}</p>`,
      `<input id="otp" name="otp" type="text" autocomplete="one-time-code"${numeric} maxlength="64" required autofocus ` +
        `spellcheck="false" autocapitalize="off"${invalid}>`,
      '</div>',
      '<button type="submit">Verify</button>',
      '</form>',
    );
  }

  const wait = resendWait(view);
  parts.push(
    `<form class="resend" method="post" action="${escapeHtml(view.resendUrl)}">`,
    hiddenCsrf(view.csrf),
    `<p id="resend-hint" class="muted">${escapeHtml(resendText(wait))}</p>`,
    `<button type="submit" class="secondary"${wait > 0 ? ' disabled' : ''} aria-describedby="resend-hint">Send a new code</button>`,
    '</form>',
  );
  // Every guard page offers a way out, whatever it says: the look adds it.
  return lookPage(view.look ?? DEFAULT_LOOK, title, new SafeHtml(parts.join('\n')));
}

/** A page for a refusal the user cannot fix by typing (sign in first, blocked, unavailable). */
export function renderMessagePage(title: string, message: string, look: PageLook = DEFAULT_LOOK): string {
  return lookPage(look, title, html`<h1>${title}</h1>\n<p class="alert" role="alert">${message}</p>`);
}

/** The short page sent with a 303, for clients that do not follow redirects. */
export function renderRedirectPage(location: string, look: PageLook = DEFAULT_LOOK): string {
  return lookPage(look, 'Continue', html`<h1>Continue</h1>\n<p><a href="${location}">Go on to the page</a></p>`);
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** A wait as people read it: seconds under a minute, whole minutes (rounded up) past it. */
function duration(seconds: number): string {
  return seconds < 60 ? `${Math.max(1, seconds)} s` : plural(Math.ceil(seconds / 60), 'minute', 'minutes');
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

/**
 * The guard page's sentences about a resource closed outside its time windows (docs/design.md,
 * "Time windows"), kept together for translation.
 */
export const SCHEDULE_TEXT = {
  title: 'Closed at this time',
  opens: (when: string, wait: string) => `This area is closed at this time. It opens ${when}, ${wait} from now.`,
  never: 'This area is closed at this time, and no opening is scheduled. Ask your administrator.',
  seconds: (n: number) => plural(n, 'second', 'seconds'),
  minutes: (n: number) => plural(n, 'minute', 'minutes'),
  hours: (n: number) => `about ${plural(n, 'hour', 'hours')}`,
  days: (n: number) => `about ${plural(n, 'day', 'days')}`,
} as const;

/** "Monday 30 November at 08:00 EET": the opening as the resource's clocks show it. */
function openingTime(iso: string, timeZone: string | undefined): string {
  const options: Intl.DateTimeFormatOptions = { weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' };
  try {
    return new Intl.DateTimeFormat('en-GB', { ...options, timeZone: timeZone ?? 'UTC' }).format(Date.parse(iso));
  } catch {
    return new Intl.DateTimeFormat('en-GB', { ...options, timeZone: 'UTC' }).format(Date.parse(iso));
  }
}

/** A wait as people say it: seconds, minutes up to two hours, hours up to two days, then days. */
function waitWords(ms: number): string {
  const s = Math.max(1, Math.ceil(ms / 1000));
  if (s < 60) return SCHEDULE_TEXT.seconds(s);
  const min = Math.ceil(s / 60);
  if (min < 120) return SCHEDULE_TEXT.minutes(min);
  const h = Math.round(min / 60);
  return h < 48 ? SCHEDULE_TEXT.hours(h) : SCHEDULE_TEXT.days(Math.round(h / 24));
}

/** The sentence for a refusal outside the time windows. */
function closedMessage(failure: ShownFailure, now: number): string {
  if (!failure.opensAt) return SCHEDULE_TEXT.never;
  return SCHEDULE_TEXT.opens(openingTime(failure.opensAt, failure.timeZone), waitWords(Date.parse(failure.opensAt) - now));
}

const LATEST_ONLY = 'A newer code was sent: only the code in the latest mail works.';

/** The sentence the code page shows for a refusal; nothing in it comes from the request. */
export function failureMessage(failure: ShownFailure, context: FailureContext = {}): string {
  switch (failure.error) {
    case 'invalid_otp': {
      const latest = context.newer ? ` ${LATEST_ONLY}` : '';
      if (failure.attemptsLeft === 0) {
        return context.newer
          ? `That code is not right. ${LATEST_ONLY} The latest code is now used up: ask for a new one.`
          : 'That code is not right, and it is now used up. Ask for a new one.';
      }
      return failure.attemptsLeft === undefined
        ? `That code is not right.${latest} Try again.`
        : `That code is not right.${latest} ${plural(failure.attemptsLeft, 'attempt', 'attempts')} left.`;
    }
    case 'otp_expired':
      return 'That code has expired or was used up. Ask for a new one.';
    case 'blocked':
      return failure.retryAfter !== undefined
        ? `Too many wrong codes: sign-in is blocked. Try again in ${plural(Math.max(1, Math.ceil(failure.retryAfter / 60)), 'minute', 'minutes')}.`
        : 'Sign-in with your token is blocked. Ask your administrator to unblock it.';
    case 'rate_limited': {
      const wait = duration(failure.retryAfter ?? 1);
      if (failure.reason === 'cooldown') return `A code was mailed to you moments ago: check your mail. You can ask for a new code in ${wait}.`;
      if (failure.reason === 'hourly_cap') return `Too many codes were mailed in the last hour. You can ask for a new code in ${wait}.`;
      return `Too many requests in a short time. Try again in ${wait}.`;
    }
    case 'not_assigned':
      return 'Your account has no token for this area. Ask your administrator to assign one.';
    case 'access_restricted':
      if (failure.opensAt !== undefined) return closedMessage(failure, context.now ?? Date.now());
      return 'This area cannot be opened from your network.';
    case 'delivery_failed':
      return 'The code could not be mailed. Try again in a moment.';
    case 'invalid_input':
      return 'That entry could not be read. Type the code again.';
    case 'csrf_failed':
      return 'This form has expired. Type the code again.';
    case 'unauthenticated':
      return 'Sign in first, then open this page again.';
    case 'method_not_allowed':
      return 'This address only takes form posts.';
    default:
      return 'The service is unavailable right now. Try again in a moment.';
  }
}

/** The heading of a page for a refusal the user cannot fix by typing. */
export function failureTitle(failure: ShownFailure): string {
  switch (failure.error) {
    case 'unauthenticated':
      return 'Sign in first';
    case 'blocked':
      return 'Sign-in blocked';
    case 'not_assigned':
      return 'No token for this area';
    case 'access_restricted':
      return failure.opensAt !== undefined ? SCHEDULE_TEXT.title : 'Access restricted';
    default:
      return 'Service unavailable';
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
  const message = failureMessage(failure, { newer: pending?.newer === true, now: turn.engine.clock.now() });
  if (isDeadEnd(failure)) return guardPage(failure.status, renderMessagePage(failureTitle(failure), message, turn.look), extra, undefined, turn.look);
  const now = turn.engine.clock.now();
  const showCodeForm = turn.route !== 'page' && codeStillUsable(failure);
  const codePage = renderCodePage({
    info: pending,
    csrf: csrfToken(turn.req.session),
    verifyUrl: turn.verifyUrl,
    resendUrl: turn.resendUrl,
    now,
    message,
    fieldError: showCodeForm && aboutTheField(failure),
    showCodeForm,
    ...(failure.error === 'rate_limited' && failure.retryAfter !== undefined ? { resendAt: now + failure.retryAfter * 1000 } : {}),
    resourceName: shownName(pending),
    look: turn.look,
  });
  return guardPage(failure.status, codePage, extra, undefined, turn.look);
}
