/**
 * The demo-only sign-in rule for users an administrator creates, as both example sites apply it,
 * over HTTP (supertest): a login that exists in protectimus-mail's directory and is not a site
 * account (alice, bob) signs in with the demo password, as a member, then meets the guard like
 * anyone; a login that does not exist cannot; alice and bob still need their own passwords. Each
 * site's route tests register these cases inside their own `describe`.
 */
import { randomBytes } from 'node:crypto';
import { configFromEnv, type Site, type SiteConfig } from '@protectimus-mail/example-shared';
import request from 'supertest';
import { codeFor, DEMO, signIn, testConfig } from './site-helpers';

/** The demo password the sites use unless `DEMO_PASSWORD` says otherwise. */
export const DEMO_PASSWORD = 'demo-password';

const WRONG = 'Wrong login or password.';

/**
 * What an administrator does in the panel, through the same API: a user, a new mail token for
 * them (6 digits, PIN after the code), and "Token with User" on the `account` resource.
 */
async function adminCreatesUser(site: Site<unknown>, name: string): Promise<{ login: string; email: string; pin: string; tokenName: string }> {
  const login = `${name}-${randomBytes(3).toString('hex')}`;
  const email = `${login}@example.com`;
  const user = await site.pm.users.create({ login, email, firstName: name[0]?.toUpperCase() + name.slice(1), secondName: 'Added' });
  const tokenName = `${login} mail`;
  const token = await site.pm.users.createAndAssignToken(user.id, { name: tokenName, email, otpLength: 6, pin: '1357', pinPosition: 'after' });
  await site.pm.resources.assignTokenWithUser('account', token.id);
  return { login, email, pin: '1357', tokenName };
}

export function demoPasswordCases(getSite: () => Site<unknown>): void {
  test('the home page and the sign-in form name the demo password, as a demo-only shortcut', async () => {
    const site = getSite();
    const home = await request(site.handler).get('/').expect(200);
    expect(home.text).toContain(`<kbd>${DEMO_PASSWORD}</kbd>`);
    expect(home.text).toContain('A demo-only shortcut.');
    const form = await request(site.handler).get('/sign-in').expect(200);
    expect(form.text).toContain(`<kbd>${DEMO_PASSWORD}</kbd>`);
    expect(form.text).toContain('Demo only:');
  });

  test('a login the admin created signs in with the demo password, then passes the guard with its own code and PIN, as a member', async () => {
    const site = getSite();
    const carol = await adminCreatesUser(site, 'carol');
    const agent = request.agent(site.handler);
    const signedIn = await signIn(agent, carol.login, DEMO_PASSWORD, '/account/settings');
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.location).toBe('/account/settings');

    // The password alone opens nothing: the guard mails a code to carol's own token.
    const challenge = await agent.get('/account/settings').set('Accept', 'application/json').expect(401);
    expect(challenge.body).toMatchObject({ error: 'otp_required', resource: 'account', otpLength: 6, pin: 'after' });
    await agent.post('/account/_otp/verify').send({ otp: `${codeFor(site, carol.email)}${carol.pin}` }).expect(200);
    const settings = await agent.get('/account/settings').expect(200);
    expect(settings.text).toContain('Carol Added');
    expect(settings.text).toContain(carol.tokenName);
    expect(settings.text).toContain(carol.email);

    // A member: the panel refuses her, and her header has no Admin link.
    const home = await agent.get('/').expect(200);
    expect(home.text).toContain(`Sign out ${carol.login}`);
    expect(home.text).not.toContain('<a href="/admin">Admin</a>');
    await agent.get('/admin/api/tokens').set('Accept', 'application/json').expect(403);
  });

  test('the login is matched as protectimus-mail matches logins: ASCII letter case only', async () => {
    const site = getSite();
    const dave = await adminCreatesUser(site, 'dave');
    const agent = request.agent(site.handler);
    expect((await signIn(agent, dave.login.toUpperCase(), DEMO_PASSWORD)).status).toBe(303);
    // Signed in under the directory's spelling, which is the one the guard knows.
    expect((await agent.get('/').expect(200)).text).toContain(`Sign out ${dave.login}`);
    const asked = await agent.get('/account').set('Accept', 'application/json').expect(401);
    expect(asked.body.error).toBe('otp_required');
    // KELVIN SIGN for the k of a look-alike login is another login.
    const kim = await adminCreatesUser(site, 'kim');
    const lookalike = await signIn(request.agent(site.handler), `\u212A${kim.login.slice(1)}`, DEMO_PASSWORD);
    expect(lookalike.status).toBe(401);
  });

  test('refused with one message: a wrong password, a login that does not exist, alice or bob with the demo password', async () => {
    const site = getSite();
    const erin = await adminCreatesUser(site, 'erin');
    for (const [login, password] of [
      [erin.login, 'not-the-demo-password'],
      [erin.login, ''],
      ['nobody-at-all', DEMO_PASSWORD],
      ['alice', DEMO_PASSWORD],
      ['ALICE', DEMO_PASSWORD],
      ['bob', DEMO_PASSWORD],
    ] as const) {
      const res = await signIn(request.agent(site.handler), login, password);
      expect([login, password, res.status]).toEqual([login, password, 401]);
      expect(res.text).toContain(WRONG);
    }
    // Their own passwords still work, and still only for them.
    expect((await signIn(request.agent(site.handler), 'alice', DEMO.alice.password)).status).toBe(303);
    expect((await signIn(request.agent(site.handler), 'bob', DEMO.bob.password)).status).toBe(303);
    expect((await signIn(request.agent(site.handler), erin.login, DEMO.alice.password)).status).toBe(401);
  });

  test("alice's directory user under another login does not take the demo password either", async () => {
    const site = getSite();
    const alice = (await site.pm.users.list({ q: 'alice' })).items.find((u) => u.login === 'alice');
    if (!alice) throw new Error('alice is not seeded');
    const renamed = `alice-${randomBytes(3).toString('hex')}`;
    await site.pm.users.update(alice.id, { login: renamed });
    try {
      const res = await signIn(request.agent(site.handler), renamed, DEMO_PASSWORD);
      expect(res.status).toBe(401);
    } finally {
      await site.pm.users.update(alice.id, { login: 'alice' });
    }
  });

  test('removing the user in the directory ends their session at once', async () => {
    const site = getSite();
    const frank = await adminCreatesUser(site, 'frank');
    const agent = request.agent(site.handler);
    expect((await signIn(agent, frank.login, DEMO_PASSWORD)).status).toBe(303);
    const home = await agent.get('/').expect(200);
    expect(home.text).toContain(`Sign out ${frank.login}`);

    const user = (await site.pm.users.list({ q: frank.login })).items.find((u) => u.login === frank.login);
    await site.pm.users.remove(user?.id ?? '');
    expect((await agent.get('/').expect(200)).text).not.toContain('Sign out');
    await agent.get('/account').set('Accept', 'text/html').expect(303).expect('Location', '/sign-in?next=%2Faccount');
    expect((await signIn(request.agent(site.handler), frank.login, DEMO_PASSWORD)).status).toBe(401);
  });
}

/**
 * `DEMO_PASSWORD`: `demo-password` by default, another when given, off with `off` and by default in
 * production; a site with it off names no demo password and lets no admin-created login in.
 */
export function demoPasswordOffCases(createSite: (config: SiteConfig) => Promise<Site<unknown>>): void {
  test('DEMO_PASSWORD: the default, another one, off, and off by default in production', () => {
    expect(configFromEnv({}).demoPassword).toBe(DEMO_PASSWORD);
    expect(configFromEnv({ DEMO_PASSWORD: 'try-it-here' }).demoPassword).toBe('try-it-here');
    expect(configFromEnv({ DEMO_PASSWORD: 'off' }).demoPassword).toBeNull();
    expect(configFromEnv({ NODE_ENV: 'production' }).demoPassword).toBeNull();
    expect(configFromEnv({ NODE_ENV: 'production', DEMO_PASSWORD: 'try-it-here' }).demoPassword).toBe('try-it-here');
  });

  test('with the demo password off, an admin-created login cannot sign in, and no page names one', async () => {
    const site = await createSite(testConfig({ demoPassword: null }));
    try {
      const grace = await adminCreatesUser(site, 'grace');
      const res = await signIn(request.agent(site.handler), grace.login, DEMO_PASSWORD);
      expect(res.status).toBe(401);
      expect(res.text).not.toContain(DEMO_PASSWORD);
      expect((await request(site.handler).get('/').expect(200)).text).not.toContain(DEMO_PASSWORD);
      expect((await signIn(request.agent(site.handler), 'alice', DEMO.alice.password)).status).toBe(303);
    } finally {
      await site.close();
    }
  });
}
