/**
 * Enrollment through the guard (`protectimusMail({ enroll })`), on every adapter: a signed-in app
 * user with an address and no token on a resource that allows enrollment gets a code mailed there,
 * and the first right code confirms the new token; everywhere else the guard answers as before.
 */
import { randomBytes } from 'node:crypto';
import { adapters, agentOf, nextCode, noMail, pageBody, seedUser, signIn, started, useWorld, wrongCode } from './harness';

jest.setTimeout(30_000);

const env = useWorld();
const tag = (): string => randomBytes(4).toString('hex');

describe.each(adapters)('$name: enrollment of the app\'s users', (adapter) => {
  async function allowed(enrollment: 'allowed' | 'off' = 'allowed') {
    return env.pm.resources.create({ name: `enroll-${tag()}`, enrollment });
  }

  /** The tokens at an address and the users of a login, as the admin API lists them. */
  async function held(login: string, email: string) {
    const users = (await env.pm.users.list({ q: login })).items.filter((u) => u.login === login);
    const tokens = (await env.pm.tokens.list({ q: email })).items.filter((t) => t.email === email);
    return { users, tokens };
  }

  it('mails a new user a code, keeps the token pending until the right one, then passes', async () => {
    const resource = await allowed();
    const app = adapter.makeApp({ guard: { protectimus: env.pm, resource: resource.name, enroll: true } });
    const agent = agentOf(app);
    const login = `new${tag()}`;
    const email = `${login}@example.com`;
    await signIn(agent, login, { email });

    const asked = await agent.get('/billing/invoices').expect(401);
    expect(asked.body).toMatchObject({ error: 'otp_required', resource: resource.name, otpLength: 6, pin: null, verifyUrl: '/billing/_otp/verify' });
    expect(asked.body.sentTo).toMatch(/\*\*\*.*@example\.com$/);
    const code = await nextCode(env.world, email);
    const { users, tokens } = await held(login, email);
    expect(users).toHaveLength(1);
    expect(tokens).toEqual([expect.objectContaining({ userId: users[0]!.id, confirmedAt: null })]);
    // A reload reuses the open code: no second mail, no second token.
    await agent.get('/billing/invoices').expect(401);
    await noMail(env.world, email);

    expect((await agent.post('/billing/_otp/verify').send({ otp: wrongCode(code) }).expect(401)).body).toEqual({ error: 'invalid_otp', attemptsLeft: 2 });
    expect((await env.pm.tokens.get(tokens[0]!.id)).confirmedAt).toBeNull();
    await agent.post('/billing/_otp/verify').send({ otp: code }).expect(200);
    expect((await agent.get('/billing/invoices').expect(200)).body).toEqual(pageBody('/billing/invoices', login));
    expect((await env.pm.tokens.get(tokens[0]!.id)).confirmedAt).not.toBeNull();

    const enrolled = (await env.pm.events.list({ type: 'token.enrolled', login })).items;
    expect(enrolled).toEqual([expect.objectContaining({ resourceId: resource.id, tokenId: tokens[0]!.id, userId: users[0]!.id })]);
  });

  it('answers 403 not_assigned where enrollment is off or the guard does not enroll, making nothing and mailing nothing', async () => {
    const off = await allowed('off');
    const open = await allowed();
    for (const guard of [{ resource: off.name, enroll: true }, { resource: open.name }]) {
      const agent = agentOf(adapter.makeApp({ guard: { protectimus: env.pm, ...guard } }));
      const login = `off${tag()}`;
      const email = `${login}@example.com`;
      await signIn(agent, login, { email });
      expect((await agent.get('/billing/invoices').expect(403)).body).toEqual({ error: 'not_assigned' });
      expect(await held(login, email)).toEqual({ users: [], tokens: [] });
      await noMail(env.world, email);
    }
  });

  it('refuses the address of another user\'s token and an invalid one: 403, nothing made, nothing mailed', async () => {
    const resource = await allowed();
    const kate = await seedUser(env.pm, { login: `kate${tag()}` });
    const app = adapter.makeApp({ guard: { protectimus: env.pm, resource: resource.name, enroll: true } });
    for (const email of [kate.email, 'not-an-address', `x${tag()}@example.com\nBcc: all@example.com`]) {
      const agent = agentOf(app);
      const login = `mallory${tag()}`;
      await signIn(agent, login, { email });
      expect((await agent.get('/billing/invoices').expect(403)).body).toEqual({ error: 'not_assigned' });
      expect((await env.pm.users.list({ q: login })).items).toEqual([]);
    }
    expect(await env.pm.resources.assignments(resource.id)).toEqual([]);
    await noMail(env.world, kate.email);
  });

  it('never re-enrolls a user who has a token on the resource: the code goes to that token', async () => {
    const kate = await seedUser(env.pm, { login: `kate${tag()}`, resource: { enrollment: 'allowed' } });
    const agent = agentOf(adapter.makeApp({ guard: { protectimus: env.pm, resource: kate.resource.name, enroll: true } }));
    const other = `elsewhere${tag()}@example.com`;
    await signIn(agent, kate.login, { email: other });
    await agent.get('/billing/invoices').expect(401);
    const code = await nextCode(env.world, kate.email);
    await noMail(env.world, other);
    await agent.post('/billing/_otp/verify').send({ otp: code }).expect(200);
    expect(await env.pm.users.tokensOf(kate.user.id)).toEqual([expect.objectContaining({ id: kate.token.id })]);
  });

  it('reads the address from an enroll function, and enrolls nobody it returns null for', async () => {
    const resource = await allowed();
    const app = adapter.makeApp({
      guard: { protectimus: env.pm, resource: resource.name, enroll: (header) => (header('x-email') ? { email: header('x-email')!, name: 'From Header' } : null) },
    });
    const login = `fn${tag()}`;
    const email = `${login}@example.com`;
    const agent = agentOf(app);
    await signIn(agent, login);
    expect((await agent.get('/billing/invoices').expect(403)).body).toEqual({ error: 'not_assigned' });
    await agent.get('/billing/invoices').set('x-email', email).expect(401);
    await nextCode(env.world, email);
    expect((await held(login, email)).users).toEqual([expect.objectContaining({ firstName: 'From Header', email })]);
  });

  it('throws when the guard is made (Fastify: when the app starts) with an enroll option that is neither a boolean nor a function', async () => {
    await expect(started(() => adapter.makeApp({ guard: { protectimus: env.pm, enroll: 'yes' as never } }))).rejects.toThrow(TypeError);
  });

  it('makes one user and one token for concurrent first requests of one login', async () => {
    const resource = await allowed();
    const app = adapter.makeApp({ guard: { protectimus: env.pm, resource: resource.name, enroll: true } });
    const login = `race${tag()}`;
    const email = `${login}@example.com`;
    const agents = Array.from({ length: 4 }, () => agentOf(app));
    await Promise.all(agents.map((a) => signIn(a, login, { email })));
    const answers = await Promise.all(agents.map((a) => a.get('/billing/invoices')));
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 401]);
    const { users, tokens } = await held(login, email);
    expect(users).toHaveLength(1);
    expect(tokens).toHaveLength(1);
    await nextCode(env.world, email);
    await noMail(env.world, email);
  });
});
