import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import Fastify, { type FastifyInstance } from 'fastify';
import type { GuardEngine } from '@protectimus-mail/core/adapter';
import { protectimusMail } from '@protectimus-mail/fastify';

/** A Fastify app with a stand-in first factor and one guarded area, like `guardedExpressApp`. */
export interface GuardedFastifyApp {
  app: FastifyInstance;
  passes: number;
  errors: unknown[];
}

type UserSession = { user?: { login: string } };

/**
 * `POST /login {"login"}` is the first factor; `/area` (and below) is guarded by
 * `protectimusMail` on `resource`, registered in the prefixed plugin of its pages, whose handler
 * counts passes. The guard reads its own bodies.
 */
export function guardedFastifyApp(pm: GuardEngine, opts: { resource: string }): GuardedFastifyApp {
  const app = Fastify();
  const state: GuardedFastifyApp = { app, passes: 0, errors: [] };
  void app.register(fastifyCookie);
  void app.register(fastifySession, { secret: 'test-session-secret-of-32-characters!', cookieName: 'sid', saveUninitialized: false, cookie: { secure: false } });
  app.addHook('preValidation', async (request) => {
    const user = (request.session as unknown as UserSession).user;
    if (user) (request as { user?: unknown }).user = user;
  });
  app.post('/login', async (request, reply) => {
    const login = (request.body as { login?: unknown } | undefined)?.login;
    if (typeof login !== 'string' || login === '') return reply.code(400).send({ error: 'login required' });
    (request.session as unknown as UserSession).user = { login };
    return { ok: true };
  });
  void app.register(
    async (area) => {
      await area.register(protectimusMail, { protectimus: pm, resource: opts.resource, onError: (err) => state.errors.push(err) });
      area.all('/*', async () => {
        state.passes += 1;
        return { secret: 'the protected page' };
      });
      area.all('/', async () => {
        state.passes += 1;
        return { secret: 'the protected page' };
      });
    },
    { prefix: '/area' },
  );
  return state;
}
