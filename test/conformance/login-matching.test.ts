/**
 * Login matching through the guard, on every adapter: an app account whose name is another
 * user's login in another case, or in Unicode look-alikes, is not that user.
 */
import { randomBytes } from 'node:crypto';
import { adapters, agentOf, noMail, seedUser, signIn, useWorld } from './harness';

const env = useWorld();

describe.each(adapters)("$name: another app account is never served a user's token", (adapter) => {
  // The attack: register `KATE` (or `\u212Aate`, KELVIN SIGN) in the app, pass its password, open the
  // guarded page, and hope the guard mails kate's code and counts the wrong ones against her.
  it.each([
    ['upper case', (login: string) => login.toUpperCase()],
    ['a capital', (login: string) => login[0]!.toUpperCase() + login.slice(1)],
    ['KELVIN SIGN', (login: string) => `\u212A${login.slice(1)}`],
  ])('refuses %s with 403 not_assigned and mails nothing', async (_name, spell) => {
    const kate = await seedUser(env.pm, { login: `kate${randomBytes(4).toString('hex')}` });
    const app = adapter.makeApp({ guard: { protectimus: env.pm, resource: kate.resource.name } });
    const agent = agentOf(app);
    await signIn(agent, spell(kate.login));
    expect((await agent.get('/billing/invoices').expect(403)).body).toEqual({ error: 'not_assigned' });
    expect((await agent.post('/billing/_otp/verify').send({ otp: '000000' }).expect(403)).body).toEqual({ error: 'not_assigned' });
    await noMail(env.world, kate.email);
    expect((await env.pm.tokens.get(kate.token.id)).blocked).toBeNull();
  });
});
