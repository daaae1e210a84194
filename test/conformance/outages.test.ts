/**
 * When the mail server refuses (502 delivery_failed) or Redis is unreachable (503 unavailable,
 * never a pass), for JSON clients and browsers, from every adapter; the operator hears of it.
 */
import type Redis from 'ioredis';
import type { Protectimus } from '../../packages/core/src/protectimus';
import { RedisStore } from '../../packages/core/src/stores/redis';
import { adapters, agentOf, BROWSER, deadRedis, nextCode, signedIn, signIn, useWorld } from './harness';

const env = useWorld();

describe.each(adapters)('$name: the mail server refuses', (adapter) => {
  it('answers 502 delivery_failed (JSON and page) and tells onError, then sends the code on the next try', async () => {
    const errors: unknown[] = [];
    const { user, agent } = await signedIn(env.pm, (guard) => adapter.makeApp({ guard: { ...guard, onError: (e) => errors.push(e) } }));
    env.world.smtp.refuseNext(1);
    const json = await agent.get('/billing/invoices').expect(502);
    expect(json.body).toEqual({ error: 'delivery_failed' });
    expect(json.headers['cache-control']).toBe('no-store');
    env.world.smtp.refuseNext(1);
    const page = await agent.get('/billing/invoices').set('Accept', BROWSER).expect(502);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.text).toContain('The code could not be mailed.');
    expect(errors).toHaveLength(2);
    for (const e of errors) expect(e).toMatchObject({ code: 'DELIVERY_FAILED' });

    env.world.clock.advanceSeconds(31);
    await agent.get('/billing/invoices').expect(401);
    await agent.post('/billing/_otp/verify').send({ otp: await nextCode(env.world, user.email) }).expect(200);
  });
});

describe('Redis is unreachable', () => {
  let client: Redis;
  let down: Protectimus;
  beforeAll(() => {
    client = deadRedis();
    down = env.world.make({ store: new RedisStore({ client, prefix: env.world.prefix }) });
  });
  // After its one failed attempt the client is already 'end'; disconnecting it again would leave a timer.
  afterAll(() => (client.status === 'end' ? undefined : client.disconnect()));

  describe.each(adapters)('$name', (adapter) => {
    it('answers 503 unavailable to every request, JSON and pages, at once, and never passes', async () => {
      const errors: unknown[] = [];
      const agent = agentOf(adapter.makeApp({ guard: { protectimus: down, resource: 'billing', onError: (e) => errors.push(e) } }));
      await signIn(agent, 'alice');
      const started = Date.now();
      expect((await agent.get('/billing/invoices').expect(503)).body).toEqual({ error: 'unavailable' });
      expect((await agent.post('/billing/_otp/verify').send({ otp: '123456' }).expect(503)).body).toEqual({ error: 'unavailable' });
      expect((await agent.post('/billing/_otp/resend').send({}).expect(503)).body).toEqual({ error: 'unavailable' });
      const page = await agent.get('/billing/invoices').set('Accept', BROWSER).expect(503);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.headers['cache-control']).toBe('no-store');
      expect(page.text).not.toContain('ECONNREFUSED');
      expect(Date.now() - started).toBeLessThan(2000);
      // The client gets a refusal; the operator hears of the outage, once per request.
      expect(errors).toHaveLength(4);
      for (const e of errors) expect(e).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    });

    it('still answers 401 unauthenticated before touching the store', async () => {
      const agent = agentOf(adapter.makeApp({ guard: { protectimus: down, resource: 'billing', onError: () => undefined } }));
      expect((await agent.get('/billing/invoices').expect(401)).body).toEqual({ error: 'unauthenticated' });
    });
  });
});
