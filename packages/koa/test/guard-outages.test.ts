import Redis from 'ioredis';
import { RedisStore } from '../../core/src/stores/redis';
import type { Protectimus } from '../../core/src/protectimus';
import { agentOf, BROWSER, makeApp, signIn } from './support/app';
import { freshUser, nextCode, startWorld, type World } from './support/world';

let world: World;
let pm: Protectimus;
beforeAll(async () => {
  world = await startWorld('redis');
  pm = world.make();
});
afterAll(() => world.close());

/** A client to a port nothing listens on, set to fail every command at once and never reconnect. */
function deadRedis(): Redis {
  const client = new Redis('redis://127.0.0.1:1', {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  return client;
}

describe('guard: the mail server refuses', () => {
  it('answers 502 delivery_failed, and sends the code on the next try', async () => {
    const user = await freshUser(pm);
    const errors: unknown[] = [];
    const agent = agentOf(makeApp({ guard: { protectimus: pm, resource: user.resourceName, onError: (e) => errors.push(e) } }));
    await signIn(agent, user.login);
    world.smtp.refuseNext(1);
    expect((await agent.get('/billing/invoices').expect(502)).body).toEqual({ error: 'delivery_failed' });
    world.smtp.refuseNext(1);
    const page = await agent.get('/billing/invoices').set('Accept', BROWSER).expect(502);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    // The client gets a refusal; the operator hears of the outage.
    expect(errors).toHaveLength(2);
    for (const e of errors) expect(e).toMatchObject({ code: 'DELIVERY_FAILED' });

    world.clock.advanceSeconds(31);
    await agent.get('/billing/invoices').expect(401);
    await agent.post('/billing/_otp/verify').send({ otp: await nextCode(world, user.email) }).expect(200);
  });
});

describe('guard: Redis is unreachable', () => {
  let client: Redis;
  let down: Protectimus;
  beforeAll(() => {
    client = deadRedis();
    down = world.make({ store: new RedisStore({ client, prefix: world.prefix }) });
  });
  // After its one failed attempt the client is already 'end'; disconnecting it again would leave a timer.
  afterAll(() => (client.status === 'end' ? undefined : client.disconnect()));

  it('answers 503 unavailable to every request, JSON and pages, and never passes', async () => {
    const errors: unknown[] = [];
    const agent = agentOf(makeApp({ guard: { protectimus: down, resource: 'billing', onError: (e) => errors.push(e) } }));
    await signIn(agent, 'alice');
    const started = Date.now();
    expect((await agent.get('/billing/invoices').expect(503)).body).toEqual({ error: 'unavailable' });
    expect((await agent.post('/billing/_otp/verify').send({ otp: '123456' }).expect(503)).body).toEqual({ error: 'unavailable' });
    expect((await agent.post('/billing/_otp/resend').send({}).expect(503)).body).toEqual({ error: 'unavailable' });
    const page = await agent.get('/billing/invoices').set('Accept', BROWSER).expect(503);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.text).not.toContain('ECONNREFUSED');
    expect(Date.now() - started).toBeLessThan(2000);
    // The client gets a refusal; the operator hears of the outage, once per request.
    expect(errors).toHaveLength(4);
    for (const e of errors) expect(e).toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });

  it('still answers 401 unauthenticated before touching the store', async () => {
    const agent = agentOf(makeApp({ guard: { protectimus: down, resource: 'billing', onError: () => undefined } }));
    expect((await agent.get('/billing/invoices').expect(401)).body).toEqual({ error: 'unauthenticated' });
  });
});
