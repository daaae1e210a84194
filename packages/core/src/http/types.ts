/** The request headers the guard reads, lower-cased names already picked out by the adapter. */
export interface GuardHeaders {
  accept?: string;
  contentType?: string;
  /** Not used for decisions: form posts carry a CSRF token and JSON posts need a preflight. */
  origin?: string;
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
}

/** A verification to write into the session once its id has been regenerated. */
export interface Grant {
  resource: string;
  login: string;
  /** Epoch ms the verification ends. */
  until: number;
  /** `AuthenticateResult.stamp`: checked against the directory on every later request. */
  stamp: string;
}

/**
 * What the adapter does next: call the app, or send this answer. With `grant`, it must first
 * regenerate the session id (keeping the other session data), then `applyGrant(session, grant)`,
 * then send.
 */
export type GuardResponse =
  | { action: 'next' }
  | { action: 'respond'; status: number; headers: Record<string, string>; body: string; grant?: Grant };

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
}
