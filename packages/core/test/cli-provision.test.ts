import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { runCli } from '../src/cli';
import type { AssignmentView } from '../src/directory/resources';
import type { MailToken, Page, Resource, User } from '../src/model';
import type { ProtectimusEvent } from '../src/audit';
import { REDIS_URL, SECRET, startWorld, type World } from './support/protectimus';

/**
 * `npx protectimus-mail` as an operator's script uses it, against real Redis under a prefix of
 * its own: provisioning with `--json`, the human tables, the exit codes, the import, the event
 * log and its `--follow`, and never a PIN in anything printed.
 */

const ROOT = join(__dirname, '..', '..', '..');
const BIN = join(ROOT, 'packages', 'core', 'dist', 'cli.js');
const PIN = 'Zq7x9Kp2';
const wallClock = { now: () => Date.now() };
const run = promisify(execFile);

let world: World;
let env: NodeJS.ProcessEnv;
const tmp = mkdtempSync(join(tmpdir(), 'pm-cli-'));
/** Everything any command printed, on either stream, to check no PIN ever shows. */
const transcript: string[] = [];

interface Out {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], options: { stdin?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Out> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: options.env ?? env,
    ...(options.stdin !== undefined ? { stdin: Readable.from([options.stdin]) } : {}),
  });
  transcript.push(stdout, stderr);
  return { code, stdout, stderr };
}

/** The one JSON document of a successful `--json` run. */
async function json<T>(args: string[], options: { stdin?: string } = {}): Promise<T> {
  const out = await cli(['--json', ...args], options);
  expect(out).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(out.stdout) as T;
}

function waitFor(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (check()) return resolve();
      if (Date.now() > until) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 50);
    };
    tick();
  });
}

beforeAll(async () => {
  world = await startWorld('redis');
  env = { REDIS_URL, REDIS_PREFIX: world.prefix, PROTECTIMUS_SECRET: SECRET, USER: 'ops' };
  // The published bin is the compiled file: build core (and admin, which `import` loads).
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-b', 'packages/admin'], { cwd: ROOT, stdio: 'pipe' });
}, 180_000);

afterAll(async () => {
  await world.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('a provisioning script with --json', () => {
  it('provisions a token (PIN from stdin), a user and a resource, assigns, lists, blocks and unblocks; the app then authenticates with them', async () => {
    const token = await json<MailToken>(['tokens', 'add', '--name', 'alice-mail', '--email', 'alice@example.com', '--digits', '8', '--pin-stdin', '--pin-position', 'after'], {
      stdin: `${PIN}\n`,
    });
    expect(token).toMatchObject({ name: 'alice-mail', email: 'alice@example.com', otpLength: 8, hasPin: true, pinPosition: 'after', userId: null, blocked: null });
    const user = await json<User>(['users', 'add', '--login', 'alice', '--email', 'alice@example.com', '--first-name', 'Alice', '--second-name', 'Liddell', '--locale', 'uk-ua']);
    expect(user).toMatchObject({ login: 'alice', email: 'alice@example.com', firstName: 'Alice', secondName: 'Liddell', locale: 'uk-UA', blocked: null });
    const resource = await json<Resource>(['resources', 'add', '--name', 'web', '--display-name', ' Web shop ', '--lock-after', '4', '--lock-minutes', '10', '--allowed-ips', '127.0.0.1, ::1']);
    expect(resource).toMatchObject({ name: 'web', displayName: 'Web shop', failedAttemptsBeforeLock: 4, lockMinutes: 10, allowedIps: ['127.0.0.1/32', '::1/128'], enrollment: 'off' });

    // Users by login, tokens by name or address, resources by name: what a person types.
    expect(await json<MailToken>(['users', 'assign', 'alice', 'alice-mail'])).toMatchObject({ id: token.id, userId: user.id });
    const assignment = await json<AssignmentView>(['resources', 'assign', 'web', 'alice@example.com']);
    expect(assignment).toEqual({ resourceId: resource.id, userId: user.id, tokenId: token.id, login: 'alice', tokenName: 'alice-mail' });

    const tokens = await json<Page<MailToken>>(['tokens', 'list']);
    expect(tokens.items.map((t) => [t.name, t.userId])).toEqual([['alice-mail', user.id]]);
    expect(tokens.next).toBeNull();
    expect((await json<Page<User>>(['users', 'list', '--query', 'ALI'])).items.map((u) => u.login)).toEqual(['alice']);
    expect((await json<Page<Resource>>(['resources', 'list'])).items.map((r) => r.id)).toEqual([resource.id]);

    // The app, with the same Redis and secret, mails a code and takes code + PIN.
    const app = world.make({ clock: wallClock });
    await app.prepare({ resource: 'web', login: 'alice', ip: '127.0.0.1' });
    const code = world.smtp.codeFrom(await world.smtp.waitForMail('alice@example.com'));
    expect(code).toMatch(/^\d{8}$/);
    expect((await app.authenticate({ resource: 'web', login: 'alice', otp: `${code}${PIN}`, ip: '127.0.0.1' })).user.id).toBe(user.id);

    expect(await json<MailToken>(['tokens', 'block', 'alice-mail'])).toMatchObject({ id: token.id, blocked: 'admin', blockedUntil: null });
    await expect(app.prepare({ resource: 'web', login: 'alice', ip: '127.0.0.1' })).rejects.toMatchObject({ code: 'BLOCKED' });
    expect(await json<MailToken>(['tokens', 'unblock', token.id])).toMatchObject({ blocked: null });
    const blocked = await json<User>(['--actor', 'Ops Bot', 'users', 'block', 'alice', '--minutes', '5']);
    expect(blocked).toMatchObject({ blocked: 'admin' });
    expect(Date.parse(blocked.blockedUntil ?? '') - Date.now()).toBeGreaterThan(4 * 60_000);
    expect(await json<User>(['users', 'unblock', 'alice'])).toMatchObject({ blocked: null });

    const events = await json<Page<ProtectimusEvent>>(['events', '--user', 'alice', '--limit', '100']);
    const types = events.items.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['user.created', 'assignment.created', 'otp.verified', 'user.blocked', 'user.unblocked']));
    expect(events.items.every((e) => e.login === 'alice')).toBe(true);
    expect(events.items.find((e) => e.type === 'user.blocked')?.actor).toBe('Ops Bot');
    expect(events.items.find((e) => e.type === 'user.created')?.actor).toBe('cli:ops');
    expect(events.items.find((e) => e.type === 'otp.verified')?.actor).toBeUndefined();
    const blocks = await json<Page<ProtectimusEvent>>(['events', '--type', 'token.blocked', '--token', 'alice-mail']);
    expect(blocks.items.map((e) => [e.type, e.tokenName, e.detail?.reason])).toEqual([['token.blocked', 'alice-mail', 'admin']]);
    const first = await json<Page<ProtectimusEvent>>(['events', '--limit', '1']);
    expect(first.items).toHaveLength(1);
    const older = await json<Page<ProtectimusEvent>>(['events', '--limit', '1', '--before', first.next ?? '']);
    expect(older.items[0]?.id).not.toBe(first.items[0]?.id);
  });

  it('prints human tables by default, naming owners by login and never a PIN', async () => {
    const out = await cli(['tokens', 'list']);
    expect(out).toMatchObject({ code: 0, stderr: '' });
    const [header, row, ...rest] = out.stdout.split('\n');
    expect(header).toMatch(/^ID +NAME +EMAIL +DIGITS +PIN +USER +STATUS$/);
    expect(row).toMatch(/^tok_\S+ +alice-mail +alice@example\.com +8 +yes, after +alice +active$/);
    expect(rest).toEqual(['']);
    expect((await cli(['users', 'list'])).stdout).toMatch(/^ID +LOGIN +EMAIL +NAME +LOCALE +STATUS\nusr_\S+ +alice +alice@example\.com +Alice Liddell +uk-UA +active\n$/);
    expect((await cli(['resources', 'list'])).stdout).toMatch(/^ID +NAME +DISPLAY NAME +LOCK +ALLOWED IPS +ENROLLMENT +TIME WINDOW\nres_\S+ +web +Web shop +after 4 failures, 10 min +127\.0\.0\.1\/32, ::1\/128 +off +any time\n$/);
    expect((await cli(['events', '--limit', '3'])).stdout).toMatch(/^TIME +TYPE +RESOURCE +USER +TOKEN +IP +CODE +ACTOR +DETAIL\n\d{4}-/);
    expect((await cli(['users', 'list', '--query', 'nobody-like-this'])).stdout).toBe('no users\n');
  });

  it('pages lists with --limit and --cursor, or all at once with --all', async () => {
    for (const name of ['page-a', 'page-b', 'page-c']) expect((await cli(['resources', 'add', '--name', name])).code).toBe(0);
    const one = await json<Page<Resource>>(['resources', 'list', '--query', 'page-', '--limit', '2']);
    expect(one.items.map((r) => r.name)).toEqual(['page-a', 'page-b']);
    expect((await cli(['resources', 'list', '--query', 'page-', '--limit', '2'])).stdout).toContain(`more: add --cursor ${one.next}\n`);
    const two = await json<Page<Resource>>(['resources', 'list', '--query', 'page-', '--limit', '2', '--cursor', one.next ?? '']);
    expect(two).toMatchObject({ items: [{ name: 'page-c' }], next: null });
    expect((await json<Page<Resource>>(['resources', 'list', '--query', 'page-', '--limit', '1', '--all'])).items.map((r) => r.name)).toEqual(['page-a', 'page-b', 'page-c']);
  });

  it('assigns a new token to a user in one step, takes it back, and removes what it made', async () => {
    expect((await cli(['users', 'add', '--login', 'bob'])).code).toBe(0);
    const token = await json<MailToken>(['users', 'assign', 'bob', '--new-token', '--name', 'bob-mail', '--email', 'bob@example.com', '--pin', 'Bob12345']);
    expect(token).toMatchObject({ name: 'bob-mail', hasPin: true, pinPosition: 'before', otpLength: 6 });
    expect(await json<AssignmentView>(['resources', 'assign', 'web', 'bob-mail'])).toMatchObject({ login: 'bob', tokenName: 'bob-mail' });
    const gone = await cli(['resources', 'unassign', 'web', 'bob-mail']);
    expect(gone).toEqual({ code: 0, stdout: 'unassigned token bob-mail on resource web\n', stderr: '' });
    expect(await json<MailToken>(['users', 'unassign', 'bob', 'bob-mail'])).toMatchObject({ id: token.id, userId: null });
    expect(await cli(['tokens', 'remove', 'bob@example.com'])).toEqual({ code: 0, stdout: `removed token bob-mail (${token.id})\n`, stderr: '' });
    expect((await json<{ removed: User }>(['users', 'remove', 'bob'])).removed.login).toBe('bob');
    expect((await json<Page<User>>(['users', 'list', '--query', 'bob'])).items).toEqual([]);
  });
});

describe('exit codes', () => {
  it('1: refused, with the stable code and message on stderr, and with --json the same as a document on stdout', async () => {
    const again = await cli(['users', 'add', '--login', 'alice']);
    expect(again).toEqual({ code: 1, stdout: '', stderr: 'protectimus-mail: already_exists: a user with this login exists\n' });
    const doc = await cli(['--json', 'users', 'add', '--login', 'alice']);
    expect(doc.code).toBe(1);
    expect(JSON.parse(doc.stdout)).toEqual({ error: 'already_exists', message: 'a user with this login exists', field: 'login' });
    expect(await cli(['tokens', 'block', 'no-such-token'])).toMatchObject({ code: 1, stdout: '', stderr: expect.stringMatching(/^protectimus-mail: not_found: token not found/) });
    expect(await cli(['users', 'block', 'no-such-user'])).toMatchObject({ code: 1, stderr: expect.stringMatching(/^protectimus-mail: not_found: user not found/) });
    expect(await cli(['resources', 'assign', 'no-such-resource', 'alice-mail'])).toMatchObject({ code: 1, stderr: 'protectimus-mail: not_found: resource not found\n' });
    expect((await cli(['tokens', 'add', '--name', 'loose', '--email', 'loose@example.com'])).code).toBe(0);
    expect(await cli(['resources', 'unassign', 'web', 'loose'])).toMatchObject({ code: 1, stderr: 'protectimus-mail: not_assigned: the token is not assigned on this resource\n' });
    expect(await cli(['resources', 'add', '--name', 'bad', '--display-name', 'a\u0007b'])).toMatchObject({ code: 1, stderr: expect.stringMatching(/^protectimus-mail: invalid_input: displayName/) });
    expect(await cli(['resources', 'add', '--name', 'bad', '--lock-after', '99'])).toMatchObject({ code: 1, stderr: expect.stringMatching(/^protectimus-mail: invalid_input: failedAttemptsBeforeLock/) });
    expect(await cli(['users', 'add', '--login', 'lang', '--locale', 'not a tag'])).toMatchObject({ code: 1, stdout: '', stderr: expect.stringMatching(/^protectimus-mail: invalid_input: locale must be a BCP 47 language tag/) });
    expect(await cli(['tokens', 'add', '--name', 'x', '--email', 'x@example.com', '--pin-stdin'], { stdin: 'no!\n' })).toMatchObject({
      code: 1,
      stderr: 'protectimus-mail: invalid_input: pin must be 4 to 12 ASCII letters or digits\n',
    });
  });

  it('1: a Redis that does not answer fails closed as unavailable', async () => {
    const out = await cli(['tokens', 'list'], { env: { ...env, REDIS_URL: 'redis://cli:hunter2@127.0.0.1:1' } });
    // Which Redis, never its password.
    expect(out).toEqual({ code: 1, stdout: '', stderr: 'protectimus-mail: unavailable: the store is unreachable at redis://127.0.0.1:1\n' });
  });

  it('2: usage, with the reason on stderr and nothing on stdout', async () => {
    const noRedis = { PROTECTIMUS_SECRET: SECRET };
    for (const args of [['tokens', 'list'], ['users', 'add', '--login', 'x'], ['events'], ['reseal']]) {
      const out = await cli(args, { env: noRedis });
      expect(out).toMatchObject({ code: 2, stdout: '' });
      expect(out.stderr).toMatch(/^protectimus-mail: REDIS_URL is not set: .*a memory store would provision nothing\n$/);
    }
    const noSecret = { REDIS_URL, REDIS_PREFIX: world.prefix };
    for (const args of [['tokens', 'add', '--name', 'n', '--email', 'n@example.com'], ['import', join(tmp, 'any.csv')], ['users', 'assign', 'alice', '--new-token', '--name', 'n', '--email', 'n@example.com']]) {
      const out = await cli(args, { env: noSecret });
      expect(out).toMatchObject({ code: 2, stdout: '' });
      expect(out.stderr).toContain('PROTECTIMUS_SECRET is not set');
    }
    const wrong: [string[], RegExp][] = [
      [['tokens'], /Usage: protectimus-mail tokens/],
      [['tokens', 'frob'], /unknown command 'frob'/],
      [['tokens', 'add', '--email', 'a@example.com'], /required option '--name <name>' not specified/],
      [['tokens', 'add', '--name', 'a', '--email', 'a@example.com', '--digits', '7'], /argument '7' is invalid/],
      [['tokens', 'add', '--name', 'a', '--email', 'a@example.com', '--pin', PIN, '--pin-stdin'], /cannot be used with option '--pin-stdin'/],
      [['tokens', 'block'], /missing required argument 'token'/],
      [['tokens', 'block', 'alice-mail', '--minutes', 'soon'], /a whole number is expected/],
      [['users', 'add'], /required option '--login <login>' not specified/],
      [['users', 'assign', 'alice'], /give the token to assign, or --new-token/],
      [['users', 'assign', 'alice', 'alice-mail', '--new-token'], /either a token or --new-token/],
      [['users', 'assign', 'alice', '--new-token', '--name', 'n'], /--new-token needs --name and --email/],
      [['events', '--type', 'nope'], /Allowed choices are otp\.sent/],
      [['events', '--follow', '--interval', '0'], /seconds between 0\.1 and 3600/],
      [['import', join(tmp, 'missing.csv')], /cannot read .*missing\.csv/],
      [['--bogus'], /unknown option '--bogus'/],
    ];
    for (const [args, message] of wrong) {
      const out = await cli(args);
      expect({ args, code: out.code, stdout: out.stdout }).toEqual({ args, code: 2, stdout: '' });
      expect(out.stderr).toMatch(/^protectimus-mail: |^Usage: /);
      expect(out.stderr).toMatch(message);
    }
  });

  it('never prints a PIN: not in any output of any command run here', () => {
    expect(transcript.length).toBeGreaterThan(50);
    expect(transcript.join('\n')).not.toContain(PIN);
  });
});

describe('--help', () => {
  /** The subcommands a help text lists (the `help` command aside). */
  function commandsOf(help: string): string[] {
    const section = help.split('\nCommands:\n')[1]?.split('\n\n')[0] ?? '';
    return section.split('\n').flatMap((line) => /^ {2}([a-z]+)/.exec(line)?.[1] ?? []).filter((name) => name !== 'help');
  }

  it('is on every command and subcommand, on stdout with exit 0', async () => {
    const root = await cli(['--help']);
    const top = commandsOf(root.stdout);
    expect(top).toEqual(['tokens', 'users', 'resources', 'import', 'events', 'secret', 'reseal']);
    const paths: string[][] = [];
    for (const name of top) {
      paths.push([name]);
      for (const sub of commandsOf((await cli([name, '--help'])).stdout)) paths.push([name, sub]);
    }
    expect(paths.map((p) => p.join(' '))).toEqual(
      expect.arrayContaining(['tokens add', 'tokens list', 'tokens block', 'tokens unblock', 'tokens remove', 'users add', 'users list', 'users assign', 'users unassign', 'users block', 'users unblock', 'users remove', 'resources add', 'resources update', 'resources list', 'resources assign', 'resources unassign']),
    );
    for (const path of paths) {
      for (const args of [[...path, '--help'], [...path, '-h']]) {
        const out = await cli(args, { env: {} });
        expect({ args, code: out.code, stderr: out.stderr }).toEqual({ args, code: 0, stderr: '' });
        expect(out.stdout.startsWith(`Usage: protectimus-mail ${path.join(' ')}`)).toBe(true);
        expect(out.stdout).toContain('--json');
      }
    }
    expect((await cli(['help', 'users'])).stdout).toBe((await cli(['users', '--help'])).stdout);
    expect((await cli(['users', 'help', 'assign'])).stdout).toBe((await cli(['users', 'assign', '--help'])).stdout);
  });
});

describe('import', () => {
  it('imports a CSV file through @protectimus-mail/admin, row by row, refused rows by line (exit 1)', async () => {
    const file = join(tmp, 'users.csv');
    writeFileSync(file, 'login,email,firstName,secondName,resourceName1,tokenName1\ncarol,carol@example.com,Carol,,web,carol-mail\ndan,dan@example.com,,,no-such-resource,dan-mail\n');
    const out = await cli(['--json', 'import', file]);
    expect(out.code).toBe(1);
    expect(JSON.parse(out.stdout)).toEqual({ kind: 'users', created: 1, errors: [{ line: 3, error: 'not_found', message: 'resource "no-such-resource": resource not found' }] });
    expect(out.stderr).toBe('protectimus-mail: line 3: not_found: resource "no-such-resource": resource not found\n');
    const carol = (await json<Page<ProtectimusEvent>>(['events', '--type', 'assignment.created', '--user', 'carol'])).items;
    expect(carol.map((e) => [e.resourceName, e.tokenName, e.actor])).toEqual([['web', 'carol-mail', 'cli:ops']]);
    expect((await json<Page<User>>(['users', 'list', '--query', 'dan'])).items).toEqual([]);
    const piped = await cli(['import', '-'], { stdin: 'erin,erin@example.com\n' });
    expect(piped).toEqual({ code: 0, stdout: 'imported 1 user\n', stderr: '' });
  });

  it('imports a resources CSV (told by its header): created or updated with the time window, a bad schedule refused by line', async () => {
    await json<Resource>(['resources', 'add', '--name', 'csv-old', '--lock-minutes', '30']);
    const file = join(tmp, 'resources.csv');
    writeFileSync(
      file,
      [
        'resource,lock_minutes,schedule',
        'csv-new,15,"Europe/Kyiv mon-fri 08:00-12:00, 13:00-19:00; sat 10:00-14:00"',
        'csv-old,,America/New_York sun 22:00-06:00',
        'csv-bad,,Europe/Kyiv someday 08:00-09:00',
        '',
      ].join('\n'),
    );
    const out = await cli(['import', file]);
    expect(out.code).toBe(1);
    expect(out.stdout).toBe('imported resources: 1 created, 1 updated; 1 refused\n');
    expect(out.stderr).toMatch(/^protectimus-mail: line 4: invalid_input: schedule: "someday" is not a weekday or a span like mon-fri\n$/);
    const listed = (await cli(['resources', 'list', '--query', 'csv-'])).stdout;
    expect(listed).toContain('Europe/Kyiv mon-fri 08:00-12:00, 13:00-19:00; sat 10:00-14:00');
    expect(listed).toContain('America/New_York sun 22:00-06:00');
    expect(listed).not.toContain('csv-bad');
    const old = (await json<Page<Resource>>(['resources', 'list', '--query', 'csv-old'])).items[0];
    expect(old).toMatchObject({ lockMinutes: 30, schedule: { timeZone: 'America/New_York', days: { sun: [['22:00', '06:00']] } } });
    const again = await json<{ kind: string; created: number; updated: number; errors: unknown[] }>(['import', '-'], { stdin: 'name,schedule\ncsv-old,none\n' });
    expect(again).toEqual({ kind: 'resources', created: 0, updated: 1, errors: [] });
  });
});

describe('events --follow', () => {
  it('prints the latest entries, then each new one as it is written, until the signal', async () => {
    const app = world.make({ clock: wallClock });
    await app.users.create({ login: 'frank' });
    let stdout = '';
    const stop = new AbortController();
    const done = runCli(['events', '--follow', '--user', 'frank', '--interval', '0.1'], { stdout: (t) => (stdout += t), stderr: (t) => (stdout += t), env, signal: stop.signal });
    await waitFor(() => stdout.includes('user.created'), 'the backlog');
    await app.users.create({ login: 'grace' });
    await app.users.block((await app.users.list({ q: 'frank' })).items[0]?.id ?? '');
    await waitFor(() => stdout.includes('user.blocked'), 'the new entry');
    stop.abort();
    expect(await done).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\S+Z user\.created +user=frank actor=API$/);
    expect(lines[1]).toMatch(/^\S+ user\.blocked +user=frank actor=API$/);
  });
});

describe('the built bin', () => {
  it('runs as `node dist/cli.js`: --json output, the import (admin loaded from node_modules), exit codes', async () => {
    const list = await run(process.execPath, [BIN, 'resources', 'list', '--json', '--query', 'web'], { env: { ...process.env, ...env } });
    expect(JSON.parse(list.stdout)).toMatchObject({ items: [{ name: 'web' }], next: null });
    const file = join(tmp, 'more.csv');
    writeFileSync(file, 'heidi,heidi@example.com,Heidi,,web,heidi-mail\n');
    expect((await run(process.execPath, [BIN, 'import', file], { env: { ...process.env, ...env } })).stdout).toBe('imported 1 user\n');
    await expect(run(process.execPath, [BIN, 'users', 'add', '--login', 'heidi'], { env: { ...process.env, ...env } })).rejects.toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'protectimus-mail: already_exists: a user with this login exists\n',
    });
    await expect(run(process.execPath, [BIN, 'users', 'frob'], { env: { ...process.env, ...env } })).rejects.toMatchObject({ code: 2, stdout: '' });
  });

  it('import without @protectimus-mail/admin installed: exit 2, saying what to install', async () => {
    const hide = join(tmp, 'no-admin.js');
    writeFileSync(
      hide,
      `const Module = require('node:module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === '@protectimus-mail/admin') throw Object.assign(new Error("Cannot find module '" + request + "'"), { code: 'MODULE_NOT_FOUND' });
  return resolve.call(this, request, ...rest);
};`,
    );
    await expect(run(process.execPath, ['-r', hide, BIN, 'import', join(tmp, 'more.csv')], { env: { ...process.env, ...env } })).rejects.toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'protectimus-mail: import needs the package @protectimus-mail/admin, which is not installed: npm install @protectimus-mail/admin\n',
    });
  });

  it('events --follow --json: one JSON object per new entry, and SIGINT ends it with exit 0', async () => {
    const app = world.make({ clock: wallClock });
    await app.users.create({ login: 'ivan' });
    const child = spawn(process.execPath, [BIN, 'events', '--follow', '--json', '--user', 'ivan', '--interval', '0.1'], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await waitFor(() => stdout.includes('user.created'), 'the backlog');
    const ivan = (await app.users.list({ q: 'ivan' })).items[0]?.id ?? '';
    await app.users.block(ivan);
    await waitFor(() => stdout.includes('user.blocked'), 'the new entry');
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
    const events = stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as ProtectimusEvent);
    expect(events.map((e) => [e.type, e.login])).toEqual([
      ['user.created', 'ivan'],
      ['user.blocked', 'ivan'],
    ]);
  });
});

describe('resources with a time window', () => {
  it('adds one with --schedule in the compact form, lists it, keeps it on other updates, removes it with none, refuses a bad one (exit 1)', async () => {
    const added = await json<Resource>(['resources', 'add', '--name', 'office', '--schedule', 'Europe/Kyiv mon-fri 08:00-12:00, 13:00-19:00; sat 10:00-14:00']);
    const week = [['08:00', '12:00'], ['13:00', '19:00']];
    expect(added.schedule).toEqual({ timeZone: 'Europe/Kyiv', days: { mon: week, tue: week, wed: week, thu: week, fri: week, sat: [['10:00', '14:00']] } });
    const listed = (await cli(['resources', 'list', '--query', 'office'])).stdout;
    expect(listed).toMatch(/^ID +NAME +DISPLAY NAME +LOCK +ALLOWED IPS +ENROLLMENT +TIME WINDOW\nres_\S+ +office +- +after 5 failures, 5 min +any +off +Europe\/Kyiv mon-fri 08:00-12:00, 13:00-19:00; sat 10:00-14:00\n$/);
    const changed = await json<Resource>(['resources', 'update', 'office', '--lock-minutes', '9']);
    expect(changed).toMatchObject({ lockMinutes: 9, schedule: added.schedule });
    const night = await json<Resource>(['resources', 'update', added.id, '--schedule', 'America/New_York sun 22:00-06:00']);
    expect(night.schedule).toEqual({ timeZone: 'America/New_York', days: { sun: [['22:00', '06:00']] } });
    const bad = await cli(['resources', 'update', 'office', '--schedule', 'Mars/Olympus mon 08:00-10:00']);
    expect(bad).toMatchObject({ code: 1, stdout: '', stderr: expect.stringMatching(/^protectimus-mail: invalid_input: schedule\.timeZone "Mars\/Olympus" is not an IANA time zone/) });
    expect(await cli(['resources', 'add', '--name', 'overlap', '--schedule', 'UTC mon 08:00-12:00, 11:00-13:00'])).toMatchObject({ code: 1, stderr: expect.stringMatching(/overlap/) });
    expect((await json<Resource>(['resources', 'update', 'office', '--schedule', 'none'])).schedule).toBeNull();
    expect((await cli(['resources', 'list', '--query', 'office'])).stdout).toMatch(/ any time\n$/);
  });
});

describe('resources update --display-name', () => {
  it('sets a display name, keeps it on other updates and removes it with none', async () => {
    await json<Resource>(['resources', 'add', '--name', 'shop']);
    expect((await json<Resource>(['resources', 'update', 'shop', '--display-name', 'Web shop'])).displayName).toBe('Web shop');
    expect((await json<Resource>(['resources', 'update', 'shop', '--lock-minutes', '7'])).displayName).toBe('Web shop');
    expect((await json<Resource>(['resources', 'update', 'shop', '--display-name', 'none'])).displayName).toBeUndefined();
  });
});
