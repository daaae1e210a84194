/**
 * `@protectimus-mail/core/adapter`: what only a binding needs: the Express and Koa adapters, the
 * admin router (`@protectimus-mail/admin`), or one of your own. Apps import `@protectimus-mail/core`
 * instead.
 *
 * A binding hands `guardRunner` (or the admin's `adminRunner`) its request type through a small
 * binding object (session, login, URL, the neutral request, the grant), writes the `Answer` back
 * as is, and regenerates the session id before `applyGrant` when an answer carries a `grant`.
 */

// The guard.
/** The guard's run for one request and its synchronous fast path `passes()`; the options every adapter shares. */
export { guardRunner, loginOfUser, enrolleeOfUser } from './guard/runner';
export type { CommonGuardOptions, GuardBinding, GuardRun, EnrolleeOf } from './guard/runner';
/** The guard's protocol for one framework-neutral request. */
export { handleGuard, DEFAULT_MAX_REQUESTS_PER_MINUTE } from './guard/protocol';
export type { GuardEngine, GuardRequest, GuardHeaders, GuardOptions, GuardResponse, Grant } from './guard/protocol';
/** Where a request falls in an area (`pathArea(...).locate(url)`), or under a prefix a router matched (`placeUnder(mount, url)`). */
export type { AreaPlace, MountPlace } from './guard/path-area';
export { placeUnder } from './guard/path-area';
/** The guard's state in the session (`session.protectimus`), a grant written into it, a session carried into a regenerated one. */
export { applyGrant, carrySession, SESSION_KEY } from './guard/session';
/** The guard's `page` option checked and computed once (`GuardOptions.look`), for a binding that calls `handleGuard` itself. */
export { pageLook } from './guard/look';
export type { PageLook } from './guard/look';
/** The protocol's 503, the same bytes from every adapter. */
export { unavailableResponse } from './guard/pages';

// The web toolkit the guard, the admin router and the bindings use.
/** What the guard and the admin router answer: status, headers, body, written back as is. */
export type { Answer } from './web/answer';
/** Sets an answer's headers through the framework's calls, merging `Vary`. */
export { setHeaders } from './web/answer';
/** The CSPs of the guard's pages and of the panel. */
export { PAGE_CSP, ADMIN_CSP } from './web/answer';
/** Answers with each surface's headers: JSON, 204, a page under a CSP, a hash-versioned static file. */
export { json, noContent, page, asset } from './web/answer';
export type { PageOptions } from './web/answer';
/** The one page shell (doctype, charset, viewport, `noindex`, title) of the guard's pages and the panel. */
export { pageShell } from './web/html';
export type { ShellParts } from './web/html';
/** The guard's message page (a title and one alert), which the admin router also shows a browser for a refusal. */
export { renderMessagePage } from './guard/pages';
/** Reading a body the app's parser left alone, a query as one string per name, the session's CSRF token. */
export { readBody, parseBody, DEFAULT_BODY_LIMIT, flatQuery, csrfToken, checkCsrf } from './web/request';
/** A Content-Type's media type, lower case and without parameters (`''` when absent). */
export { mediaType } from './web/request';
/** The one error table as each surface answers it, and what an `onError` is told. */
export { failureOf, isOutage, describeError, logGuardError, reportGuardError } from './errors';
export type { Failure, GuardFailure, WireCode, Surface } from './errors';
/** A refusal a surface decides itself (`WebRefusal`, `refusal(code, surface)`), `invalidInput(field, message)`, and whether an error was a fault rather than a decision. */
export { WebRefusal, refusal, invalidInput, isFault } from './errors';
export type { WebCode } from './errors';

// The model's helpers the admin router uses as the model does.
/** `fields(input, allowed, what)`: a plain object with only the named fields, else `invalid_input`. */
export { fields } from './validation';
/** One page of a list kept by a filter the lists do not have, with the lists' own cursor format. */
export { filteredPage } from './directory/paging';
/** Every audit event type, and whether a string names one. */
export { EVENT_TYPES, isEventType } from './audit';
