import type { Failure } from '../errors';
import { json, page, PAGE_CSP, type Answer } from '../web/answer';
import { escapeHtml, html, plainPage, SafeHtml } from '../web/html';
import { csrfToken } from '../web/request';
import type { Grant, GuardResponse, Turn } from './protocol';
import { guardState, ownEntry, type PendingEntry } from './session';

// The guard's answers as they leave it: JSON for scripts, the pages for browsers, and what each
// refusal says.

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
  info: Pick<PendingEntry, 'tokenName' | 'sentTo' | 'otpLength' | 'pin' | 'expiresAt' | 'resendAfter'> | null;
  csrf: string;
  verifyUrl: string;
  resendUrl: string;
  now: number;
  /** A refusal to show in the alert area. */
  message?: string;
  /** Good news to show, e.g. that a new code was sent. */
  notice?: string;
  /** False when there is no code worth typing (used up, not sent); the resend form stays. */
  showCodeForm?: boolean;
}

function pinHint(info: CodePageView['info']): string {
  if (!info) return 'Type the code from the mail we sent you.';
  const code = `the ${info.otpLength}-digit code`;
  if (info.pin === 'before') return `Type your PIN, then ${code}, with nothing between them.`;
  if (info.pin === 'after') return `Type ${code}, then your PIN, with nothing between them.`;
  return `Type ${code}.`;
}

function intro(info: NonNullable<CodePageView['info']>, now: number): string {
  const minutes = Math.ceil(secondsUntil(info.expiresAt, now) / 60);
  const lifetime =
    minutes > 0 ? ` It works for ${minutes === 1 ? '1 more minute' : `${minutes} more minutes`}.` : '';
  return (
    `<p>We mailed ${info.otpLength === 8 ? 'an' : 'a'} ${escapeHtml(info.otpLength)}-digit code to <strong>${escapeHtml(info.sentTo)}</strong> ` +
    `for your token &ldquo;${escapeHtml(info.tokenName)}&rdquo;.${lifetime}</p>`
  );
}

function resendText(info: CodePageView['info'], now: number): string {
  const wait = info ? secondsUntil(info.resendAfter, now) : 0;
  return wait > 0 ? `You can ask for a new code in ${wait} s.` : 'No mail? You can ask for a new code now.';
}

function hiddenCsrf(token: string): string {
  return `<input type="hidden" name="_csrf" value="${escapeHtml(token)}">`;
}

/** The code entry page: no script, every value escaped, usable by keyboard and on a phone. */
export function renderCodePage(view: CodePageView): string {
  const { info } = view;
  const parts: string[] = ['<h1>Enter your code</h1>'];
  if (view.message) parts.push(`<p class="alert" role="alert">${escapeHtml(view.message)}</p>`);
  if (view.notice) parts.push(`<p class="notice" role="status">${escapeHtml(view.notice)}</p>`);
  if (info) parts.push(intro(info, view.now));

  if (view.showCodeForm !== false) {
    // A PIN may hold letters, so the numeric keypad is offered only when there is none.
    const numeric = info && info.pin === null ? ' inputmode="numeric"' : '';
    parts.push(
      `<form method="post" action="${escapeHtml(view.verifyUrl)}">`,
      hiddenCsrf(view.csrf),
      '<div class="field">',
      `<label for="otp">${info?.pin ? 'PIN and code' : 'Code'}</label>`,
      `<p id="otp-hint" class="muted">${escapeHtml(pinHint(info))}</p>`,
      `<input id="otp" name="otp" type="text" autocomplete="one-time-code"${numeric} maxlength="64" required autofocus ` +
        'spellcheck="false" autocapitalize="off" aria-describedby="otp-hint">',
      '</div>',
      '<button type="submit">Verify</button>',
      '</form>',
    );
  }

  parts.push(
    `<form class="resend" method="post" action="${escapeHtml(view.resendUrl)}">`,
    hiddenCsrf(view.csrf),
    `<p class="muted">${escapeHtml(resendText(info, view.now))}</p>`,
    `<button type="submit" class="secondary">Send a new code</button>`,
    '</form>',
  );
  return plainPage('Enter your code', new SafeHtml(parts.join('\n')));
}

/** A page for a refusal the user cannot fix by typing (sign in first, blocked, unavailable). */
export function renderMessagePage(title: string, message: string): string {
  return plainPage(title, html`<h1>${title}</h1>\n<p class="alert" role="alert">${message}</p>`);
}

/** The short page sent with a 303, for clients that do not follow redirects. */
export function renderRedirectPage(location: string): string {
  return plainPage('Continue', html`<h1>Continue</h1>\n<p><a href="${location}">Go on to the page</a></p>`);
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Whole seconds until `iso`, never negative. */
export function secondsUntil(iso: string, now: number): number {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? Math.max(0, Math.ceil((t - now) / 1000)) : 0;
}

/** The sentence the code page shows for a refusal; nothing in it comes from the request. */
export function failureMessage(failure: Pick<Failure, 'error' | 'attemptsLeft' | 'retryAfter'>): string {
  switch (failure.error) {
    case 'invalid_otp':
      if (failure.attemptsLeft === 0) return 'That code is not right, and it is now used up. Ask for a new one.';
      return failure.attemptsLeft === undefined
        ? 'That code is not right. Try again.'
        : `That code is not right. ${plural(failure.attemptsLeft, 'attempt', 'attempts')} left.`;
    case 'otp_expired':
      return 'That code has expired or was used up. Ask for a new one.';
    case 'blocked':
      return failure.retryAfter !== undefined
        ? `Too many wrong codes: sign-in is blocked. Try again in ${plural(Math.max(1, Math.ceil(failure.retryAfter / 60)), 'minute', 'minutes')}.`
        : 'Sign-in with your token is blocked. Ask your administrator to unblock it.';
    case 'rate_limited':
      return `Too many codes asked for. You can ask for a new code in ${failure.retryAfter ?? 1} s.`;
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
export function failureTitle(failure: Pick<Failure, 'error' | 'attemptsLeft' | 'retryAfter'>): string {
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

function pendingFor(turn: Turn): PendingEntry | null {
  const entry = ownEntry(guardState(turn.req.session).pending, turn.resource);
  return entry && entry.login === turn.req.login ? entry : null;
}

/** Whether a code the user has is still worth typing after this refusal. */
function codeStillUsable(turn: Turn, failure: Failure): boolean {
  if (turn.route === 'page') return false;
  if (failure.error === 'otp_expired' || failure.error === 'delivery_failed') return false;
  return !(failure.error === 'invalid_otp' && failure.attemptsLeft === 0);
}

/** True for refusals that only someone else can lift (an admin, the first factor, the network). */
export function isDeadEnd(failure: Pick<Failure, 'error'>): boolean {
  return ['unauthenticated', 'blocked', 'not_assigned', 'access_restricted', 'unavailable', 'method_not_allowed'].includes(failure.error);
}

/** The guard's answer to a refusal: the JSON of the protocol, or the page that explains it. */
export function failureResponse(turn: Turn, failure: Failure): GuardResponse {
  const extra: Record<string, string> =
    failure.error === 'rate_limited' && failure.retryAfter !== undefined ? { 'Retry-After': String(failure.retryAfter) } : {};
  if (!turn.html) {
    const body: Record<string, unknown> = { error: failure.error };
    if (failure.attemptsLeft !== undefined) body.attemptsLeft = failure.attemptsLeft;
    if (failure.retryAfter !== undefined) body.retryAfter = failure.retryAfter;
    return guardJson(failure.status, body, extra);
  }
  const message = failureMessage(failure);
  if (isDeadEnd(failure)) return guardPage(failure.status, renderMessagePage(failureTitle(failure), message), extra);
  // A refused page load has no code behind it yet; after a refused post the session knows the open one.
  const codePage = renderCodePage({
    info: turn.route === 'page' ? null : pendingFor(turn),
    csrf: csrfToken(turn.req.session),
    verifyUrl: turn.verifyUrl,
    resendUrl: turn.resendUrl,
    now: turn.engine.clock.now(),
    message,
    showCodeForm: codeStillUsable(turn, failure),
  });
  return guardPage(failure.status, codePage, extra);
}
