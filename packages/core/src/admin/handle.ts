import { csrfFailed, failureOf, forbidden, isFault, methodNotAllowed, reportGuardError, routeNotFound, type Failure } from '../errors';
import { renderMessagePage } from '../guard/pages';
import type { Protectimus } from '../protectimus';
import { json, page, PAGE_CSP, type Answer } from '../web/answer';
import { checkCsrf, prefersHtml } from '../web/request';
import { eventRoutes } from './api-events';
import { resourceRoutes } from './api-resources';
import { tokenRoutes } from './api-tokens';
import { userRoutes } from './api-users';
import { panelResponse } from './panel';
import { matchRoute, segmentsOf, type ApiRoute } from './routes';
import type { AdminOptions, AdminRequest } from './types';

const API_ROUTES: readonly ApiRoute[] = [...tokenRoutes, ...userRoutes, ...resourceRoutes, ...eventRoutes];

/** Methods that change something: each must carry the session's CSRF token. */
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

async function apiResponse(pm: Protectimus, req: AdminRequest, method: string, segments: readonly string[]): Promise<Answer> {
  // HEAD is a GET whose body the server drops.
  const match = matchRoute(API_ROUTES, method === 'HEAD' ? 'GET' : method, segments);
  if (!match) throw routeNotFound();
  if ('allow' in match) throw methodNotAllowed(match.allow);
  if (MUTATING.has(method) && !checkCsrf(req.session, req.headers.csrf)) throw csrfFailed();
  return match.route.run({ pm, req, params: match.params });
}

const TITLES: Readonly<Record<number, string>> = { 403: 'Forbidden', 404: 'Not found', 405: 'Not allowed', 503: 'Service unavailable' };

function failureResponse(failure: Failure, asPage: boolean): Answer {
  const message = failure.message ?? '';
  if (asPage) {
    // A refusal seen in a browser: the guard's message page, under its CSP, not the panel.
    return page(failure.status, renderMessagePage(TITLES[failure.status] ?? 'Something went wrong', message), { csp: PAGE_CSP, headers: failure.headers ?? {} });
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
 *   `?owner=none|any&blocked=true|false`, users `?blocked=`), POST (create, 201);
 *   `api/<kind>/:id`: GET, PATCH, DELETE (204); `api/tokens/:id/block` and `api/users/:id/block`
 *   (`{minutes?}`), `.../unblock`.
 * - `api/users/:id/tokens`: GET, POST `{tokenId}` (assign an existing token) or `{token:{...}}`
 *   (a new one, 201); `DELETE api/users/:id/tokens/:tokenId`.
 * - `api/resources/:id/assignments` (`:id` or the name): GET, POST `{tokenId}` ("Token with
 *   User", 201); `DELETE api/resources/:id/assignments/:tokenId`.
 * - `api/users/import`: POST, `text/csv` or `{csv}`; answers `{created, errors:[{line, error, message}]}`.
 * - `api/events?type&login&resourceId&tokenId&limit&before`, `api/stats/hourly`, `api/csrf`.
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
    return panelResponse(req, method, req.mountPath.replace(/\/+$/, ''), segments);
  } catch (err) {
    if (isFault(err)) reportGuardError(options.onError, err);
    return failureResponse(failureOf(err, 'admin'), !isApi && prefersHtml(req.headers.accept));
  }
}
