'use strict';
/**
 * The app the guard-overhead benchmark loads, in a process of its own: one Express (Koa, Fastify) app,
 * one session middleware, a stand-in first factor, and two identical routes, `/plain/data` without
 * the guard and `/guarded/data` behind `protectimusMail`. `GET /__code` hands the bench the last
 * mailed code so it can verify its session once, `GET /__cpu` the process's CPU time so far. Tells
 * its parent its port over IPC.
 */
const http = require('node:http');
const c = require('./lib/common');

const framework = process.argv[2];

async function main() {
  const core = c.built('core');
  let lastCode = '';
  const pm = core.createProtectimus({ store: new core.MemoryStore(), mail: { send: async (m) => void (lastCode = m.code) }, secret: c.SECRET });
  const resource = await pm.resources.create({ name: 'bench' });
  const user = await pm.users.create({ login: 'alice', email: 'alice@example.com' });
  const token = await pm.users.createAndAssignToken(user.id, { name: 'alice mail', email: 'alice@example.com', otpLength: 6 });
  await pm.resources.assignTokenWithUser(resource.id, token.id);
  const payload = JSON.stringify({ ok: true, items: [1, 2, 3] });

  let handler;
  if (framework === 'express') {
    const adapter = c.built('express');
    if (!adapter) throw new Error('packages/express is not built');
    const express = require('express');
    const session = require('express-session');
    const app = express();
    app.set('etag', false);
    app.use(session({ secret: 'bench-session-secret', resave: false, saveUninitialized: false }));
    app.post('/login', (req, res) => {
      req.session.user = { login: 'alice' };
      res.json({ ok: true });
    });
    app.use((req, _res, next) => {
      if (req.session.user) req.user = req.session.user;
      next();
    });
    app.get('/__code', (_req, res) => res.json({ code: lastCode }));
    app.get('/__cpu', (_req, res) => res.json(process.cpuUsage()));
    const send = (_req, res) => {
      res.type('application/json').send(payload);
    };
    app.get('/plain/data', send);
    // The same mount with a middleware that does nothing: what mounting costs, guard aside.
    app.use('/mounted', (_req, _res, next) => next());
    app.get('/mounted/data', send);
    app.use('/guarded', adapter.protectimusMail({ protectimus: pm, resource: 'bench' }));
    app.get('/guarded/data', send);
    handler = app;
  } else if (framework === 'koa') {
    const adapter = c.built('koa');
    if (!adapter) throw new Error('packages/koa is not built');
    const Koa = require('koa');
    const { default: session } = require('koa-session');
    const app = new Koa();
    app.keys = ['bench-session-secret'];
    // Sessions kept on the server, the cookie holding the id: as express-session does.
    const sessions = new Map();
    const store = { get: async (k) => sessions.get(k), set: async (k, v) => void sessions.set(k, v), destroy: async (k) => void sessions.delete(k) };
    app.use(session({ store }, app));
    const guard = adapter.protectimusMail({ protectimus: pm, resource: 'bench', mountPath: '/guarded' });
    const noop = async (_ctx, next) => next();
    app.use(async (ctx, next) => {
      if (ctx.path === '/login' && ctx.method === 'POST') {
        ctx.session.user = { login: 'alice' };
        ctx.body = { ok: true };
        return;
      }
      if (ctx.session.user) ctx.state.user = ctx.session.user;
      await next();
    });
    const send = (ctx) => {
      ctx.type = 'application/json';
      ctx.body = payload;
    };
    app.use(async (ctx, next) => {
      if (ctx.path === '/__code') ctx.body = { code: lastCode };
      else if (ctx.path === '/__cpu') ctx.body = process.cpuUsage();
      else if (ctx.path === '/plain/data' && ctx.method === 'GET') send(ctx);
      else if (ctx.path === '/mounted' || ctx.path.startsWith('/mounted/')) {
        // The same mount with a middleware that does nothing: what mounting costs, guard aside.
        await noop(ctx, async () => {
          if (ctx.path === '/mounted/data' && ctx.method === 'GET') send(ctx);
        });
      }
      else if (ctx.path === '/guarded' || ctx.path.startsWith('/guarded/')) {
        await guard(ctx, async () => {
          if (ctx.path === '/guarded/data' && ctx.method === 'GET') send(ctx);
        });
      } else await next();
    });
    handler = app.callback();
  } else if (framework === 'fastify') {
    const adapter = c.built('fastify');
    if (!adapter) throw new Error('packages/fastify is not built');
    const Fastify = require('fastify');
    const app = Fastify();
    await app.register(require('@fastify/cookie'));
    // @fastify/session's memory store: sessions kept on the server, the cookie holding the id.
    await app.register(require('@fastify/session'), { secret: 'bench-session-secret-of-32-characters', saveUninitialized: false, rolling: false, cookie: { secure: false } });
    app.post('/login', async (request) => {
      request.session.user = { login: 'alice' };
      return { ok: true };
    });
    app.addHook('preValidation', (request, _reply, done) => {
      if (request.session.user) request.user = request.session.user;
      done();
    });
    app.get('/__code', async () => ({ code: lastCode }));
    app.get('/__cpu', async () => process.cpuUsage());
    const send = (_request, reply) => reply.type('application/json').send(payload);
    app.get('/plain/data', send);
    // The same prefixed plugin with a preHandler that does nothing: what the hook costs, guard aside.
    app.register(
      async (mounted) => {
        mounted.addHook('preHandler', (_request, _reply, done) => done());
        mounted.get('/data', send);
      },
      { prefix: '/mounted' },
    );
    app.register(
      async (guarded) => {
        await guarded.register(adapter.protectimusMail, { protectimus: pm, resource: 'bench' });
        guarded.get('/data', send);
      },
      { prefix: '/guarded' },
    );
    await app.ready();
    handler = (req, res) => app.routing(req, res);
  } else {
    throw new Error(`unknown framework ${framework}`);
  }
  const server = http.createServer(handler);
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.on('disconnect', () => process.exit(0));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
