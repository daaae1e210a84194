import type { GuardFailure } from './failure';

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Whole seconds until `iso`, never negative. */
export function secondsUntil(iso: string, now: number): number {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? Math.max(0, Math.ceil((t - now) / 1000)) : 0;
}

/** The sentence the code page shows for a refusal; nothing in it comes from the request. */
export function failureMessage(failure: GuardFailure): string {
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
    case 'unavailable':
      return 'The service is unavailable right now. Try again in a moment.';
  }
}

/** The heading of a page for a refusal the user cannot fix by typing. */
export function failureTitle(failure: GuardFailure): string {
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
