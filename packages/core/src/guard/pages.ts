import { escapeHtml } from '../html/escape';
import { secondsUntil } from './messages';
import { pageLayout } from './page-layout';
import type { PendingEntry } from './session-state';

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
  return pageLayout('Enter your code', parts.join('\n'));
}

/** A page for a refusal the user cannot fix by typing (sign in first, blocked, unavailable). */
export function renderMessagePage(title: string, message: string): string {
  return pageLayout(title, `<h1>${escapeHtml(title)}</h1>\n<p class="alert" role="alert">${escapeHtml(message)}</p>`);
}

/** The short page sent with a 303, for clients that do not follow redirects. */
export function renderRedirectPage(location: string): string {
  return pageLayout('Continue', `<h1>Continue</h1>\n<p><a href="${escapeHtml(location)}">Go on to the page</a></p>`);
}
