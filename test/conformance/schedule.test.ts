/**
 * Time windows through the guard (docs/design.md, "Time windows"), on both adapters and both
 * stores: outside the window 403 access_restricted with opensAt (JSON) or a page saying when it
 * opens, nothing mailed; a verified session stops passing when its window closes.
 */
import type { Protectimus } from '../../packages/core/src/protectimus';
import { nextOpening, type Schedule } from '../../packages/core/src/schedule';
import { adapters, BROWSER, nextCode, noMail, signedIn, startWorld, type World } from './harness';

// Kyiv, Mondays 08:00-10:00 local (06:00-08:00 UTC in winter).
const MONDAY_MORNINGS: Schedule = { timeZone: 'Europe/Kyiv', days: { mon: [['08:00', '10:00']] } };
const HOUR = 3600_000;
const WEEK = 7 * 24 * HOUR;

describe.each(['memory', 'redis'] as const)('time windows through the guard on the %s store', (kind) => {
  let world: World;
  let pm: Protectimus;
  beforeAll(async () => {
    world = await startWorld(kind);
    pm = world.make();
  });
  afterAll(() => world.close());

  /** Moves the clock to the next Monday 08:00 in Kyiv: the window has just opened. */
  function toOpening(): number {
    const now = world.clock.now();
    const next = nextOpening(MONDAY_MORNINGS, now + 3 * HOUR) ?? now;
    world.clock.advance(next - now);
    return next;
  }

  describe.each(adapters)('$name', (adapter) => {
    const start = () => signedIn(pm, (guard) => adapter.makeApp({ guard }), { resource: { schedule: MONDAY_MORNINGS } });

    it('refuses outside the window with 403 access_restricted and opensAt, mailing nothing; a page says when', async () => {
      const opening = toOpening();
      world.clock.advance(2 * HOUR); // 10:00: closed
      const { user, agent } = await start();
      const opensAt = new Date(opening + WEEK).toISOString();
      expect((await agent.get('/billing/invoices').expect(403)).body).toEqual({ error: 'access_restricted', opensAt, timeZone: 'Europe/Kyiv' });
      expect((await agent.post('/billing/_otp/verify').send({ otp: '123456' }).expect(403)).body).toEqual({ error: 'access_restricted', opensAt, timeZone: 'Europe/Kyiv' });
      expect((await agent.post('/billing/_otp/resend').send({}).expect(403)).body.error).toBe('access_restricted');
      const page = await agent.get('/billing/invoices').set('Accept', BROWSER).expect(403);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.text).toContain('<h1>Closed at this time</h1>');
      // The resource's clocks, in words: a week minus two hours from now.
      expect(page.text).toMatch(/It opens Monday, \w+ \d{1,2} at 8:00 AM (EET|GMT\+2) \(in 7 days\)\./);
      expect(page.text).not.toContain('name="otp"');
      await noMail(world, user.email);
    });

    it('passes a verified session inside the window and cuts it when the window closes: the next request is 403', async () => {
      toOpening();
      const { user, agent } = await start();
      await agent.get('/billing/invoices').expect(401);
      await agent.post('/billing/_otp/verify').send({ otp: await nextCode(world, user.email) }).expect(200);
      world.clock.advance(2 * HOUR - 1000); // 09:59:59
      await agent.get('/billing/invoices').expect(200);
      world.clock.advance(1000); // 10:00
      const cut = await agent.get('/billing/invoices').expect(403);
      expect(cut.body).toMatchObject({ error: 'access_restricted', opensAt: expect.any(String) as unknown });
      const page = await agent.get('/billing/invoices').set('Accept', BROWSER).expect(403);
      expect(page.text).toContain('Closed at this time');
      await noMail(world, user.email);
      // When it opens again, the session that was cut asks for a new code.
      toOpening();
      expect((await agent.get('/billing/invoices').expect(401)).body.error).toBe('otp_required');
      await nextCode(world, user.email);
    });
  });
});
