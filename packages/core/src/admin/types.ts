/** The request headers the admin layer reads, picked out by the adapter. */
export interface AdminHeaders {
  accept?: string;
  contentType?: string;
  /** `X-CSRF-Token`: every POST, PATCH and DELETE must carry the session's token. */
  csrf?: string;
}

/** One request, as an adapter hands it to `handleAdmin`. */
export interface AdminRequest {
  method: string;
  /** Path below the mount point, without the query: `/`, `/users`, `/api/tokens/tok_x`. Not decoded. */
  path: string;
  /** Where the admin router is mounted: `''` or `/admin`. Links in the pages start with it. */
  mountPath: string;
  /** The query, one string per name (adapters keep the first of repeated names). */
  query: Record<string, string>;
  headers: AdminHeaders;
  /** The body an app's own parser produced, or undefined when none ran. */
  body?: unknown;
  /** Reads the raw body when `body` is undefined, refusing more than `limitBytes` (typically `readBody(req, limit)`). */
  readRawBody?: (limitBytes: number) => Promise<string>;
  /** The live session object; the CSRF token lives in it (the same one the guard's forms use). */
  session: Record<string, unknown>;
  /**
   * What the app's `authorize(req|ctx)` said, awaited by the adapter. Anything but `true` is 403:
   * there is no open default.
   */
  authorized: boolean;
  /**
   * True when the request names the mount point under another spelling than the configured one
   * (`/ADMIN/api/tokens`, `/%61dmin`), which a router may route here while a second factor mounted
   * in front at the exact prefix never saw it: refused 404, whoever asks.
   */
  otherSpelling?: boolean;
}

/** Settings of `handleAdmin`. */
export interface AdminOptions {
  /**
   * Told of errors the admin layer did not expect (answered 500 `internal_error`). Refusals
   * (bad input, not found, forbidden) are answers, not errors, and are not reported.
   */
  onError?: (err: unknown) => void;
}
