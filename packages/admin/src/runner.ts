import type { Protectimus } from '@protectimus-mail/core';
import { defaultProtectimus, prefersHtml } from '@protectimus-mail/core';
import {
  failureOf,
  isFault,
  json,
  loginOfUser,
  logGuardError,
  page,
  PAGE_CSP,
  refusal,
  renderMessagePage,
  reportGuardError,
  WebRefusal,
  type Answer,
  type Failure,
} from '@protectimus-mail/core/adapter';
import { apiResponse, routeNotFound, segmentsOf } from './api';
import { panelResponse } from './pages';

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
   * Who makes this request's changes, as the audit log records them (`actor` on every admin
   * change): a display name, or null/absent for no one named. Control characters are dropped and
   * it is cut at 100 characters. `adminRunner` fills it from its `actor` option.
   */
  actor?: string | null;
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

/** The admin API's 403 for a request `authorize` did not allow. */
const forbidden = (): WebRefusal => new WebRefusal('FORBIDDEN');

const TITLES: Readonly<Record<number, string>> = { 403: 'Forbidden', 404: 'Not found', 405: 'Not allowed', 503: 'Service unavailable' };

/**
 * What a person who may not use the panel reads: not the API's message (written for the
 * developer calling it), a sentence about their own account.
 */
const FORBIDDEN_PAGE = {
  title: 'Administrators only',
  message: "This page is for the site's administrators, and your account is not one of them. If you need it, ask an administrator.",
};

function failureResponse(failure: Failure, asPage: boolean): Answer {
  const message = failure.message ?? '';
  if (asPage) {
    // A refusal seen in a browser: the guard's message page, under its CSP, not the panel.
    const shown = failure.error === 'forbidden' ? FORBIDDEN_PAGE : { title: TITLES[failure.status] ?? 'Something went wrong', message };
    return page(failure.status, renderMessagePage(shown.title, shown.message), { csp: PAGE_CSP, headers: failure.headers ?? {} });
  }
  const body = { error: failure.error, message, ...(failure.field !== undefined ? { field: failure.field } : {}) };
  return json(failure.status, body, failure.headers);
}

/**
 * The admin API and panel (docs/design.md, "Admin") for one request, free of any framework: the
 * adapter calls the app's `authorize`, turns its request into an `AdminRequest`, and writes the
 * answer back as is. Routes, relative to the mount point:
 *
 * - `api/tokens`, `api/users`, `api/resources`: GET (a page: `?q&cursor&limit`, tokens also
 *   `?owner=none|any&blocked=true|false&assignableTo=<resource>`, users `?blocked=`), POST (create, 201);
 *   `api/<kind>/:id`: GET, PATCH, DELETE (204); `api/tokens/:id/block` and `api/users/:id/block`
 *   (`{minutes?}`), `.../unblock`.
 * - `api/users/:id/tokens`: GET, POST `{tokenId}` (assign an existing token) or `{token:{...}}`
 *   (a new one, 201); `DELETE api/users/:id/tokens/:tokenId`.
 * - `api/resources/:id/assignments` (`:id` or the name): GET, POST `{tokenId}` ("Token with
 *   User", 201); `DELETE api/resources/:id/assignments/:tokenId`.
 * - `api/users/import`: POST, `text/csv` or `{csv}`; answers `{created, errors:[{line, error, message}]}`.
 * - `api/import`: POST, the same body, users or resources by the file's header; answers
 *   `{kind:'users', created, errors}` or `{kind:'resources', created, updated, errors}`.
 * - `api/events?type&login&resourceId&tokenId&limit&before` (entries with a token carry its
 *   `tokenName`; admin changes their `actor`), `api/stats/hourly`, `api/csrf`.
 * - Pages `/`, `/users`, `/resources`, `/events` and `/assets/panel.js|css`, under a strict CSP.
 *
 * Refusals are `{"error","message"}` (`field` too for bad input): 400 `invalid_input`, 403
 * `forbidden` (not authorized) or `csrf_failed`, 404 `not_found`/`not_assigned` (also any other
 * spelling of the mount point, `otherSpelling`), 405, 409
 * `already_exists`, 503 `unavailable`. POST, PATCH and DELETE need `X-CSRF-Token` (the session's
 * token, `GET api/csrf`) and, where they take a body, `Content-Type: application/json`. Nothing
 * is read or changed for a request that is not authorized. Never throws.
 */
export async function handleAdmin(pm: Protectimus, req: AdminRequest, options: AdminOptions = {}): Promise<Answer> {
  const method = req.method.toUpperCase();
  const isApi = /^\/*api(\/|$)/.test(req.path);
  try {
    if (req.otherSpelling === true) throw routeNotFound();
    if (req.authorized !== true) throw forbidden();
    const segments = segmentsOf(req.path);
    if (isApi) return await apiResponse(pm, req, method, segments.slice(1));
    return panelResponse(req, method, req.mountPath.replace(/\/+$/, ''), segments, pm.locales.tags);
  } catch (err) {
    if (isFault(err)) reportGuardError(options.onError, err);
    return failureResponse(failureOf(err, 'admin'), !isApi && prefersHtml(req.headers.accept));
  }
}

/** Throws when the app gave no `authorize`: the admin router has no open default. */
function assertAuthorize(options: unknown, name = 'protectimusAdmin'): void {
  const authorize = typeof options === 'object' && options !== null ? (options as { authorize?: unknown }).authorize : undefined;
  if (typeof authorize !== 'function') {
    throw new TypeError(`${name}: authorize(req) is required, there is no open default; e.g. authorize: (req) => req.user?.role === 'admin'`);
  }
}

/** Logged when a binding runs without a session: the CSRF token needs one. */
const ADMIN_NO_SESSION = 'protectimusAdmin needs a session middleware (express-session, koa-session) before it, for its CSRF token';

/** The answer for what fails around `handleAdmin` (no session, `authorize` or the instance throwing). */
function adminInternalError(message?: string): Answer {
  const { status, error, message: told } = refusal('FAULT', 'admin');
  return json(status, { error, message: message ?? told });
}

/** The options every adapter's `protectimusAdmin()` takes, for its own request type `R`. */
export interface CommonAdminOptions<R> {
  /** The instance to administer. Default: the one guards left on the default share (`defaultProtectimus()`). */
  protectimus?: Protectimus;
  /**
   * Whether this request may administer protectimus-mail: must return (or resolve to) `true`,
   * anything else is 403. Required: there is no open default.
   */
  authorize: (r: R) => boolean | Promise<boolean>;
  /** Told of errors the admin layer did not expect (answered 500). Default: one line on `console.error`. */
  onError?: (err: unknown) => void;
  /**
   * The name the audit log records on every change this request makes (`actor`), shown in the
   * panel's event log. Asked only of requests `authorize` let in; null or undefined records
   * `actor: null`. Default: the login of the first-factor user the guard reads (`req.user` /
   * `ctx.state.user`: `login`, else `username`, else `id`).
   */
  actor?: (r: R) => string | null | undefined | Promise<string | null | undefined>;
}

/** What an adapter knows of its own request type `R`. */
export interface AdminBinding<R> {
  /** The live session (the CSRF token lives there), or null without session middleware. */
  session(r: R): Record<string, unknown> | null;
  /** The framework-neutral request for `handleAdmin`. */
  request(r: R, session: Record<string, unknown>, authorized: boolean): AdminRequest;
  /** The first-factor user object (`req.user`, `ctx.state.user`), whose login is the default `actor`. */
  user?(r: R): unknown;
}

/**
 * The admin router's run for one request, whatever the framework: refuses to exist without
 * `authorize`, then per request checks the session, asks `authorize`, and answers through
 * `handleAdmin`. Never rejects: `authorize` or the default instance failing is a 500.
 */
export function adminRunner<R>(options: CommonAdminOptions<R>, binding: AdminBinding<R>): (r: R) => Promise<Answer> {
  assertAuthorize(options);
  if (options.actor !== undefined && typeof options.actor !== 'function') throw new TypeError('protectimusAdmin: actor must be a function (req) => string | null');
  const onError = options.onError ?? logGuardError;

  async function decide(r: R): Promise<Answer> {
    const session = binding.session(r);
    if (!session) {
      reportGuardError(onError, new Error(ADMIN_NO_SESSION));
      return adminInternalError(ADMIN_NO_SESSION);
    }
    const authorized = (await options.authorize(r)) === true;
    const pm = options.protectimus ?? defaultProtectimus();
    const request = binding.request(r, session, authorized);
    if (authorized) request.actor = options.actor ? await options.actor(r) : loginOfUser(binding.user?.(r));
    return handleAdmin(pm, request, { onError });
  }

  return async (r) => {
    try {
      return await decide(r);
    } catch (err) {
      reportGuardError(onError, err);
      return adminInternalError();
    }
  };
}
