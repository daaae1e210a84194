import { csrfToken } from './csrf';
import type { GuardFailure } from './failure';
import { isDeadEnd } from './failure';
import { failureMessage, failureTitle } from './messages';
import { renderCodePage, renderMessagePage } from './pages';
import { jsonResponse, htmlResponse } from './responses';
import { guardState, ownEntry } from './session-state';
import type { PendingEntry } from './session-state';
import type { Turn } from './turn';
import type { GuardResponse } from './types';

function pendingFor(turn: Turn): PendingEntry | null {
  const entry = ownEntry(guardState(turn.req.session).pending, turn.resource);
  return entry && entry.login === turn.req.login ? entry : null;
}

/** Whether a code the user has is still worth typing after this refusal. */
function codeStillUsable(turn: Turn, failure: GuardFailure): boolean {
  if (turn.route === 'page') return false;
  if (failure.error === 'otp_expired' || failure.error === 'delivery_failed') return false;
  return !(failure.error === 'invalid_otp' && failure.attemptsLeft === 0);
}

/** The guard's answer to a refusal: the JSON of the protocol, or the page that explains it. */
export function failureResponse(turn: Turn, failure: GuardFailure): GuardResponse {
  const extra: Record<string, string> =
    failure.error === 'rate_limited' && failure.retryAfter !== undefined ? { 'Retry-After': String(failure.retryAfter) } : {};
  if (!turn.html) {
    const body: Record<string, unknown> = { error: failure.error };
    if (failure.attemptsLeft !== undefined) body.attemptsLeft = failure.attemptsLeft;
    if (failure.retryAfter !== undefined) body.retryAfter = failure.retryAfter;
    return jsonResponse(failure.status, body, extra);
  }
  const message = failureMessage(failure);
  if (isDeadEnd(failure)) return htmlResponse(failure.status, renderMessagePage(failureTitle(failure), message), extra);
  // A refused page load has no code behind it yet; after a refused post the session knows the open one.
  const page = renderCodePage({
    info: turn.route === 'page' ? null : pendingFor(turn),
    csrf: csrfToken(turn.req.session),
    verifyUrl: turn.verifyUrl,
    resendUrl: turn.resendUrl,
    now: turn.engine.clock.now(),
    message,
    showCodeForm: codeStillUsable(turn, failure),
  });
  return htmlResponse(failure.status, page, extra);
}
