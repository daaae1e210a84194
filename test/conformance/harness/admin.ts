import type { RequestListener } from 'node:http';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import express from 'express';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import session from 'express-session';
import Koa, { type Context, type Middleware } from 'koa';
import koaSession from 'koa-session';
import request from 'supertest';
import type { Protectimus } from '../../../packages/core/src/protectimus';
import { answerOf, payloadOf, type AdminHttp } from '../../../packages/admin/test/support/admin-http';
import { protectimusAdmin as expressAdmin, type ProtectimusAdminOptions as ExpressAdminOptions } from '../../../packages/express/src';
import { protectimusAdmin as koaAdmin, type ProtectimusAdminOptions as KoaAdminOptions } from '../../../packages/koa/src';
import { protectimusAdmin as fastifyAdmin, type ProtectimusAdminOptions as FastifyAdminOptions } from '../../../packages/fastify/src';
import { listenerOf } from './fastify';
import { MemorySessionStore, prefixMount } from './koa';

declare module 'express-session' {
  interface SessionData {
    role?: string;
  }
}

/** Which body parsers the app runs before the admin router: none, or JSON and CSV app-wide. */
export type AdminParsers = 'none' | 'app-wide';

/** Shared settings of an admin app; `authorize` reads the role the stub sign-in stored. */
export interface AdminAppOptions {
  parsers?: AdminParsers;
  /** Replaces the role check. */
  authorize?: (role: string | undefined) => boolean | Promise<boolean>;
  onError?: (err: unknown) => void;
  /** The router's `actor` option, from the role; absent: the default (the first-factor user's login). */
  actor?: (role: string | undefined) => string | null | undefined;
  /** False: no session middleware. */
  session?: boolean;
  /**
   * Koa only: how the router is mounted at `/admin`: koa-mount's prefix stripping (default), or
   * the README's @koa/router way, `router.all(['/admin', '/admin/{*rest}'], ...)` with `mountPath`.
   */
  koaMount?: 'koa-mount' | 'router';
  /** Fastify only: the router's `caseSensitive: false`, which routes other spellings of `/admin` to the plugin. */
  fastifyLoose?: boolean;
}

/** One framework's app around `protectimusAdmin` at `/admin`, with `POST /sign-in/:role` storing a role in the session. */
export interface AdminAdapter {
  readonly name: 'express' | 'koa' | 'fastify';
  makeApp(pm: Protectimus, options?: AdminAppOptions): RequestListener;
  /**
   * Makes the adapter's own `protectimusAdmin` with `options`, to check what it refuses to be
   * created with: throws, or (Fastify, which loads plugins at `ready()`) rejects.
   */
  create(options: unknown): unknown;
}

const roleCheck = (options: AdminAppOptions) => options.authorize ?? ((role: string | undefined) => role === 'admin');

export const expressAdminAdapter: AdminAdapter = {
  name: 'express',
  create: (options) => expressAdmin(options as ExpressAdminOptions),
  makeApp(pm, options = {}) {
    const app = express();
    if (options.session !== false) app.use(session({ secret: 'admin-test-session-secret', resave: false, saveUninitialized: false }));
    if (options.parsers === 'app-wide') app.use(express.json(), express.text({ type: 'text/csv', limit: '1mb' }));
    app.post('/sign-in/:role', (req, res) => {
      req.session.role = String(req.params.role);
      res.end();
    });
    // The first factor's user, as Passport sets it: its `username` is the role signed in as.
    app.use((req, _res, next) => {
      if (req.session?.role) (req as { user?: unknown }).user = { username: req.session.role };
      next();
    });
    const authorize = roleCheck(options);
    const actor = options.actor;
    const adminOptions: ExpressAdminOptions = {
      protectimus: pm,
      authorize: (req) => authorize(req.session?.role),
      onError: options.onError,
      ...(actor ? { actor: (req: express.Request) => actor(req.session?.role) } : {}),
    };
    app.use('/admin', expressAdmin(adminOptions));
    // An app-wide parser refuses bad JSON before the router runs; answer it as the admin API would.
    app.use(((err, _req, res, next) => {
      if ((err as { type?: string }).type !== 'entity.parse.failed') return next(err);
      res.status(400).json({ error: 'invalid_input', message: 'the body is not valid JSON', field: 'body' });
    }) as express.ErrorRequestHandler);
    return app;
  },
};

type RoleSession = { role?: string } | null;

export const koaAdminAdapter: AdminAdapter = {
  name: 'koa',
  create: (options) => koaAdmin(options as KoaAdminOptions),
  makeApp(pm, options = {}) {
    const app = new Koa();
    app.keys = ['admin-test-session-key'];
    app.silent = true;
    if (options.session !== false) app.use(koaSession({ store: new MemorySessionStore() }, app));
    if (options.parsers === 'app-wide') {
      // @koa/bodyparser throws on bad JSON before the router runs; answer it as the admin API would.
      app.use(async (ctx, next) => {
        try {
          await next();
        } catch (err) {
          if ((err as { status?: number }).status !== 400) throw err;
          ctx.status = 400;
          ctx.body = { error: 'invalid_input', message: 'the body is not valid JSON', field: 'body' };
        }
      });
      app.use(bodyParser({ enableTypes: ['json', 'text'], extendTypes: { text: ['text/csv'] }, textLimit: '1mb' }));
    }
    const signIn: Middleware = (ctx, next) => {
      const m = /^\/sign-in\/([^/]+)$/.exec(ctx.path);
      if (ctx.method !== 'POST' || !m) return next();
      (ctx.session as RoleSession)!.role = decodeURIComponent(m[1] ?? '');
      ctx.status = 200;
      ctx.body = '';
      return undefined;
    };
    app.use(signIn);
    // The first factor's user, as koa-passport sets it: its `username` is the role signed in as.
    app.use((ctx, next) => {
      const role = (ctx.session as RoleSession)?.role;
      if (role) ctx.state.user = { username: role };
      return next();
    });
    const authorize = roleCheck(options);
    const actor = options.actor;
    const adminOptions: KoaAdminOptions = {
      protectimus: pm,
      authorize: (ctx: Context) => authorize((ctx.session as RoleSession)?.role),
      onError: options.onError,
      ...(actor ? { actor: (ctx: Context) => actor((ctx.session as RoleSession)?.role) } : {}),
    };
    if (options.koaMount === 'router') {
      const router = new Router();
      router.all(['/admin', '/admin/{*rest}'], koaAdmin({ ...adminOptions, mountPath: '/admin' }));
      app.use(router.routes());
    } else {
      app.use(prefixMount('/admin', koaAdmin(adminOptions)));
    }
    return app.callback();
  },
};

type FastifyRoleSession = { role?: string } | undefined;
const roleOf = (request: FastifyRequest): string | undefined => ((request as { session?: FastifyRoleSession }).session as FastifyRoleSession)?.role;

export const fastifyAdminAdapter: AdminAdapter = {
  name: 'fastify',
  create: async (options) => {
    const app = Fastify();
    await app.register(fastifyAdmin, { ...(options as FastifyAdminOptions), prefix: '/admin' });
  },
  makeApp(pm, options = {}) {
    const app = Fastify({
      ...(options.fastifyLoose ? { routerOptions: { caseSensitive: false } } : {}),
      // Fastify's router refuses a path it cannot decode before any plugin runs (its own 400):
      // answer it as the admin API would, as the README says.
      frameworkErrors: (error, _request, reply) => {
        const plain = reply as unknown as FastifyReply;
        if (error.code !== 'FST_ERR_BAD_URL') return plain.send(error);
        return plain.code(400).send({ error: 'invalid_input', message: 'the address is not valid URL encoding', field: 'path' });
      },
    });
    if (options.session !== false) {
      void app.register(fastifyCookie);
      void app.register(fastifySession, { secret: 'admin-test-session-secret-of-32-chars', saveUninitialized: false, cookie: { secure: false } });
    }
    // App-wide parsers: Fastify's JSON, and CSV as text; the admin plugin parses its own bodies regardless.
    if (options.parsers === 'app-wide') app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: 1024 * 1024 }, (_request, body, done) => done(null, body));
    app.post('/sign-in/:role', async (request, reply) => {
      ((request as { session?: FastifyRoleSession }).session as { role?: string }).role = String((request.params as { role: string }).role);
      return reply.send('');
    });
    // The first factor's user, as @fastify/passport sets it: its `username` is the role signed in as.
    app.addHook('preValidation', async (request) => {
      const role = roleOf(request);
      if (role) (request as { user?: unknown }).user = { username: role };
    });
    const authorize = roleCheck(options);
    const actor = options.actor;
    void app.register(fastifyAdmin, {
      prefix: '/admin',
      protectimus: pm,
      authorize: (request: FastifyRequest) => authorize(roleOf(request)),
      onError: options.onError,
      ...(actor ? { actor: (request: FastifyRequest) => actor(roleOf(request)) } : {}),
    });
    return listenerOf(app);
  },
};

export const adminAdapters: AdminAdapter[] = [expressAdminAdapter, koaAdminAdapter, fastifyAdminAdapter];

/** A supertest agent (its own cookie jar) signed in as `role`, as an `AdminHttp` under `/admin/`. */
export async function signedInAdmin(app: RequestListener, role: string, seen: string[]): Promise<AdminHttp> {
  const agent = request.agent(app);
  await agent.post(`/sign-in/${role}`).expect(200);
  return {
    async send(method, path, init = {}) {
      let req = agent[method.toLowerCase() as 'get'](`/admin/${path}`).set('Accept', init.accept ?? 'application/json');
      if (init.csrf) req = req.set('X-CSRF-Token', init.csrf);
      const { raw, contentType } = payloadOf(init);
      if (contentType) req = req.set('Content-Type', contentType);
      if (raw !== undefined) req = req.send(raw);
      const res = await req;
      return answerOf(res.status, res.headers as Record<string, string>, res.text ?? '', seen);
    },
  };
}
