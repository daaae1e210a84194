import type { Failure } from '../errors';
import { json, page, PAGE_CSP, type Answer } from '../web/answer';
import { escapeHtml, html, plainPage, SafeHtml } from '../web/html';
import { csrfToken } from '../web/request';
import type { Grant, GuardResponse, Turn } from './protocol';
import { guardState, ownEntry, type PendingEntry } from './session';

// The guard's answers as they leave it: JSON for scripts, the pages for browsers, and what each
// refusal says.

/** Sentences of "Remember this device" and step-up (English; the lead moves them into the catalogue). */
const TEXT = {
  rememberDevice: (days: number) => `Remember this device for ${days === 1 ? '1 day' : `${days} days`}`,
  rememberHint: 'Do not tick this on a shared or public computer.',
  forgetDevice: 'Forget this device',
  forgetHint: 'This browser is remembered for this area. Forget it to be asked for a code here every time.',
  stale: "Confirm it's you: enter a fresh code.",
};

function respond(answer: Answer, grant?: Grant): GuardResponse {
  return { action: 'respond', ...answer, ...(grant ? { grant } : {}) };
}

/** A JSON answer with the guard's headers. */
export function guardJson(status: number, body: object, extra: Record<string, string> = {}, grant?: Grant): GuardResponse {
  return respond(json(status, body, extra, 'guard'), grant);
}

/** A page with the guard's headers, strict CSP included. */
export function guardPage(status: number, html: string, extra: Record<string, string> = {}, grant?: Grant): GuardResponse {
  return respond(page(status, html, { csp: PAGE_CSP, headers: extra, surface: 'guard' }), grant);
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

/** Every guard page offers a way out, whatever it says. */
const BACK_LINK = '<p class="back"><a href="/">Back to the site</a></p>';

/** The code entry page: no script, every value escaped, usable by keyboard and on a phone. */
export function renderCodePage(view: CodePageView): string {
  const { info } = view;
  const showForm = view.showCodeForm !== false;
  const parts: string[] = ['<h1>Enter your code</h1>'];
  if (view.message) parts.push(`<p id="otp-error" class="alert" role="alert">${escapeHtml(view.message)}</p>`);
  if (view.notice) parts.push(`<p class="notice" role="status">${escapeHtml(view.notice)}</p>`);
  if (view.stale) parts.push(`<p class="notice" role="status">${escapeHtml(TEXT.stale)}</p>`);
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
      ...(view.rememberDays !== undefined
        ? [
            '<div class="check">',
            '<input id="remember" name="remember" type="checkbox" value="on" aria-describedby="remember-hint">',
            `<label for="remember">${escapeHtml(TEXT.rememberDevice(view.rememberDays))}</label>`,
            '</div>',
            `<p id="remember-hint" class="muted">${escapeHtml(TEXT.rememberHint)}</p>`,
          ]
        : []),
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
  if (view.forgetUrl !== undefined) {
    parts.push(
      `<form class="forget" method="post" action="${escapeHtml(view.forgetUrl)}">`,
      hiddenCsrf(view.csrf),
      `<p id="forget-hint" class="muted">${escapeHtml(TEXT.forgetHint)}</p>`,
      `<button type="submit" class="secondary" aria-describedby="forget-hint">${escapeHtml(TEXT.forgetDevice)}</button>`,
      '</form>',
    );
  }
  parts.push(BACK_LINK);
  return plainPage('Enter your code', new SafeHtml(parts.join('\n')));
}

/** A page for a refusal the user cannot fix by typing (sign in first, blocked, unavailable). */
export function renderMessagePage(title: string, message: string): string {
  return plainPage(title, html`<h1>${title}</h1>\n<p class="alert" role="alert">${message}</p>\n${new SafeHtml(BACK_LINK)}`);
}

/** The short page sent with a 303, for clients that do not follow redirects. */
export function renderRedirectPage(location: string): string {
  return plainPage('Continue', html`<h1>Continue</h1>\n<p><a href="${location}">Go on to the page</a></p>`);
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
export type ShownFailure = Pick<Failure, 'error' | 'attemptsLeft' | 'retryAfter' | 'reason'>;

/** What the page knows besides the refusal: a newer code replaced one this session was mailed. */
export interface FailureContext {
  newer?: boolean;
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
      return 'Access restricted';
    default:
      return 'Service unavailable';
  }
}

/** The open challenge this session was shown for the turn's resource and login, if any. */
export function pendingFor(turn: Turn): PendingEntry | null {
  const entry = ownEntry(guardState(turn.req.session).pending, turn.resource);
  return entry && entry.login === turn.req.login ? entry : null;
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
    return guardJson(failure.status, body, extra);
  }
  // A refused page load has no code behind it yet; after a refused post the session knows the open one.
  const pending = turn.route === 'page' ? null : pendingFor(turn);
  const message = failureMessage(failure, { newer: pending?.newer === true });
  if (isDeadEnd(failure)) return guardPage(failure.status, renderMessagePage(failureTitle(failure), message), extra);
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
    ...deviceView(turn),
    ...(failure.error === 'rate_limited' && failure.retryAfter !== undefined ? { resendAt: now + failure.retryAfter * 1000 } : {}),
  });
  return guardPage(failure.status, codePage, extra);
}
