import { applyGrant, carrySession, loginOfUser, placeUnder, readBody, setHeaders, type Answer, type AreaPlace, type Grant, type GuardRequest, type MountPlace } from '@protectimus-mail/core/adapter';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

// What the guard and the admin plugin read of a Fastify request and write to its reply: the
// place under the plugin's prefix, the session (and a grant in a new one), the answer.
// (`otherSpelling`: `/BILLING/x` with `caseSensitive: false`, or `/%62illing/x`, which Fastify
// routed here: the prefix's, but never one of the guard's own URLs.)


/**
 * The prefix a plugin was registered under, for the request: `instance.prefix` (`/billing`), with
 * the route's parameters filled in for a prefix such as `/orgs/:org/billing`.
 */
function mountOf(prefix: string, request: FastifyRequest): string {
  if (!prefix.includes(':')) return prefix;
  const params = (request.params ?? {}) as Record<string, unknown>;
  return prefix.replace(/:([A-Za-z0-9_]+)/g, (whole, name: string) => {
    const value = params[name];
    return typeof value === 'string' ? encodeURIComponent(value) : whole;
  });
}

/**
 * Where a request to a route of the plugin's context falls under its prefix. Fastify routed it
 * here, so it is the prefix's whatever its spelling: one that does not start with the prefix
 * letter for letter is a page there, marked `otherSpelling` (docs/design.md, "Path spellings").
 */
export function locate(prefix: string, request: FastifyRequest): MountPlace {
  const mount = mountOf(prefix, request);
  const place = placeUnder(mount, request.url);
  if (place) return place;
  // A URL that no reading puts under the prefix (Fastify's `rewriteUrl` moved it): a page, whole.
  return { mountPath: mount.replace(/\/+$/, ''), path: request.url.split('?', 1)[0] ?? '/', otherSpelling: true };
}

/** A request header, or undefined when absent (the first of repeated ones). */
export function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The body Fastify's parsers produced, or undefined. The plugins' own routes (the guard's
 * `/_otp/*`, the admin API) parse nothing (see `rawBodies`), so the guard and the admin router
 * read the stream themselves, with their own limits and their own 400s.
 */
export function parsedBody(request: FastifyRequest): unknown {
  return request.raw.readableEnded ? request.body : undefined;
}

/**
 * Gives the context of the plugins' own routes one content-type parser for every type, which
 * reads nothing: the body stays in the stream for `readBody`. So a body the app's parsers would
 * refuse (bad JSON, a type with no parser: Fastify's own 400 and 415) is answered by the protocol's
 * `invalid_input`, byte for byte as the Express and Koa adapters answer it.
 */
export function rawBodies(instance: FastifyInstance): void {
  instance.removeAllContentTypeParsers();
  instance.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
}

/** The framework-neutral view of a Fastify request, for `handleGuard`. */
export function guardRequestOf(request: FastifyRequest, where: MountPlace | AreaPlace, session: Record<string, unknown>, login: string | null): GuardRequest {
  return {
    method: request.method,
    path: where.path,
    mountPath: where.mountPath,
    originalUrl: request.originalUrl,
    headers: {
      accept: header(request, 'accept'),
      contentType: header(request, 'content-type'),
      acceptLanguage: header(request, 'accept-language'),
      origin: header(request, 'origin'),
      cookie: header(request, 'cookie'),
      userAgent: header(request, 'user-agent'),
    },
    body: parsedBody(request),
    readRawBody: () => readBody(request.raw),
    session,
    login,
    ip: request.ip,
    // Both by Fastify's `trustProxy`, as the app sees the request (`hostname` without the port).
    secure: request.protocol === 'https',
    hostname: request.hostname,
  };
}

/** The parts of @fastify/session's `request.session` used here. */
interface FastifySession extends Record<string, unknown> {
  regenerate?: (keys?: string[]) => Promise<void>;
  save?: () => Promise<void>;
}

/** The session @fastify/session put on the request, or null without one. */
export function sessionOf(request: FastifyRequest): FastifySession | null {
  const session = (request as { session?: unknown }).session;
  return typeof session === 'object' && session !== null ? (session as FastifySession) : null;
}

/** The first-factor user, as @fastify/passport leaves it in `request.user`. */
export function userOf(request: FastifyRequest): unknown {
  return (request as { user?: unknown }).user;
}

/** Reads the login of the user who passed the first factor, or null/undefined for nobody. */
export type LoginOf = (request: FastifyRequest) => string | null | undefined;

/** The default `user`: `request.user.login`, else `username`, else `id`, as a string. */
export function defaultLogin(request: FastifyRequest): string | null {
  return loginOfUser(userOf(request));
}

/**
 * The new session gets the plugin's default cookie; the app may have given this one its own
 * lifetime ("remember me": `request.session.cookie.maxAge = ...`), which must outlive the grant.
 */
function keepCookieLifetime(old: FastifySession, fresh: FastifySession): void {
  const before = old.cookie as { originalMaxAge?: unknown } | undefined;
  const after = fresh.cookie as { maxAge?: unknown } | undefined;
  if (typeof before !== 'object' || before === null || typeof after !== 'object' || after === null) return;
  if (typeof before.originalMaxAge === 'number') after.maxAge = before.originalMaxAge;
}

/**
 * Records a verification under a new session id, so an id planted before the second factor is
 * worth nothing after it. @fastify/session's `regenerate()` destroys the old id in the store and
 * starts an empty session, so the data (Passport's login among it) is carried over first, as the
 * Express adapter does. A session without `regenerate` (a cookie that holds the data, with no id
 * to fixate) is written in place.
 */
export async function grantInNewSession(request: FastifyRequest, old: FastifySession, grant: Grant): Promise<void> {
  if (typeof old.regenerate === 'function') await old.regenerate();
  const fresh = sessionOf(request);
  if (!fresh) throw new Error('protectimusMail: the session was gone after regenerating it');
  if (fresh !== old) {
    carrySession(old, fresh);
    keepCookieLifetime(old, fresh);
  }
  applyGrant(fresh, grant);
  // @fastify/session saves a changed session when the answer is sent (its onSend hook).
}

/** Merges `value` into the reply's `Vary`, keeping what other hooks put there. */
function vary(reply: FastifyReply, value: string): void {
  const before = reply.getHeader('vary');
  const had = typeof before === 'string' ? before.split(',').map((v) => v.trim()).filter((v) => v !== '') : [];
  if (had.includes('*')) return;
  const lower = had.map((v) => v.toLowerCase());
  const added = value.split(',').map((v) => v.trim()).filter((v) => v !== '' && !lower.includes(v.toLowerCase()));
  reply.header('vary', [...had, ...added].join(', '));
}

/**
 * Writes an answer as is, through `reply.send`, so the app's `onSend` hooks run (@fastify/session
 * sets its cookie there). A string is sent unserialized under the answer's own Content-Type.
 */
export function writeAnswer(reply: FastifyReply, answer: Answer): FastifyReply {
  // A failure after the app began answering (none is expected) must not corrupt that answer.
  if (reply.sent) return reply;
  reply.code(answer.status);
  setHeaders(
    answer,
    (name, value) => reply.header(name, value),
    (value) => vary(reply, value),
    // Fastify keeps every Set-Cookie given to `header`, beside @fastify/session's own.
    (name, value) => reply.header(name, value),
  );
  return reply.send(answer.status === 204 ? undefined : answer.body);
}
