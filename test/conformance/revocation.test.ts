/**
 * An admin's change ends a verified session: blocking the user or the token, unassigning the
 * token, deleting the user, changing the token's address or PIN. The next page is not passed;
 * the guard answers as for a session never verified. Changes that do not touch what granted the
 * session (another user's block, a token renamed, a failed-attempt lock someone else caused) end
 * nothing. Both adapters, both stores, real SMTP; on Redis also an admin in another process.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Protectimus } from '../../packages/core/src/protectimus';
import { STORE_KINDS } from '../../packages/core/test/support/protectimus';
import type { Agent } from 'supertest';
import { adapters, agentOf, freshUser, nextCode, noMail, pageBody, signedIn, signIn, startWorld, wrongCode, type FreshUser, type UserOptions, type World } from './harness';

jest.setTimeout(30_000);

const PIN = '1234';

describe.each(STORE_KINDS)('%s store', (kind) => {
  const env = {} as { world: World; pm: Protectimus };
  beforeAll(async () => {
    env.world = await startWorld(kind);
    env.pm = env.world.make();
  });
  afterAll(() => env.world?.close());

  describe.each(adapters)('$name: an admin change and a verified session', (adapter) => {
    /** A user signed in and verified on `/billing`, the page passing. */
    async function verified(opts: UserOptions = {}): Promise<{ user: FreshUser; agent: Agent; app: ReturnType<typeof adapter.makeApp> }> {
      const { user, agent, app } = await signedIn(env.pm, (guard) => adapter.makeApp({ guard }), opts);
      await agent.get('/billing/invoices').expect(401);
      const code = await nextCode(env.world, user.email);
      await agent.post('/billing/_otp/verify').send({ otp: `${opts.pin ?? ''}${code}` }).expect(200);
      expect((await agent.get('/billing/invoices').expect(200)).body).toEqual(pageBody('/billing/invoices', user.login));
      return { user, agent, app };
    }

    it('ends when the admin blocks the user, and stays ended once the user is unblocked', async () => {
      const { user, agent } = await verified();
      await env.pm.users.block(user.user.id);
      expect((await agent.get('/billing/invoices').expect(403)).body).toEqual({ error: 'blocked' });
      await env.pm.users.unblock(user.user.id);
      expect((await agent.get('/billing/invoices').expect(401)).body.error).toBe('otp_required');
    });

    it('ends when the user is blocked and unblocked with no request in between', async () => {
      const { user, agent } = await verified();
      await env.pm.users.block(user.user.id, { minutes: 5 });
      await env.pm.users.unblock(user.user.id);
      expect((await agent.get('/billing/invoices').expect(401)).body.error).toBe('otp_required');
    });

    it('ends when the admin blocks the token, and stays ended once it is unblocked; its open codes are void', async () => {
      const { user, agent, app } = await verified();
      // A second session of the same user, with a code mailed and not typed yet.
      const second = agentOf(app);
      await signIn(second, user.login);
      await second.get('/billing/invoices').expect(401);
      const code = await nextCode(env.world, user.email);

      await env.pm.tokens.block(user.token.id);
      expect((await agent.get('/billing/invoices').expect(403)).body).toEqual({ error: 'blocked' });
      await env.pm.tokens.unblock(user.token.id);
      expect((await second.post('/billing/_otp/verify').send({ otp: code }).expect(401)).body).toEqual({ error: 'otp_expired' });
      expect((await agent.get('/billing/invoices').expect(401)).body.error).toBe('otp_required');
    });

    it('ends when the admin unassigns the token from the resource', async () => {
      const { user, agent } = await verified();
      await env.pm.resources.unassign(user.resourceName, user.token.id);
      expect((await agent.get('/billing/invoices').expect(403)).body).toEqual({ error: 'not_assigned' });
      await noMail(env.world, user.email, 100);
    });

    it('ends when the admin takes the token from its user, even once it is given back', async () => {
      const { user, agent } = await verified();
      await env.pm.users.unassignToken(user.user.id, user.token.id);
      await env.pm.users.assignToken(user.user.id, user.token.id);
      await env.pm.resources.assignTokenWithUser(user.resourceName, user.token.id);
      expect((await agent.get('/billing/invoices').expect(401)).body.error).toBe('otp_required');
    });

    it('ends when the admin deletes the user, and a new user with the same login is not verified', async () => {
      const { user, agent } = await verified();
      await env.pm.users.remove(user.user.id);
      expect((await agent.get('/billing/invoices').expect(403)).body).toEqual({ error: 'not_assigned' });
      const again = await env.pm.users.create({ login: user.login, email: user.email });
      await env.pm.users.assignToken(again.id, user.token.id);
      await env.pm.resources.assignTokenWithUser(user.resourceName, user.token.id);
      expect((await agent.get('/billing/invoices').expect(401)).body.error).toBe('otp_required');
    });

    it("ends when the admin changes the token's address: the next code goes to the new one", async () => {
      const { user, agent } = await verified();
      const moved = `new-${user.email}`;
      await env.pm.tokens.update(user.token.id, { email: moved });
      const asked = await agent.get('/billing/invoices').expect(401);
      expect(asked.body).toMatchObject({ error: 'otp_required', sentTo: expect.stringMatching(/^n\*+[0-9a-f]@example\.com$/) as unknown });
      await agent.post('/billing/_otp/verify').send({ otp: await nextCode(env.world, moved) }).expect(200);
      await agent.get('/billing/invoices').expect(200);
      await noMail(env.world, user.email, 100);
    });

    it("ends when the admin changes the token's PIN, or removes it", async () => {
      const { user, agent } = await verified({ pin: PIN });
      await env.pm.tokens.update(user.token.id, { pin: '9876' });
      expect((await agent.get('/billing/invoices').expect(401)).body).toMatchObject({ error: 'otp_required', pin: 'before' });
      await agent.post('/billing/_otp/verify').send({ otp: `9876${await nextCode(env.world, user.email)}` }).expect(200);
      await agent.get('/billing/invoices').expect(200);
      await env.pm.tokens.update(user.token.id, { pin: null });
      expect((await agent.get('/billing/invoices').expect(401)).body).toMatchObject({ error: 'otp_required', pin: null });
    });

    it('refuses a code mailed before the address changed (otp_expired), and one mailed before the PIN changed', async () => {
      const { user, agent } = await signedIn(env.pm, (guard) => adapter.makeApp({ guard }), { pin: PIN });
      await agent.get('/billing/invoices').expect(401);
      const code = await nextCode(env.world, user.email);
      await env.pm.tokens.update(user.token.id, { email: `moved-${user.email}` });
      expect((await agent.post('/billing/_otp/verify').send({ otp: `${PIN}${code}` }).expect(401)).body).toEqual({ error: 'otp_expired' });

      await agent.get('/billing/invoices').expect(401);
      const second = await nextCode(env.world, `moved-${user.email}`);
      await env.pm.tokens.update(user.token.id, { pin: '5555' });
      expect((await agent.post('/billing/_otp/verify').send({ otp: `${PIN}${second}` }).expect(401)).body).toEqual({ error: 'otp_expired' });
      expect((await agent.post('/billing/_otp/verify').send({ otp: `5555${second}` }).expect(401)).body).toEqual({ error: 'otp_expired' });
    });

    it('refuses a code mailed before an admin block of the token, after the unblock', async () => {
      const { user, agent } = await signedIn(env.pm, (guard) => adapter.makeApp({ guard }));
      await agent.get('/billing/invoices').expect(401);
      const code = await nextCode(env.world, user.email);
      await env.pm.tokens.block(user.token.id);
      await env.pm.tokens.unblock(user.token.id);
      expect((await agent.post('/billing/_otp/verify').send({ otp: code }).expect(401)).body).toEqual({ error: 'otp_expired' });
    });

    it('goes on through changes that do not touch what granted it', async () => {
      const { user, agent } = await verified({ pin: PIN });
      const stranger = await freshUser(env.pm);
      const elsewhere = await env.pm.resources.create({ name: `elsewhere-${user.login}` });
      const passes = async () => expect((await agent.get('/billing/invoices').expect(200)).body).toEqual(pageBody('/billing/invoices', user.login));

      await env.pm.users.block(stranger.user.id);
      await passes();
      await env.pm.tokens.block(stranger.token.id);
      await passes();
      await env.pm.tokens.update(user.token.id, { name: `renamed ${user.login}` });
      await passes();
      await env.pm.tokens.update(user.token.id, { email: user.email, pinPosition: 'before' });
      await passes();
      await env.pm.users.update(user.user.id, { firstName: 'Alice', secondName: 'Example' });
      await passes();
      await env.pm.resources.update(user.resourceName, { lockMinutes: 7 });
      await passes();
      await env.pm.resources.assignTokenWithUser(elsewhere.id, user.token.id);
      await env.pm.resources.unassign(elsewhere.id, user.token.id);
      await passes();
    });

    it('goes on when someone who knows only the password locks the token with wrong codes', async () => {
      const { user, agent, app } = await verified({ resource: { failedAttemptsBeforeLock: 3 } });
      // Another session, signed in as the same user (the password leaked), never verified.
      const intruder = agentOf(app);
      await signIn(intruder, user.login);
      await intruder.get('/billing/invoices').expect(401);
      const wrong = wrongCode(await nextCode(env.world, user.email));
      await intruder.post('/billing/_otp/verify').send({ otp: wrong }).expect(401);
      await intruder.post('/billing/_otp/verify').send({ otp: wrong }).expect(401);
      expect((await intruder.post('/billing/_otp/verify').send({ otp: wrong }).expect(403)).body).toMatchObject({ error: 'blocked' });
      expect((await intruder.get('/billing/invoices').expect(403)).body).toMatchObject({ error: 'blocked' });
      // The real user's verified session is not the intruder's to end.
      expect((await agent.get('/billing/invoices').expect(200)).body).toEqual(pageBody('/billing/invoices', user.login));
      await env.pm.tokens.unblock(user.token.id);
    });

    it(`ends when an admin on another instance over the same store blocks the user${kind === 'redis' ? ', within maxStaleMs' : ', at once'}`, async () => {
      const { user, agent } = await verified();
      const elsewhere = env.world.make();
      const changedAt = Date.now();
      await elsewhere.users.block(user.user.id);
      let status = 200;
      while (status === 200 && Date.now() - changedAt < 5000) {
        status = (await agent.get('/billing/invoices')).status;
        if (status === 200) {
          // Only a RedisStore's directory cache may serve the old answer, and only for maxStaleMs (1 s).
          expect(kind).toBe('redis');
          await sleep(25);
        }
      }
      expect(status).toBe(403);
      // maxStaleMs, with room for a loaded machine.
      expect(Date.now() - changedAt).toBeLessThan(1800);
    });
  });
});

describe('the promise, as the docs state it', () => {
  const PROMISE =
    "a verified session ends at once when the admin blocks the user or the token, unassigns the token, deletes the user, or changes the token's address or PIN; within maxStaleMs in other processes; a failed-attempt lock does not end it";

  it.each(['README.md', 'packages/core/README.md'])('%s says it in these words', (file) => {
    const text = readFileSync(join(__dirname, '..', '..', file), 'utf8').replace(/\s+/g, ' ');
    expect(text).toContain(PROMISE);
  });
});
