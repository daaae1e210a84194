import { adminRunner, type AdminRequest, type CommonAdminOptions } from '@protectimus-mail/admin';
import { flatQuery, readBody } from '@protectimus-mail/core/adapter';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { header, locate, parsedBody, rawBodies, sessionOf, userOf, writeAnswer } from './binding';

/**
 * Options of {@link protectimusAdmin}: `protectimus` (default: the shared `defaultProtectimus()`),
 * `authorize(request)` (required; e.g. `(request) => request.user?.role === 'admin'`),
 * `actor(request)` (the name the audit log records on each change; default `request.user.login`,
 * else `username`, else `id`) and `onError`; and Fastify's own `prefix`, where it answers.
 */
export type ProtectimusAdminOptions = CommonAdminOptions<FastifyRequest>;

function adminRequestOf(request: FastifyRequest, mount: string, session: Record<string, unknown>, authorized: boolean): AdminRequest {
  const where = locate(mount, request);
  return {
    method: request.method,
    path: where.path,
    mountPath: where.mountPath,
    query: flatQuery((request.query ?? {}) as Record<string, unknown>),
    headers: { accept: header(request, 'accept'), contentType: header(request, 'content-type'), csrf: header(request, 'x-csrf-token') },
    body: parsedBody(request),
    readRawBody: (limit) => readBody(request.raw, limit),
    session,
    authorized,
    ...(where.otherSpelling ? { otherSpelling: true } : {}),
  };
}

/**
 * The admin API and panel of docs/design.md ("Admin") as an encapsulated Fastify plugin,
 * answering exactly as the Express and Koa ones: `app.register(protectimusAdmin, { prefix:
 * '/admin', authorize: (request) => request.user?.role === 'admin' })`. It routes everything
 * under its prefix and parses its bodies itself (JSON and CSV, with its own limits). Needs
 * @fastify/session (the CSRF token lives in the session) and, before it, whatever tells who the
 * user is. Registering it without `authorize` fails the start.
 */
export const protectimusAdmin: FastifyPluginAsync<ProtectimusAdminOptions> = async (instance, options) => {
  const mount = instance.prefix;
  const run = adminRunner<FastifyRequest>(options, {
    session: sessionOf,
    request: (request, session, authorized) => adminRequestOf(request, mount, session, authorized),
    user: userOf,
  });
  rawBodies(instance);
  const handler = async (request: FastifyRequest, reply: FastifyReply) => writeAnswer(reply, await run(request));
  // `/` is both `/admin` and `/admin/` under the prefix; `/*` everything below.
  instance.all('/', handler);
  instance.all('/*', handler);
};
