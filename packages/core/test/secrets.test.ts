import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { protectimusFromEnv, createProtectimus } from '../src/protectimus';
import { ProtectimusError } from '../src/errors';
import { generateSecret, MIN_DISTINCT_CHARS, MIN_ENTROPY_BITS, MIN_SECRET_BYTES, secretWeakness } from '../src/secrets';
import { MemoryStore } from '../src/stores/memory';

const mail = { send: async () => undefined };

/** What a new instance with this secret throws; fails the test if it starts. */
function refusal(secret: unknown): ProtectimusError {
  const store = new MemoryStore({ sweepIntervalMs: 0 });
  try {
    createProtectimus({ store, mail, secret: secret as string });
  } catch (err) {
    expect(err).toBeInstanceOf(ProtectimusError);
    return err as ProtectimusError;
  }
  throw new Error('the secret was accepted');
}

async function accepts(secret: string | string[]): Promise<void> {
  const store = new MemoryStore({ sweepIntervalMs: 0 });
  const pm = createProtectimus({ store, mail, secret });
  await pm.close();
  await store.close();
}

// Guessable secrets an outside attacker found accepted, and their kin, with the rule each breaks
// first.
const WEAK: [name: string, secret: string, rule: RegExp][] = [
  ['sixteen a', 'aaaaaaaaaaaaaaaa', /at least 32 bytes/],
  ['sixteen spaces', ' '.repeat(16), /at least 32 bytes/],
  ['changeme-changeme', 'changeme-changeme', /at least 32 bytes/],
  ['a placeholder repeated past 32 bytes', 'changeme-changeme-changeme-changeme', /shorter string repeated/],
  ['32 spaces', ' '.repeat(32), /whitespace/],
  ['a long random one with a space in it', 'Xq7-Lp2_Vz9sKd4Wm8Rt Yb3nHc6Jf1Gx5Qe0Tu', /whitespace/],
  ['32 lower-case letters of little variety', 'dfacebdfcaebdcfaebcdafebdcaefbda', /at least 12 distinct/],
  ['32 digits', '31415926535897932384626433832795', /at least 12 distinct/],
  ['the alphabet and the digits', 'abcdefghijklmnopqrstuvwxyz0123456789', /estimated entropy/],
  ['a keyboard walk', 'qwertyuiopasdfghjklzxcvbnm1234567890', /estimated entropy/],
  ['doubled letters', 'aabbccddeeffgghhiijjkkllmmnnoopp', /estimated entropy/],
  ['placeholder words', 'ExampleSecretChangeMeBeforeDeploying123', /estimated entropy/],
  ['a sentence of placeholders', 'my-production-secret-password-for-protectimus-mail', /estimated entropy/],
];

describe('the server secret outside production', () => {
  const env = process.env.NODE_ENV;
  afterEach(() => {
    process.env.NODE_ENV = env;
    jest.restoreAllMocks();
  });

  it('warns once per process about a secret production would refuse, never quoting it', async () => {
    process.env.NODE_ENV = 'development';
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    await accepts('aaaaaaaaaaaaaaaa');
    await accepts('changeme-changeme-changeme-changeme');
    await accepts([generateSecret(), 'changeme-changeme']);
    const about = warn.mock.calls.map(([m]) => String(m)).filter((m) => m.includes('would be refused'));
    expect(about).toHaveLength(1);
    expect(about[0]).toMatch(/NODE_ENV=production: it must be at least 32 bytes/);
    expect(about[0]).not.toContain('aaaa');
  });

  it('still refuses a secret under 16 characters, alone or in a list', () => {
    process.env.NODE_ENV = 'development';
    expect(refusal('short')).toMatchObject({ code: 'INVALID_INPUT', field: 'secret', message: expect.stringMatching(/16 characters/) });
    expect(refusal([generateSecret(), 'short'])).toMatchObject({ code: 'INVALID_INPUT', field: 'secret', message: expect.stringMatching(/#2 .*16 characters/) });
    expect(refusal([generateSecret(), 42])).toMatchObject({ code: 'INVALID_INPUT', field: 'secret' });
  });
});

describe('the server secret when NODE_ENV=production', () => {
  const env = process.env.NODE_ENV;
  beforeEach(() => {
    process.env.NODE_ENV = 'production';
  });
  afterEach(() => {
    process.env.NODE_ENV = env;
  });

  it.each(WEAK)('refuses %s, naming the rule and not the secret', (_name, secret, rule) => {
    const err = refusal(secret);
    expect(err).toMatchObject({ code: 'INVALID_INPUT', field: 'secret', status: 400 });
    expect(err.message).toMatch(rule);
    expect(err.message).toContain('npx protectimus-mail secret');
    expect(err.message).not.toContain(secret.trim() === '' ? secret : secret.slice(0, 8));
    // The same through the environment.
    expect(() => protectimusFromEnv({ PROTECTIMUS_SECRET: secret }, { mail, store: new MemoryStore({ sweepIntervalMs: 0 }) })).toThrow(rule);
  });

  it('refuses no secret at all, and an empty list', () => {
    expect(refusal(undefined).message).toMatch(/needs a secret/);
    expect(refusal([]).message).toMatch(/needs a secret/);
    expect(() => protectimusFromEnv({ PROTECTIMUS_SECRET: ',' }, { mail, store: new MemoryStore({ sweepIntervalMs: 0 }) })).toThrow(/needs a secret/);
  });

  it('accepts what the secret command prints, and common generators of 32 random bytes', async () => {
    for (let i = 0; i < 50; i++) await accepts(generateSecret());
    // `openssl rand -hex 32` and `openssl rand -base64 32`.
    await accepts('f8b60f47aff587e86c32632726cf46b9945cb02eb29fa759106fd7ddb60c63aa');
    await accepts('edR1h7KC5KSrcyNd+Dv8bFJQwzUzzXJvyz3XUXsHfvU=');
  });

  it('takes a list, newest first, and applies the rules to each; a list holding a weak one is refused', async () => {
    await accepts([generateSecret(), generateSecret()]);
    const err = refusal([generateSecret(), 'changeme-changeme-changeme-changeme']);
    expect(err).toMatchObject({ code: 'INVALID_INPUT', field: 'secret' });
    expect(err.message).toMatch(/secret #2 of the list .*shorter string repeated/);
    expect(refusal(Array.from({ length: 9 }, generateSecret)).message).toMatch(/at most 8/);
  });

  it('reads PROTECTIMUS_SECRET as a comma-separated list, newest first, with no spaces', async () => {
    const [a, b] = [generateSecret(), generateSecret()];
    const pm = protectimusFromEnv({ PROTECTIMUS_SECRET: `${b},${a}` }, { mail, store: new MemoryStore({ sweepIntervalMs: 0 }) });
    await pm.close();
    expect(() => protectimusFromEnv({ PROTECTIMUS_SECRET: `${b}, ${a}` }, { mail, store: new MemoryStore({ sweepIntervalMs: 0 }) })).toThrow(/#2 .*whitespace/);
    expect(() => protectimusFromEnv({ PROTECTIMUS_SECRET: `${b}\n` }, { mail, store: new MemoryStore({ sweepIntervalMs: 0 }) })).toThrow(/whitespace/);
  });
});

describe('secretWeakness', () => {
  it('is null exactly for what production accepts', () => {
    for (const [, secret] of WEAK) expect(secretWeakness(secret)).not.toBeNull();
    expect(secretWeakness(generateSecret())).toBeNull();
  });
});

describe('the docs', () => {
  const read = (path: string) => readFileSync(join(__dirname, '..', path), 'utf8').replace(/\s+/g, ' ');
  const root = read('../../README.md');
  const core = read('README.md');
  const rules = [
    `at least ${MIN_SECRET_BYTES} bytes`,
    'whitespace',
    'shorter string repeated',
    `at least ${MIN_DISTINCT_CHARS} distinct characters`,
    `at least ${MIN_ENTROPY_BITS} bits`,
    '`changeme`',
    'npx protectimus-mail secret',
  ];
  const rotation = ['PROTECTIMUS_SECRET=<new>,<old>', 'npx protectimus-mail reseal', 'PROTECTIMUS_SECRET=<new>`'];

  it('README "Security, in short" states the production rules and the rotation', () => {
    const security = root.slice(root.indexOf('## Security, in short'), root.indexOf('## Layout'));
    for (const words of [...rules, ...rotation, 'NODE_ENV=production', 'INVALID_INPUT']) expect(security).toContain(words);
  });

  it('the core README states them in the options, the environment and the rotation steps', () => {
    const option = core.slice(core.indexOf('| `secret` |'), core.indexOf('| `otp.ttl` |'));
    expect(option).toContain('[newest, ...older]');
    expect(option).toContain(`>= ${MIN_SECRET_BYTES} bytes`);
    expect(core).toContain('`PROTECTIMUS_SECRET` (one secret, or while rotating it a comma-separated list, newest first, no spaces: `<new>,<old>`)');
    const section = core.slice(core.indexOf('## The server secret'), core.indexOf('## The model and its operations'));
    for (const words of [...rules, ...rotation, 'pm.tokens.reseal()', 'waiting: 0, unreadable: 0', 'otp.ttl']) expect(section).toContain(words);
  });
});
