import type { RequestListener } from 'node:http';
import type { Agent } from 'supertest';
import type { Protectimus } from '../../../packages/core/src/protectimus';
import { pageBody, signIn } from './adapter';
import { agentOf } from './http';
import { freshUser, nextCode, type FreshUser, type UserOptions, type World } from './world';

/** The guard options the shared scenarios set: the instance and the user's resource. */
export interface ScenarioGuard {
  protectimus: Protectimus;
  resource: string;
}

/** A fresh user, an app from `makeApp` guarding the user's resource, and an agent signed in to it. */
export async function signedIn(pm: Protectimus, makeApp: (guard: ScenarioGuard) => RequestListener, opts: UserOptions = {}) {
  const user = await freshUser(pm, opts);
  const app = makeApp({ protectimus: pm, resource: user.resourceName });
  const agent = agentOf(app);
  await signIn(agent, user.login);
  return { user, app, agent };
}

/**
 * The guard under `base` gives verify and resend URLs there, and they work there: resend is
 * refused as too soon (429), the mailed code passes (200), then the page behind it answers.
 */
export async function expectGuardWorksAt(world: World, agent: Agent, base: string, user: FreshUser): Promise<void> {
  const asked = await agent.get(`${base}/invoices`).expect(401);
  expect(asked.body).toMatchObject({ error: 'otp_required', verifyUrl: `${base}/_otp/verify`, resendUrl: `${base}/_otp/resend` });
  expect((await agent.post(`${base}/_otp/resend`).send({}).expect(429)).body.error).toBe('rate_limited');
  await agent.post(`${base}/_otp/verify`).send({ otp: await nextCode(world, user.email) }).expect(200);
  expect((await agent.get(`${base}/invoices`).expect(200)).body).toEqual(pageBody(`${base}/invoices`, user.login));
}

/**
 * Whatever body parser ran before the guard (none, JSON, forms, both, or one that set a body it
 * never read), the guard reads the posted code right: the tests of one app from `makeApp`
 * guarding `/billing`. Call inside a `describe`, with the file's world.
 */
export function describesBodyParsing(env: { readonly world: World; readonly pm: Protectimus }, makeApp: (guard: ScenarioGuard) => RequestListener): void {
  async function asked() {
    const { user, agent } = await signedIn(env.pm, makeApp);
    await agent.get('/billing/invoices').expect(401);
    return { agent, code: await nextCode(env.world, user.email) };
  }

  it('accepts the code posted as JSON', async () => {
    const { agent, code } = await asked();
    await agent.post('/billing/_otp/verify').send({ otp: code }).expect(200);
    await agent.get('/billing/invoices').expect(200);
  });

  it('refuses a form post without a CSRF token, even from a script asking for JSON', async () => {
    const { agent, code } = await asked();
    const refused = await agent.post('/billing/_otp/verify').set('Accept', 'application/json').type('form').send({ otp: code }).expect(403);
    expect(refused.body).toEqual({ error: 'csrf_failed' });
    await agent.post('/billing/_otp/verify').send({ otp: code }).expect(200);
  });

  it('answers 400 to a body that is not an object with a string otp, and counts no attempt', async () => {
    const { agent, code } = await asked();
    expect((await agent.post('/billing/_otp/verify').send({ otp: 123 }).expect(400)).body).toEqual({ error: 'invalid_input' });
    expect((await agent.post('/billing/_otp/verify').send({ otp: [code] }).expect(400)).body).toEqual({ error: 'invalid_input' });
    await agent.post('/billing/_otp/verify').send({ otp: code }).expect(200);
  });
}
