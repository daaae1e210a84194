import { importUsers } from '../../admin/src/import';
import { refusal } from './support/refusal';
import { seedUser, startWorld, STORE_KINDS, type World } from './support/protectimus';

// The attack: an app lets people pick their own account names, and its first factor hands the
// guard whatever name the account has. Someone registers `KATE`, or `\u212Aate` (KELVIN SIGN, which
// `toLowerCase()` folds to `k`), and is served kate's token: her codes mailed to her inbox, and
// every wrong code typed counts toward blocking her. A login must be found only as spelled.

/** Spellings of `login` (lower-case ASCII) that are not `login`. */
function lookAlikes(login: string): string[] {
  const capital = login[0]!.toUpperCase() + login.slice(1);
  return [login.toUpperCase(), capital, `\u212A${login.slice(1)}`, `${login}\u0307`, ` ${login}`, `${login} `];
}

describe.each(STORE_KINDS)('%s store: login matching', (kind) => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld(kind);
  });
  afterAll(() => world.close());

  async function kate() {
    const pm = world.make();
    const login = `kate${Math.random().toString(36).slice(2, 8)}`;
    return { pm, ...(await seedUser(pm, { login })) };
  }

  it('serves no look-alike login the token of another user, mails nothing and counts nothing', async () => {
    const { pm, login, email, resource, token } = await kate();
    for (const spelling of lookAlikes(login)) {
      expect((await refusal(pm.prepare({ resource: resource.name, login: spelling }))).code).toBe('NOT_ASSIGNED');
    }
    const kelvin = `\u212A${login.slice(1)}`;
    await expect(world.smtp.waitForMail(email, 300)).rejects.toThrow(/no mail/);

    // Kate has a code open; a hundred wrong tries under the look-alike must not block her token.
    await pm.prepare({ resource: resource.name, login });
    const code = world.smtp.codeFrom(await world.smtp.waitForMail(email));
    for (let i = 0; i < 100; i++) {
      expect((await refusal(pm.authenticate({ resource: resource.name, login: kelvin, otp: '000000' }))).code).toBe('NOT_ASSIGNED');
    }
    expect((await pm.tokens.get(token.id)).blocked).toBeNull();
    await expect(pm.authenticate({ resource: resource.name, login, otp: code })).resolves.toMatchObject({ user: { login } });
  });

  it('keeps logins unique under case folding, and refuses non-ASCII ones, on create, update and import', async () => {
    const { pm, login, resource, token } = await kate();
    expect((await refusal(pm.users.create({ login: login.toUpperCase() }))).code).toBe('ALREADY_EXISTS');
    expect((await refusal(pm.users.create({ login: `\u212A${login.slice(1)}` }))).code).toBe('INVALID_INPUT');
    const other = await pm.users.create({ login: `other${login}` });
    expect((await refusal(pm.users.update(other.id, { login: login[0]!.toUpperCase() + login.slice(1) }))).code).toBe('ALREADY_EXISTS');

    const csv = `login,email\n${login.toUpperCase()},x@example.com\n\u212A${login.slice(1)}x,y@example.com\n`;
    const imported = await importUsers(pm, csv);
    expect(imported.created).toBe(0);
    expect(imported.errors.map((e) => e.error)).toEqual(['already_exists', 'invalid_input']);

    // The user's own spelling, and a change of case of one's own login, still work.
    const renamed = await pm.users.update(other.id, { login: `OTHER${login}` });
    expect(renamed.login).toBe(`OTHER${login}`);
    expect((await pm.tokens.get(token.id)).blocked).toBeNull();
    await expect(pm.prepare({ resource: resource.name, login })).resolves.toMatchObject({ sent: true });
  });
});
