/**
 * What only the Express adapter has to get right; the protocol itself, the same in Express and
 * Koa, is tested once for both in test/conformance. Here: Routers and nested mounts (the guard
 * reads `req.baseUrl`), a middleware that sets `req.body` without reading it, and
 * express-session's `regenerate` (cookie lifetime carried over, a store that fails).
 */
import session from 'express-session';
import { agentOf, describesBodyParsing, expectGuardWorksAt, freshUser, nextCode, setCookieLine, signIn, useWorld } from '../../../test/conformance/harness';
import { expressApp, expressBase, type ExpressMount } from '../../../test/conformance/harness/express';

const env = useWorld();

describe.each(['router', 'nested-router'] as ExpressMount[])('guard mounted as %s', (mount) => {
  it('gives verify and resend URLs under its mount point (req.baseUrl), and they work there', async () => {
    const user = await freshUser(env.pm);
    const agent = agentOf(expressApp({ guard: { protectimus: env.pm, resource: user.resourceName }, mount }));
    await signIn(agent, user.login);
    await expectGuardWorksAt(env.world, agent, expressBase(mount), user);
  });
});

describe('guard behind a middleware that sets req.body = {} without reading the body', () => {
  describesBodyParsing(env, (guard) => expressApp({ guard, parsers: 'empty-object' }));
});

describe("guard and express-session's regenerate", () => {
  it('keeps the cookie lifetime the app gave the session ("remember me"), and a browser-session cookie as one', async () => {
    for (const remember of [true, false]) {
      const user = await freshUser(env.pm);
      const agent = agentOf(expressApp({ guard: { protectimus: env.pm, resource: user.resourceName } }));
      await signIn(agent, user.login, { remember });
      await agent.get('/billing/invoices').expect(401);
      const res = await agent.post('/billing/_otp/verify').send({ otp: await nextCode(env.world, user.email) }).expect(200);
      const expires = /Expires=([^;]+)/.exec(setCookieLine(res, 'connect.sid') ?? '')?.[1];
      if (remember) expect(Date.parse(expires ?? '') - Date.now()).toBeGreaterThan(29 * 86_400_000);
      else expect(expires).toBeUndefined();
    }
  });

  it('answers 503 and grants nothing when the session store cannot regenerate the session', async () => {
    class BrokenStore extends session.MemoryStore {
      broken = false;
      override destroy(sid: string, done?: (err?: unknown) => void): void {
        if (this.broken) done?.(new Error('session store down'));
        else super.destroy(sid, done);
      }
    }
    const store = new BrokenStore();
    const errors: unknown[] = [];
    const user = await freshUser(env.pm);
    const agent = agentOf(expressApp({ sessionStore: store, guard: { protectimus: env.pm, resource: user.resourceName, onError: (e) => errors.push(e) } }));
    await signIn(agent, user.login);
    await agent.get('/billing/invoices').expect(401);
    store.broken = true;
    expect((await agent.post('/billing/_otp/verify').send({ otp: await nextCode(env.world, user.email) }).expect(503)).body).toEqual({ error: 'unavailable' });
    expect(String(errors[0])).toContain('session store down');
    store.broken = false;
    // express-session gives the request a new empty session even when destroying the old one
    // failed, so the user may even be signed out; what matters is that nothing passes.
    expect(['otp_required', 'unauthenticated']).toContain((await agent.get('/billing/invoices').expect(401)).body.error);
  });
});
