import Koa from 'koa';
import session from 'koa-session';
import type { GuardEngine } from '@protectimus-mail/core/adapter';
import { protectimusMail } from '@protectimus-mail/koa';
import { MemorySessionStore } from './koa-session-store';

/** A Koa app with a stand-in first factor and one guarded area, like `guardedExpressApp`. */
export interface GuardedKoaApp {
  app: Koa;
  passes: number;
  errors: unknown[];
}


async function readJson(req: NodeJS.ReadableStream): Promise<unknown> {
  let text = '';
  for await (const chunk of req) text += chunk.toString();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * `POST /login {"login"}` is the first factor; `/area` (and below) is guarded by
 * `protectimusMail` on `resource`, and its handler counts passes. The guard reads bodies itself.
 */
export function guardedKoaApp(pm: GuardEngine, opts: { resource: string }): GuardedKoaApp {
  const app = new Koa();
  app.keys = ['test-session-secret'];
  const state: GuardedKoaApp = { app, passes: 0, errors: [] };
  app.use(session({ key: 'sid', store: new MemorySessionStore(), signed: true }, app));
  app.use(async (ctx, next) => {
    if (ctx.path === '/login' && ctx.method === 'POST') {
      const login = ((await readJson(ctx.req)) as { login?: unknown } | undefined)?.login;
      if (typeof login !== 'string' || login === '') {
        ctx.status = 400;
        ctx.body = { error: 'login required' };
        return;
      }
      ctx.session!.user = { login };
      ctx.body = { ok: true };
      return;
    }
    const user = (ctx.session as { user?: unknown } | null)?.user;
    if (user) ctx.state.user = user;
    await next();
  });
  const guard = protectimusMail({ protectimus: pm, resource: opts.resource, mountPath: '/area', onError: (err) => state.errors.push(err) });
  app.use(async (ctx, next) => {
    if (ctx.path !== '/area' && !ctx.path.startsWith('/area/')) return next();
    await guard(ctx, async () => {
      state.passes += 1;
      ctx.body = { secret: 'the protected page' };
    });
  });
  return state;
}
