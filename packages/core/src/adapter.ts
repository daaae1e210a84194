/**
 * `@protectimus-mail/core/adapter`: what only a framework binding needs (the Express and Koa
 * adapters, or one of your own). Apps import `@protectimus-mail/core` instead.
 *
 * A binding hands `guardRunner` and `adminRunner` its request type through a small binding object
 * (session, login, URL, the neutral request, the grant), writes the `Answer` back as is, and
 * regenerates the session id before `applyGrant` when an answer carries a `grant`.
 */

// The guard.
/** The guard's run for one request and its synchronous fast path `passes()`; the options every adapter shares. */
export { guardRunner, loginOfUser, enrolleeOfUser } from './guard/runner';
export type { CommonGuardOptions, GuardBinding, GuardRun, EnrolleeOf } from './guard/runner';
/** The guard's protocol for one framework-neutral request. */
export { handleGuard, DEFAULT_MAX_REQUESTS_PER_MINUTE } from './guard/protocol';
export type { GuardEngine, GuardRequest, GuardHeaders, GuardOptions, GuardResponse, Grant } from './guard/protocol';
/** Where a request falls in an area (`pathArea(...).locate(url)`). */
export type { AreaPlace } from './guard/path-area';
/** The guard's state in the session (`session.protectimus`), a grant written into it, a session carried into a regenerated one. */
export { applyGrant, carrySession, SESSION_KEY } from './guard/session';
/** The protocol's 503, the same bytes from every adapter. */
export { unavailableResponse } from './guard/pages';

// The admin router.
/** The admin router's run for one request; its options and what a binding tells it. */
export { adminRunner } from './admin/runner';
export type { CommonAdminOptions, AdminBinding } from './admin/runner';
/** The admin API and panel for one framework-neutral request. */
export { handleAdmin } from './admin/handle';
export type { AdminRequest, AdminHeaders, AdminOptions } from './admin/types';

// The web toolkit both use.
/** What the guard and the admin router answer: status, headers, body, written back as is. */
export type { Answer } from './web/answer';
/** Sets an answer's headers through the framework's calls, merging `Vary`. */
export { setHeaders } from './web/answer';
/** The CSPs of the guard's pages and of the panel. */
export { PAGE_CSP, ADMIN_CSP } from './web/answer';
/** Reading a body the app's parser left alone, a query as one string per name, the session's CSRF token. */
export { readBody, parseBody, DEFAULT_BODY_LIMIT, flatQuery, csrfToken, checkCsrf } from './web/request';
/** The one error table as each surface answers it, and what an `onError` is told. */
export { failureOf, isOutage, describeError, logGuardError, reportGuardError } from './errors';
export type { Failure, GuardFailure, WireCode, Surface } from './errors';
