/**
 * Redis killed under the guard (Express and Koa): a redis-server of this file's own is killed
 * (SIGKILL) while users are half-way through the second factor, then started again on the same
 * port. The guard answers 503 `unavailable` and never lets a request through (a verified session
 * included, once its directory answer is older than maxStaleMs), recovers after the restart
 * without a new app, and an app restart keeps the open challenges.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { createProtectimus, type Protectimus } from '../../packages/core/src/protectimus';
import { RedisStore } from '../../packages/core/src/stores/redis';
import { seedUser } from '../../packages/core/test/support/protectimus';
import { startSmtp, type TestSmtp } from '../../packages/core/test/support/smtp';
import { ADAPTERS, guardedApp, type GuardedApp } from '../support/guarded-app';
import { startRedisServer, waitFor, type RedisServer } from '../support/redis-server';

jest.setTimeout(60_000);

const SECRET = 'HFzm7aKYpbOYUnVnfFzeKsTImhgUGeirRLrW6JGHKdM';
let redis: RedisServer;
let smtp: TestSmtp;
const instances: Protectimus[] = [];

function instance(prefix: string): Protectimus {
  const pm = createProtectimus({
    store: new RedisStore({ url: redis.url, prefix }),
    mail: { transport: smtp.url, from: 'Security <no-reply@example.com>' },
    secret: SECRET,
  });
  instances.push(pm);
  return pm;
}

beforeAll(async () => {
  redis = await startRedisServer({ persistent: true });
  smtp = await startSmtp();
});

afterAll(async () => {
  await Promise.all(instances.map((pm) => pm.close().then(() => pm.store.close()).catch(() => undefined)));
  await smtp?.close();
  await redis?.stop();
});

// A test that fails half-way must not leave Redis down for the next one.
afterEach(async () => {
  if (!redis.alive) await redis.start();
});

const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
afterAll(() => warn.mockRestore());

async function signedIn(app: GuardedApp, login: string) {
  const agent = request.agent(app.handler);
  await agent.post('/login').send({ login }).expect(200);
  return agent;
}

describe.each(ADAPTERS)('the %s guard with Redis killed and restarted', (adapter) => {
  const prefix = `pm${adapter}:`;

  it('answers 503 unavailable and passes nothing while Redis is down, then works again', async () => {
    const pm = instance(prefix);
    const site = guardedApp(adapter, pm, 'area');
    const alice = await seedUser(pm, { login: 'alice' });
    await pm.resources.update(alice.resource.id, { name: 'area' });
    const agent = await signedIn(site, 'alice');
    const asked = await agent.get('/area/invoices').set('Accept', 'application/json').expect(401);
    expect(asked.body).toMatchObject({ error: 'otp_required', verifyUrl: '/area/_otp/verify' });
    const code = smtp.codeFrom(await smtp.waitForMail(alice.email));
    const mails = smtp.messages.length;

    // A second user on the same resource, who has not asked for a code yet.
    const bobToken = await pm.tokens.createMail({ name: 'bob mail', email: 'bob@example.com', otpLength: 6 });
    const bob = await pm.users.create({ login: 'bob' });
    await pm.users.assignToken(bob.id, bobToken.id);
    await pm.resources.assignTokenWithUser('area', bobToken.id);

    await redis.kill();
    const answers = [
      await agent.get('/area/invoices').set('Accept', 'application/json'),
      await agent.post('/area/_otp/verify').send({ otp: code }),
      await agent.post('/area/_otp/verify').send({ otp: '000000' }),
      await agent.post('/area/_otp/resend').send({}),
      await (await signedIn(site, 'bob')).get('/area').set('Accept', 'application/json'),
    ];
    for (const a of answers) {
      expect(a.status).toBe(503);
      expect(a.body).toEqual({ error: 'unavailable' });
    }
    // A browser gets the page, still 503.
    const page = await agent.get('/area').set('Accept', 'text/html');
    expect(page.status).toBe(503);
    expect(page.type).toBe('text/html');
    expect(site.passes).toBe(0);
    expect(smtp.messages.length).toBe(mails);
    // Each outage is told to the app's onError (for its logs), as STORE_UNAVAILABLE, never more.
    expect(site.errors.length).toBeGreaterThan(0);
    for (const err of site.errors) expect(err).toMatchObject({ name: 'ProtectimusError', code: 'STORE_UNAVAILABLE' });

    await redis.start();
    // Same app, same instance: the open code is still there (the reload mails nothing new)...
    await waitFor('the guard to answer again', async () => (await agent.get('/area').set('Accept', 'application/json')).status === 401, 10_000, 100);
    expect(smtp.messages.length).toBe(mails);
    // ...and the code mailed before the crash lets alice in.
    const ok = await agent.post('/area/_otp/verify').send({ otp: code }).expect(200);
    expect(ok.body).toMatchObject({ ok: true, resource: 'area' });
    await agent.get('/area/invoices').expect(200);
    expect(site.passes).toBe(1);

    // While Redis is down again, a verified session passes only while this process's directory
    // answer is fresh (maxStaleMs, 1 s by default): past that nothing can tell whether an admin
    // ended it, so it is refused too (503), never passed. Everyone else is refused at once.
    await redis.kill();
    await sleep(1100);
    const ended = await agent.get('/area/invoices').set('Accept', 'application/json');
    expect(ended.status).toBe(503);
    expect(ended.body).toEqual({ error: 'unavailable' });
    const stranger = await signedIn(site, 'bob');
    await stranger.get('/area').set('Accept', 'application/json').expect(503);
    await stranger.post('/area/_otp/verify').send({ otp: code }).expect(503);
    expect(site.passes).toBe(1);
    await redis.start();
    // Redis back: the session was not ended by the outage, and passes again.
    await waitFor('the verified session to pass again', async () => (await agent.get('/area/invoices')).status === 200, 10_000, 100);
    expect(site.passes).toBe(2);
  });

  it('keeps open challenges across an app restart: the code mailed by the old app opens the new one', async () => {
    const first = instance(prefix);
    const carol = await seedUser(first, { login: 'carol', pin: 'c4r0l', pinPosition: 'before' });
    await waitFor('Redis to be back', async () => (await first.resources.get(carol.resource.id)).id === carol.resource.id, 10_000, 100);
    const old = guardedApp(adapter, first, carol.resource.name);
    const agent = await signedIn(old, 'carol');
    await agent.get('/area').set('Accept', 'application/json').expect(401);
    const code = smtp.codeFrom(await smtp.waitForMail(carol.email));
    await first.close();
    await first.store.close();

    // "Restarted": a new instance and a new app (new memory sessions) over the same Redis.
    const second = instance(prefix);
    const site = guardedApp(adapter, second, carol.resource.name);
    const again = await signedIn(site, 'carol');
    const asked = await again.get('/area').set('Accept', 'application/json').expect(401);
    expect(asked.body).toMatchObject({ error: 'otp_required', pin: 'before' });
    await again.post('/area/_otp/verify').send({ otp: `c4r0l${code}` }).expect(200);
    await again.get('/area').expect(200);
    // Accepted once: another session of the new app cannot use it again.
    const elsewhere = await (await signedIn(site, 'carol')).post('/area/_otp/verify').send({ otp: `c4r0l${code}` }).expect(401);
    expect(elsewhere.body).toEqual({ error: 'otp_expired' });
  });
});
