import { guardRunner, type CommonGuardOptions } from '@protectimus-mail/core/adapter';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import fp from 'fastify-plugin';
import { defaultLogin, grantInNewSession, guardRequestOf, locate, rawBodies, sessionOf, userOf, writeAnswer, type LoginOf } from './binding';

/**
 * Options of {@link protectimusMail}: those of every adapter (`protectimus`, `resource`,
 * `verifiedFor`, `maxRequestsPerMinute`, `onError`, `area`, `enroll`), `user`, and `prefix`.
 */
export interface ProtectimusMailOptions extends CommonGuardOptions<FastifyRequest> {
  /**
   * The login of the user who passed the first factor, or null/undefined for nobody. Default:
   * `request.user.login`, else `username`, else `id` (what @fastify/passport sets), as a string.
   */
  user?: LoginOf;
  /**
   * `app.register(protectimusMail, { prefix: '/billing', resource })`: the plugin skips
   * encapsulation (fastify-plugin), so Fastify does not apply a `prefix` to it; the guard takes it
   * as its `area` (the same value, from the site root). Give one of the two, or the same in both.
   */
  prefix?: string;
}

const NO_SESSION = 'protectimusMail needs @fastify/session (with @fastify/cookie) registered before it';

/** The guard's own URLs, below its mount (docs/design.md, "HTTP protocol"). */
const OWN_URLS = ['/_otp/verify', '/_otp/resend', '/_otp/forget'];

/** The `area` the options give, from `area` or Fastify's `prefix` (see `ProtectimusMailOptions.prefix`). */
function areaOf(options: ProtectimusMailOptions): string | undefined {
  const { area, prefix } = options;
  if (prefix !== undefined && area !== undefined && prefix !== area) {
    throw new TypeError('protectimusMail: give area or prefix (the same thing for this plugin), not two different ones');
  }
  return area ?? prefix;
}

/** Where the own URLs are routed in `instance`: the area's path below the context's prefix. */
function ownRoutesBase(instance: FastifyInstance, area: string | undefined): string {
  if (area === undefined) return '';
  const prefix = instance.prefix.replace(/\/+$/, '');
  const path = area.replace(/\/+$/, '');
  if (path !== prefix && !path.startsWith(`${prefix}/`)) {
    throw new TypeError(`protectimusMail: area '${path}' is outside the prefix '${prefix}' of the context it is registered in; register it app-wide`);
  }
  return path.slice(prefix.length);
}

const guardPlugin: FastifyPluginAsync<ProtectimusMailOptions> = async (instance, options) => {
  const area = areaOf(options);
  const common: CommonGuardOptions<FastifyRequest> = { ...options };
  delete (common as ProtectimusMailOptions).prefix;
  // The context's prefix, read once: `instance.prefix` is `/billing` in `register(..., { prefix })`.
  const mount = instance.prefix;
  const run = guardRunner<FastifyRequest>(area === undefined ? common : { ...common, area }, {
    noSession: NO_SESSION,
    session: sessionOf,
    login: options.user ?? defaultLogin,
    user: userOf,
    url: (request) => request.originalUrl,
    // Fastify's `rewriteUrl` routes `request.url`; the client asked for `originalUrl`.
    routedUrl: (request) => request.url,
    request: (request, session, login, where) => guardRequestOf(request, where ?? locate(mount, request), session, login),
    grant: (request, session, grant) => grantInNewSession(request, session, grant),
  });

  const own = ownRoutesBase(instance, area);

  function answer(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    void run(request).then((decided) => {
      // The app's own errors (in the handler) are the app's, answered by Fastify, not a 503 of the guard.
      if (decided.action === 'next') return done();
      writeAnswer(reply, decided);
    });
  }

  // A preHandler: after the session (onRequest), @fastify/passport's user (preValidation) and the
  // body parsers, before any handler. Not async: a verified session passes without a promise.
  instance.addHook('preHandler', function protectimusMailGuard(request, reply, done) {
    if (run.passes(request)) return done();
    answer(request, reply, done);
  });

  // The own URLs as routes of this context (the guard's hook answers them before the handler), in
  // a child context that parses no body: the guard reads its posts itself.
  // An area with characters Fastify's paths give a meaning to (`*`, `(`) gets no routes: the
  // guard, app-wide, still answers its own URLs in the not-found handler's hooks.
  if (/[*()]/.test(own)) return;
  instance.register(async (routes) => {
    rawBodies(routes);
    for (const url of OWN_URLS) {
      // Reached only past the guard, under another spelling (`caseSensitive: false`): no page there.
      routes.all(`${own}${url}`, (_request, reply) => reply.callNotFound());
    }
  });
};

/**
 * The second-factor guard as a Fastify 5 plugin. It skips encapsulation (fastify-plugin), so its
 * `preHandler` hook guards the routes of the context it is registered in, children included:
 * inside a prefixed plugin, `app.register(async (s) => { s.register(protectimusMail, { resource:
 * 'billing' }); s.get('/invoices', ...) }, { prefix: '/billing' })`; or app-wide with the area it
 * guards, `app.register(protectimusMail, { resource: 'billing', area: '/billing' })`, which guards
 * every spelling of `/billing/...` (also the not-found ones) and passes other requests on. It passes a
 * session verified for the resource on to the handler, and otherwise answers with the protocol
 * of docs/design.md (a code mailed, the code form, `<prefix>/_otp/verify` and `<prefix>/_otp/resend`,
 * which it routes itself). Register it after @fastify/cookie and @fastify/session (and
 * @fastify/passport's `secureSession()`, whose `request.user` is the first factor).
 */
export const protectimusMail = fp(guardPlugin, { fastify: '5.x', name: '@protectimus-mail/fastify/guard' });
