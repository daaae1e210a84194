#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { EVENT_TYPES, type EventQuery, type ProtectimusEvent } from './audit';
import type { AssignmentView, UpdateResourceInput } from './directory/resources';
import type { CreateMailTokenInput } from './directory/tokens';
import { describeError, failureOf, isProtectimusError, ProtectimusError } from './errors';
import type { ListQuery, MailToken, Page, Resource, User } from './model';
import { asDecision, protectimusFromEnv, type AdminActions, type Protectimus } from './protectimus';
import { formatSchedule, parseSchedule } from './schedule';
import { generateSecret } from './secrets';
import { dirKey } from './stores/store';
import { loginKey } from './validation';

/** Where the command line writes, and what it reads; the bin passes the process's own. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** Where `--pin-stdin` reads the PIN (the first line; from a terminal, without echo). */
  stdin?: NodeJS.ReadableStream;
  /** Ends `events --follow`; the bin aborts it on SIGINT. */
  signal?: AbortSignal;
}

const NAME = 'protectimus-mail';

/** A command line the CLI cannot run as given (exit 2): a wrong argument, a missing variable. */
class UsageError extends Error {
  constructor(
    message: string,
    readonly helpOf?: Command,
  ) {
    super(message);
  }
}

function version(): string {
  // The same path from src/ (tests) and dist/ (the published bin).
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

// What the CLI prints comes partly from the store (names, logins, addresses an app or an
// administrator wrote): control and bidi characters are shown escaped, so no cell can move the
// cursor, recolour the terminal or disguise another cell.
// eslint-disable-next-line no-control-regex -- control characters are what it must find
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
function clean(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const cells = rows.map((row) => row.map(clean));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: readonly string[]) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return `${[line(headers), ...cells.map(line)].join('\n')}\n`;
}

function status(blocked: string | null, blockedUntil: string | null, pending = false): string {
  if (blocked) return `blocked (${blocked}${blockedUntil ? `, until ${blockedUntil}` : ''})`;
  return pending ? 'pending confirmation' : 'active';
}

const TOKEN_COLUMNS = ['ID', 'NAME', 'EMAIL', 'DIGITS', 'PIN', 'USER', 'STATUS'];
const USER_COLUMNS = ['ID', 'LOGIN', 'EMAIL', 'NAME', 'LOCALE', 'STATUS'];
const RESOURCE_COLUMNS = ['ID', 'NAME', 'DISPLAY NAME', 'LOCK', 'ALLOWED IPS', 'ENROLLMENT', 'TIME WINDOW'];
const EVENT_COLUMNS = ['TIME', 'TYPE', 'RESOURCE', 'USER', 'TOKEN', 'IP', 'CODE', 'ACTOR', 'DETAIL'];

function userRow(u: User): string[] {
  const name = [u.firstName, u.secondName].filter((n) => n !== null).join(' ');
  return [u.id, u.login, u.email ?? '-', name || '-', u.locale ?? '-', status(u.blocked, u.blockedUntil)];
}

function resourceRow(r: Resource): string[] {
  return [r.id, r.name, r.displayName ?? '-', `after ${r.failedAttemptsBeforeLock} failures, ${r.lockMinutes} min`, r.allowedIps.length > 0 ? r.allowedIps.join(', ') : 'any', r.enrollment, r.schedule ? formatSchedule(r.schedule) : 'any time'];
}

function detailText(detail: ProtectimusEvent['detail']): string {
  return Object.entries(detail ?? {})
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
}

function eventRow(e: ProtectimusEvent): string[] {
  return [
    e.at,
    e.type,
    e.resourceName ?? e.resourceId ?? '',
    e.login ?? e.userId ?? '',
    e.tokenName ?? e.tokenId ?? '',
    e.ip ?? '',
    e.code ?? '',
    e.actor === undefined ? '' : (e.actor ?? 'API'),
    detailText(e.detail),
  ];
}

/** One line per entry, for `--follow`, where columns cannot be aligned ahead of time. */
function eventLine(e: ProtectimusEvent): string {
  const facts: [string, string | undefined][] = [
    ['resource', e.resourceName ?? e.resourceId],
    ['user', e.login ?? e.userId],
    ['token', e.tokenName ?? e.tokenId],
    ['ip', e.ip],
    ['code', e.code],
    ['actor', e.actor === undefined ? undefined : (e.actor ?? 'API')],
  ];
  const text = facts.flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${v}`]));
  const detail = detailText(e.detail);
  return `${clean([e.at, e.type.padEnd(19), ...text, ...(detail ? [detail] : [])].join(' '))}\n`;
}

/** What each command needs from the environment. */
type Needs = 'nothing' | 'store' | 'secret';

/** One command's run: its io, its options (the global ones included) and, when it needs one, the instance. */
interface Run {
  io: CliIo;
  json: boolean;
  opts: Record<string, unknown>;
  args: (string | undefined)[];
  command: Command;
  pm: Protectimus;
  /** The instance's admin operations recorded under `--actor`. */
  admin: AdminActions;
  print(human: string, json: unknown): void;
}

// The CLI mails nothing: `prepare` is never called, and a send would be a bug, so it fails.
const NO_MAIL = { send: () => Promise.reject(new Error('the command line sends no mail')) };

function open(io: CliIo, needs: Needs): Protectimus {
  if (!io.env.REDIS_URL) {
    throw new UsageError(
      'REDIS_URL is not set: the command line works on the Redis your app uses (REDIS_URL, and REDIS_PREFIX if the app sets one); a memory store would provision nothing',
    );
  }
  if (needs === 'secret' && !io.env.PROTECTIMUS_SECRET) {
    throw new UsageError('PROTECTIMUS_SECRET is not set: this command seals PINs and token secrets with the secret your app uses, so it needs the same one');
  }
  // Commands that seal nothing read the directory and the log only: without the app's secret
  // they get a throwaway one, so no development warning shows and nothing is sealed under it.
  const secret = io.env.PROTECTIMUS_SECRET ? {} : { secret: generateSecret() };
  return protectimusFromEnv(io.env, { mail: NO_MAIL, ...secret });
}

function defaultActor(env: NodeJS.ProcessEnv): string {
  let who = env.USER || env.LOGNAME || '';
  if (!who) {
    try {
      who = userInfo().username;
    } catch {
      // A container user with no passwd entry: the log still says the change came from here.
    }
  }
  return who ? `cli:${who}` : 'cli';
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** A directory index's value (an id), read the way the store's own transactions read it. */
async function indexed(pm: Protectimus, key: string): Promise<string | null> {
  try {
    return (await pm.store.dirGet([key])).values[0] ?? null;
  } catch (err) {
    throw asDecision(err);
  }
}

async function getOrNull<T>(read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (err) {
    if (isProtectimusError(err, 'NOT_FOUND')) return null;
    throw err;
  }
}

/** A user by id, else by login (exact spelling, as the guard finds logins). */
async function findUser(pm: Protectimus, ref: string): Promise<User> {
  const byId = ID.test(ref) ? await getOrNull(() => pm.users.get(ref)) : null;
  if (byId) return byId;
  const id = await indexed(pm, dirKey.login(loginKey(ref)));
  const byLogin = id === null ? null : await getOrNull(() => pm.users.get(id));
  if (byLogin && byLogin.login === ref) return byLogin;
  throw new ProtectimusError('NOT_FOUND', `user not found: no user has the id or login "${ref}"`);
}

/** A token by id, else by name or address (both unique, case-insensitive). */
async function findToken(pm: Protectimus, ref: string): Promise<MailToken> {
  const byId = ID.test(ref) ? await getOrNull(() => pm.tokens.get(ref)) : null;
  if (byId) return byId;
  const key = ref.trim().toLowerCase();
  for (const index of [dirKey.tokenName(key), dirKey.tokenEmail(key)]) {
    const id = await indexed(pm, index);
    const token = id === null ? null : await getOrNull(() => pm.tokens.get(id));
    if (token) return token;
  }
  throw new ProtectimusError('NOT_FOUND', `token not found: no token has the id, name or address "${ref}"`);
}

/** The logins of the tokens' owners, for the USER column (an owner gone meanwhile shows by id). */
async function owners(pm: Protectimus, tokens: readonly MailToken[]): Promise<Map<string, string>> {
  const ids = [...new Set(tokens.flatMap((t) => (t.userId === null ? [] : [t.userId])))];
  const users = await Promise.all(ids.map((id) => getOrNull(() => pm.users.get(id))));
  return new Map(ids.map((id, i) => [id, users[i]?.login ?? id]));
}

async function tokensTable(pm: Protectimus, tokens: readonly MailToken[]): Promise<string> {
  const logins = await owners(pm, tokens);
  return table(
    TOKEN_COLUMNS,
    tokens.map((t) => [
      t.id,
      t.name,
      t.email,
      String(t.otpLength),
      t.hasPin ? `yes, ${t.pinPosition ?? 'before'}` : 'no',
      t.userId === null ? '-' : (logins.get(t.userId) ?? t.userId),
      status(t.blocked, t.blockedUntil, t.confirmedAt === null),
    ]),
  );
}

function more(page: Page<unknown>): string {
  return page.next === null ? '' : `more: add --cursor ${page.next}\n`;
}

function none(what: string, page: Page<unknown>): string {
  return page.items.length === 0 && page.next === null ? `no ${what}\n` : '';
}

// Options parsed here fail as usage errors (exit 2) with commander's message; ranges are the model's.
function wholeNumber(value: string): number {
  if (!/^\d{1,9}$/.test(value)) throw new InvalidArgumentError('a whole number is expected.');
  return Number(value);
}

function seconds(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || n < 0.1 || n > 3600) throw new InvalidArgumentError('seconds between 0.1 and 3600 are expected.');
  return n;
}

function listOptions(cmd: Command, matches: string): Command {
  return cmd
    .option('-q, --query <text>', `only those whose ${matches} contains the text (case-insensitive)`)
    .option('--limit <n>', 'at most this many, 1..200 (default 50)', wholeNumber)
    .option('--cursor <cursor>', 'the page after the one that printed this cursor')
    .option('--all', 'every page, one after the other');
}

async function listAll<T>(list: (q: ListQuery) => Promise<Page<T>>, opts: Record<string, unknown>): Promise<Page<T>> {
  const query: ListQuery = {
    ...(opts.query !== undefined ? { q: opts.query as string } : {}),
    ...(opts.limit !== undefined ? { limit: opts.limit as number } : {}),
    ...(opts.cursor !== undefined ? { cursor: opts.cursor as string } : {}),
  };
  if (!opts.all) return list(query);
  const items: T[] = [];
  for (let cursor = query.cursor ?? null; ; ) {
    const page = await list({ ...query, cursor, limit: query.limit ?? 200 });
    items.push(...page.items);
    if (page.next === null) return { items, next: null };
    cursor = page.next;
  }
}

function tokenOptions(cmd: Command, required: boolean): Command {
  const name = new Option('--name <name>', `the token name, 1..50 characters, unique${required ? ' (required)' : ''}`);
  const email = new Option('--email <address>', `where its codes are mailed; unique among tokens${required ? ' (required)' : ''}`);
  if (required) {
    name.makeOptionMandatory();
    email.makeOptionMandatory();
  }
  return cmd
    .addOption(name)
    .addOption(email)
    .addOption(new Option('--digits <n>', 'code length (default 6)').choices(['6', '8']))
    .addOption(new Option('--pin <pin>', 'a PIN typed with each code, 4..12 letters or digits (it stays in your shell history: prefer --pin-stdin)').conflicts('pinStdin'))
    .addOption(new Option('--pin-stdin', 'read the PIN from the first line of standard input (from a terminal: asked for, not echoed)'))
    .addOption(new Option('--pin-position <where>', 'where the PIN goes, relative to the code (default before)').choices(['before', 'after']));
}

/** Reads one line of the input; from a terminal, keys are read without echo. */
async function readPin(io: CliIo): Promise<string> {
  const input = io.stdin;
  if (!input) throw new UsageError('--pin-stdin: there is no standard input to read the PIN from');
  const tty = input as NodeJS.ReadStream;
  if (tty.isTTY && typeof tty.setRawMode === 'function') return readHidden(io, tty);
  let text = '';
  for await (const chunk of input) {
    text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    // A PIN is short: no need to read a whole file piped in by mistake.
    if (/[\r\n]/.test(text) || text.length > 1024) break;
  }
  const pin = text.split(/\r?\n|\r/, 1)[0] ?? '';
  if (pin === '') throw new UsageError('--pin-stdin: standard input held no PIN');
  return pin;
}

function readHidden(io: CliIo, tty: NodeJS.ReadStream): Promise<string> {
  io.stderr('PIN: ');
  return new Promise((resolve, reject) => {
    let pin = '';
    const finish = (err?: Error) => {
      tty.off('data', onData);
      tty.setRawMode(false);
      tty.pause();
      io.stderr('\n');
      if (err) reject(err);
      else resolve(pin);
    };
    const onData = (data: Buffer | string) => {
      for (const ch of data.toString()) {
        if (ch === '\r' || ch === '\n') return finish(pin === '' ? new UsageError('--pin-stdin: no PIN typed') : undefined);
        if (ch === '\u0003' || ch === '\u0004') return finish(new UsageError('--pin-stdin: cancelled'));
        if (ch === '\u007f' || ch === '\b') pin = pin.slice(0, -1);
        else pin += ch;
      }
    };
    tty.setRawMode(true);
    tty.on('data', onData);
    tty.resume();
  });
}

async function tokenInput(run: Run): Promise<CreateMailTokenInput> {
  const o = run.opts;
  const pin = o.pinStdin ? await readPin(run.io) : (o.pin as string | undefined);
  return {
    name: o.name as string,
    email: o.email as string,
    ...(o.digits !== undefined ? { otpLength: Number(o.digits) as 6 | 8 } : {}),
    ...(pin !== undefined ? { pin } : {}),
    ...(o.pinPosition !== undefined ? { pinPosition: o.pinPosition as 'before' | 'after' } : {}),
  };
}

function blockMinutes(opts: Record<string, unknown>): { minutes?: number } {
  return opts.minutes === undefined ? {} : { minutes: opts.minutes as number };
}

function arg(run: Run, i: number): string {
  return run.args[i] ?? '';
}

// `events --follow`: the log's ids grow across both of its streams (docs/design.md, "Stores"),
// so what is newer than the newest id seen is exactly what was written since.
function compareIds(a: string, b: string): number {
  const pa = a.split('-').map(Number);
  const pb = b.split('-').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function matches(e: ProtectimusEvent, q: EventQuery): boolean {
  return (!q.type || e.type === q.type) && (!q.resourceId || e.resourceId === q.resourceId) && (!q.login || e.login === q.login) && (!q.tokenId || e.tokenId === q.tokenId);
}

/** Entries written after `high`, oldest first; a burst larger than 10,000 entries is cut to its newest. */
async function newerThan(pm: Protectimus, high: string | null): Promise<ProtectimusEvent[]> {
  const fresh: ProtectimusEvent[] = [];
  let before: string | undefined;
  for (let page = 0; page < 50; page++) {
    const { items, next } = await pm.events.list({ limit: 200, ...(before !== undefined ? { before } : {}) });
    for (const e of items) {
      if (high !== null && compareIds(e.id, high) <= 0) return fresh.reverse();
      fresh.push(e);
    }
    if (next === null) break;
    before = next;
  }
  return fresh.reverse();
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

async function follow(run: Run, query: EventQuery, intervalMs: number): Promise<void> {
  const signal = run.io.signal ?? new AbortController().signal;
  const show = (e: ProtectimusEvent) => run.io.stdout(run.json ? `${JSON.stringify(e)}\n` : eventLine(e));
  // The mark first, then the backlog: an entry written in between is shown once, in the backlog.
  let high = (await run.pm.events.list({ limit: 1 })).items[0]?.id ?? null;
  const backlog = (await run.pm.events.list(query)).items.reverse();
  for (const e of backlog) {
    show(e);
    if (high === null || compareIds(e.id, high) > 0) high = e.id;
  }
  let down = false;
  while (!signal.aborted) {
    await pause(intervalMs, signal);
    if (signal.aborted) break;
    let fresh: ProtectimusEvent[];
    try {
      fresh = await newerThan(run.pm, high);
    } catch (err) {
      // A tail outlives a Redis restart: say so once, and keep polling.
      if (!down) run.io.stderr(`${NAME}: ${failureOf(err, 'admin').error}: ${clean(errorMessage(err, run.io.env))}; still trying\n`);
      down = true;
      continue;
    }
    if (down) run.io.stderr(`${NAME}: the store answers again\n`);
    down = false;
    for (const e of fresh) {
      high = e.id;
      if (matches(e, query)) show(e);
    }
  }
}

function errorMessage(err: unknown, env: NodeJS.ProcessEnv): string {
  if (!isProtectimusError(err)) return describeError(err);
  if (err.code !== 'STORE_UNAVAILABLE') return err.message;
  // Which Redis did not answer is what an operator at a shell needs; never its password.
  let where = '';
  try {
    const url = new URL(env.REDIS_URL ?? '');
    where = ` at ${url.protocol}//${url.host}`;
  } catch {
    // Not a URL ioredis would take either; the message stands alone.
  }
  return `${err.message}${where}`;
}

/** Exit 1: the error's stable code and message on stderr, and with `--json` the same as a document on stdout. */
function refuse(io: CliIo, json: boolean, err: unknown): number {
  const f = failureOf(err, 'admin');
  const message = errorMessage(err, io.env);
  io.stderr(`${NAME}: ${f.error}: ${clean(message)}\n`);
  if (json) io.stdout(`${JSON.stringify({ error: f.error, message, ...(f.field !== undefined ? { field: f.field } : {}) })}\n`);
  return 1;
}

/** The CSV import of `@protectimus-mail/admin`, which core does not depend on: loaded only by `import`. */
interface AdminPackage {
  importCsv(
    pm: AdminActions,
    csv: string,
  ): Promise<{ kind: 'users' | 'resources'; created: number; updated?: number; errors: { line: number; error: string; message: string; field?: string }[] }>;
}

function loadAdmin(): AdminPackage {
  const name = '@protectimus-mail/admin';
  try {
    // A plain require, so core's build never needs the admin package and a missing one is a message.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(name) as AdminPackage;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'MODULE_NOT_FOUND' && e.message.includes(`'${name}'`)) {
      throw new UsageError(`import needs the package ${name}, which is not installed: npm install ${name}`);
    }
    throw err;
  }
}

/** Builds the command tree; each action sets `state.code`. */
function buildProgram(io: CliIo, state: { code: number }): Command {
  const program = new Command(NAME);
  program
    .usage('<command> [options]')
    .description('Provision and support protectimus-mail from scripts: tokens, users, resources, the CSV import and the event log, in the Redis your app uses.')
    .version(version(), '-V, --version', 'show the version')
    .helpOption('-h, --help', 'show help for the command')
    .helpCommand('help [command]', 'show help for a command')
    .option('--json', 'print one JSON document on stdout (with events --follow, one JSON object per line)')
    .option('--actor <name>', 'who the audit log records as making the changes (default: cli:$USER)')
    .exitOverride()
    .showHelpAfterError(true)
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
      outputError: (text, write) => write(text.replace(/^error: /, `${NAME}: `)),
    })
    .addHelpText(
      'after',
      `
Environment:
  REDIS_URL           the Redis your app uses (required by every command but secret)
  REDIS_PREFIX        its key prefix, if the app sets one (default pm:)
  PROTECTIMUS_SECRET  the app's server secret (required to create tokens, import and reseal)

Exit codes: 0 done, 1 refused (the error's stable code is printed), 2 wrong usage.
Codes and PINs are never printed.`,
    );

  const action = (cmd: Command, needs: Needs, fn: (run: Run) => Promise<number | void>) => {
    cmd.action(async (...params: unknown[]) => {
      const command = params[params.length - 1] as Command;
      const opts = command.optsWithGlobals<Record<string, unknown>>();
      const json = opts.json === true;
      const print = (human: string, doc: unknown) => io.stdout(json ? `${JSON.stringify(doc, null, 2)}\n` : human);
      const base = { io, json, opts, args: command.processedArgs as (string | undefined)[], command, print };
      if (needs === 'nothing') {
        state.code = (await fn({ ...base, pm: undefined as never, admin: undefined as never })) ?? 0;
        return;
      }
      let pm: Protectimus | undefined;
      try {
        pm = open(io, needs);
        const admin = pm.as(opts.actor === undefined ? defaultActor(io.env) : (opts.actor as string));
        state.code = (await fn({ ...base, pm, admin })) ?? 0;
      } catch (err) {
        if (err instanceof UsageError || err instanceof CommanderError) throw err;
        state.code = refuse(io, json, err);
      } finally {
        await pm?.close().catch(() => undefined);
      }
    });
    return cmd;
  };

  // Tokens
  const tokens = program.command('tokens').description('mail tokens: add, list, block, unblock, remove');
  action(tokenOptions(tokens.command('add').description('add a mail token (Add Token -> Protectimus MAIL)'), true), 'secret', async (run) => {
    const token = await run.admin.tokens.createMail(await tokenInput(run));
    run.print(await tokensTable(run.pm, [token]), token);
  });
  action(listOptions(tokens.command('list').description('list tokens by name'), 'name or address'), 'store', async (run) => {
    const page = await listAll((q) => run.pm.tokens.list(q), run.opts);
    run.print(none('tokens', page) || (await tokensTable(run.pm, page.items)) + more(page), page);
  });
  action(
    tokens
      .command('block')
      .description('block a token: its verified sessions end and its open codes are void')
      .argument('<token>', 'id, name or address')
      .option('--minutes <n>', 'for this long (default: until unblocked)', wholeNumber),
    'store',
    async (run) => {
      const token = await run.admin.tokens.block((await findToken(run.pm, arg(run, 0))).id, blockMinutes(run.opts));
      run.print(await tokensTable(run.pm, [token]), token);
    },
  );
  action(tokens.command('unblock').description('lift a block and reset the failure counts').argument('<token>', 'id, name or address'), 'store', async (run) => {
    const token = await run.admin.tokens.unblock((await findToken(run.pm, arg(run, 0))).id);
    run.print(await tokensTable(run.pm, [token]), token);
  });
  action(tokens.command('remove').description('delete a token with its assignments').argument('<token>', 'id, name or address'), 'store', async (run) => {
    const token = await findToken(run.pm, arg(run, 0));
    await run.admin.tokens.remove(token.id);
    run.print(`removed token ${clean(token.name)} (${token.id})\n`, { removed: token });
  });

  // Users
  const users = program.command('users').description('users: add, list, assign and unassign tokens, block, unblock, remove');
  action(
    users
      .command('add')
      .description('add a user')
      .requiredOption('--login <login>', 'the login the app signs the user in with; unique (required)')
      .option('--email <address>', "the user's address")
      .option('--first-name <name>', 'first name')
      .option('--second-name <name>', 'second name')
      .option('--locale <tag>', "the language of the user's code mail, a BCP 47 tag (uk, de, pt-BR); default: the page's"),
    'store',
    async (run) => {
      const o = run.opts;
      const user = await run.admin.users.create({
        login: o.login as string,
        ...(o.email !== undefined ? { email: o.email as string } : {}),
        ...(o.firstName !== undefined ? { firstName: o.firstName as string } : {}),
        ...(o.secondName !== undefined ? { secondName: o.secondName as string } : {}),
        ...(o.locale !== undefined ? { locale: o.locale as string } : {}),
      });
      run.print(table(USER_COLUMNS, [userRow(user)]), user);
    },
  );
  action(listOptions(users.command('list').description('list users by login'), 'login, address or name'), 'store', async (run) => {
    const page = await listAll((q) => run.pm.users.list(q), run.opts);
    run.print(none('users', page) || table(USER_COLUMNS, page.items.map(userRow)) + more(page), page);
  });
  action(
    tokenOptions(
      users
        .command('assign')
        .description('give the user a token: an unowned one (Assign Token -> Existing), or a new one with --new-token (Assign Token -> New)')
        .argument('<user>', 'id or login')
        .argument('[token]', 'id, name or address of an unowned token')
        .option('--new-token', 'create the token for the user, from the options below'),
      false,
    ),
    'store',
    async (run) => {
      const o = run.opts;
      const tokenRef = run.args[1];
      const newFields = ['name', 'email', 'digits', 'pin', 'pinStdin', 'pinPosition'].filter((k) => o[k] !== undefined);
      if (tokenRef !== undefined && o.newToken) throw new UsageError('give either a token or --new-token, not both', run.command);
      if (tokenRef === undefined && !o.newToken) throw new UsageError('give the token to assign, or --new-token with --name and --email', run.command);
      if (tokenRef !== undefined && newFields.length > 0) throw new UsageError('--name, --email, --digits and the PIN options go with --new-token', run.command);
      if (o.newToken && (o.name === undefined || o.email === undefined)) throw new UsageError('--new-token needs --name and --email', run.command);
      const user = await findUser(run.pm, arg(run, 0));
      let token: MailToken;
      if (o.newToken) {
        // The PIN is sealed with the app's secret: the same rule as `tokens add`.
        if (!run.io.env.PROTECTIMUS_SECRET) throw new UsageError('PROTECTIMUS_SECRET is not set: a new token is sealed with the secret your app uses, so it needs the same one');
        token = await run.admin.users.createAndAssignToken(user.id, await tokenInput(run));
      } else {
        token = await run.admin.users.assignToken(user.id, (await findToken(run.pm, tokenRef ?? '')).id);
      }
      run.print(await tokensTable(run.pm, [token]), token);
    },
  );
  action(
    users.command('unassign').description('take a token from the user; its resource assignments end with it').argument('<user>', 'id or login').argument('<token>', 'id, name or address'),
    'store',
    async (run) => {
      const user = await findUser(run.pm, arg(run, 0));
      const token = await run.admin.users.unassignToken(user.id, (await findToken(run.pm, arg(run, 1))).id);
      run.print(await tokensTable(run.pm, [token]), token);
    },
  );
  action(
    users
      .command('block')
      .description('block a user: their verified sessions end, and stay ended after an unblock')
      .argument('<user>', 'id or login')
      .option('--minutes <n>', 'for this long (default: until unblocked)', wholeNumber),
    'store',
    async (run) => {
      const user = await run.admin.users.block((await findUser(run.pm, arg(run, 0))).id, blockMinutes(run.opts));
      run.print(table(USER_COLUMNS, [userRow(user)]), user);
    },
  );
  action(users.command('unblock').description('lift a block').argument('<user>', 'id or login'), 'store', async (run) => {
    const user = await run.admin.users.unblock((await findUser(run.pm, arg(run, 0))).id);
    run.print(table(USER_COLUMNS, [userRow(user)]), user);
  });
  action(users.command('remove').description('delete a user; their tokens stay, unowned').argument('<user>', 'id or login'), 'store', async (run) => {
    const user = await findUser(run.pm, arg(run, 0));
    await run.admin.users.remove(user.id);
    run.print(`removed user ${clean(user.login)} (${user.id})\n`, { removed: user });
  });

  // Resources
  const resources = program.command('resources').description('resources: add, list, assign and unassign tokens with their users');
  /** The settings `resources add` and `update` share; `update` changes only those given. */
  const resourceSettings = (cmd: Command, adding: boolean): Command =>
    cmd
      .option('--display-name <text>', `what users read in the code page and mail, 1..80 characters${adding ? ' (default: none, the mail says the name)' : '; "none" removes it'}`)
      .option('--lock-after <n>', `consecutive failures that lock a token here, 3..10${adding ? ' (default 5)' : ''}`, wholeNumber)
      .option('--lock-minutes <n>', `how long that lock lasts, 1..10080${adding ? ' (default 5)' : ''}`, wholeNumber)
      .option('--allowed-ips <list>', `addresses or CIDRs allowed in, separated by commas${adding ? ' (default: any)' : '; "" for any'}`)
      .addOption(new Option('--enrollment <mode>', `whether the guard's enroll may create users and tokens here${adding ? ' (default off)' : ''}`).choices(['allowed', 'off']))
      .option('--schedule <text>', `when it may be entered: "<time zone> <days> <HH:MM-HH:MM>, ...; ..." such as "Europe/Kyiv mon-fri 08:00-19:00; sat 10:00-14:00"${adding ? ' (default: any time)' : '; "none" removes it'}`);
  const settingsOf = (o: Record<string, unknown>): UpdateResourceInput => ({
    ...(o.displayName !== undefined ? { displayName: o.displayName === 'none' ? null : (o.displayName as string) } : {}),
    ...(o.lockAfter !== undefined ? { failedAttemptsBeforeLock: o.lockAfter as number } : {}),
    ...(o.lockMinutes !== undefined ? { lockMinutes: o.lockMinutes as number } : {}),
    ...(o.allowedIps !== undefined ? { allowedIps: (o.allowedIps as string).split(/[\s,]+/).filter((ip) => ip !== '') } : {}),
    ...(o.enrollment !== undefined ? { enrollment: o.enrollment as 'allowed' | 'off' } : {}),
    ...(o.schedule !== undefined ? { schedule: parseSchedule(o.schedule as string) } : {}),
  });
  action(
    resourceSettings(resources.command('add').description('add a resource').requiredOption('--name <name>', 'the name the guard is given; unique (required)'), true),
    'store',
    async (run) => {
      const resource = await run.admin.resources.create({ name: run.opts.name as string, ...settingsOf(run.opts) });
      run.print(table(RESOURCE_COLUMNS, [resourceRow(resource)]), resource);
    },
  );
  action(
    resourceSettings(resources.command('update').description("change a resource's settings; those not given stay").argument('<resource>', 'id or name').option('--name <name>', 'a new name'), false),
    'store',
    async (run) => {
      const o = run.opts;
      const resource = await run.admin.resources.update(arg(run, 0), { ...(o.name !== undefined ? { name: o.name as string } : {}), ...settingsOf(o) });
      run.print(table(RESOURCE_COLUMNS, [resourceRow(resource)]), resource);
    },
  );
  action(listOptions(resources.command('list').description('list resources by name'), 'name'), 'store', async (run) => {
    const page = await listAll((q) => run.pm.resources.list(q), run.opts);
    run.print(none('resources', page) || table(RESOURCE_COLUMNS, page.items.map(resourceRow)) + more(page), page);
  });
  action(
    resources
      .command('assign')
      .description("let a token's user authenticate on the resource with it (Assign -> Token with User)")
      .argument('<resource>', 'id or name')
      .argument('<token>', 'id, name or address of a token that has a user'),
    'store',
    async (run) => {
      const view: AssignmentView = await run.admin.resources.assignTokenWithUser(arg(run, 0), (await findToken(run.pm, arg(run, 1))).id);
      const resource = await run.pm.resources.get(view.resourceId);
      run.print(table(['RESOURCE', 'USER', 'TOKEN'], [[resource.name, view.login, view.tokenName]]), view);
    },
  );
  action(
    resources.command('unassign').description("end a token's assignment on the resource").argument('<resource>', 'id or name').argument('<token>', 'id, name or address'),
    'store',
    async (run) => {
      const resource = await run.pm.resources.get(arg(run, 0));
      const token = await findToken(run.pm, arg(run, 1));
      await run.admin.resources.unassign(resource.id, token.id);
      run.print(`unassigned token ${clean(token.name)} on resource ${clean(resource.name)}\n`, { unassigned: { resourceId: resource.id, tokenId: token.id, userId: token.userId } });
    },
  );

  // The CSV import
  action(
    program
      .command('import')
      .description('import users, or resources, from a CSV file, each row whole or not at all (needs @protectimus-mail/admin)')
      .argument('<file>', "the CSV file, or '-' for standard input")
      .addHelpText(
        'after',
        [
          '',
          'Users: login,email,firstName,secondName,resourceName1,tokenName1,resourceName2,tokenName2,...',
          '  (a header line is optional).',
          'Resources: a header line first, resource (or name) then any of display_name,',
          '  failed_attempts_before_lock, lock_minutes, allowed_ips, enrollment, schedule; a missing',
          '  resource is created, an existing',
          '  one updated (empty cells stay). schedule: "Europe/Kyiv mon-fri 08:00-19:00; sat 10:00-14:00",',
          '  or none to remove it.',
          'Refused rows are printed by line on stderr (exit 1).',
        ].join('\n'),
      ),
    'secret',
    async (run) => {
      const admin = loadAdmin();
      const file = arg(run, 0);
      let csv: string;
      try {
        csv = file === '-' ? await readAll(run.io) : await readFile(file, 'utf8');
      } catch (err) {
        throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
      }
      const result = await admin.importCsv(run.admin, csv);
      for (const e of result.errors) run.io.stderr(`${NAME}: line ${e.line}: ${e.error}: ${clean(e.message)}\n`);
      const done =
        result.kind === 'resources'
          ? `imported resources: ${result.created} created, ${result.updated ?? 0} updated`
          : `imported ${result.created} ${result.created === 1 ? 'user' : 'users'}`;
      run.print(`${done}${result.errors.length > 0 ? `; ${result.errors.length} refused` : ''}\n`, result);
      return result.errors.length === 0 ? 0 : 1;
    },
  );

  // The event log
  action(
    program
      .command('events')
      .description('read the audit log, newest first; --follow prints new entries as they are written, until Ctrl-C')
      .option('-f, --follow', 'keep printing new entries, oldest first, until interrupted')
      .option('--user <login>', 'only entries about this login')
      .addOption(new Option('--type <type>', 'only entries of this type').choices(EVENT_TYPES))
      .option('--resource <resource>', 'only entries about this resource (id or name)')
      .option('--token <token>', 'only entries about this token (id, name or address)')
      .option('--limit <n>', 'at most this many, 1..500 (default 50; with --follow, 10 to start with)', wholeNumber)
      .option('--before <id>', 'only entries older than this id (the next page)')
      .option('--interval <seconds>', 'with --follow: how often to look (default 2)', seconds),
    'store',
    async (run) => {
      const o = run.opts;
      const limit = o.limit === undefined ? (o.follow ? 10 : 50) : (o.limit as number);
      if (limit < 1 || limit > 500) throw new ProtectimusError('INVALID_INPUT', 'limit must be 1 to 500', { field: 'limit' });
      const query: EventQuery = { limit };
      if (o.user !== undefined) query.login = o.user as string;
      if (o.type !== undefined) query.type = o.type as EventQuery['type'];
      if (o.before !== undefined) query.before = o.before as string;
      // A removed resource or token keeps its entries: its id still filters them.
      if (o.resource !== undefined) query.resourceId = (await getOrNull(() => run.pm.resources.get(o.resource as string)))?.id ?? (o.resource as string);
      if (o.token !== undefined) query.tokenId = (await getOrNull(() => findToken(run.pm, o.token as string)))?.id ?? (o.token as string);
      if (o.follow) return follow(run, query, ((o.interval as number | undefined) ?? 2) * 1000);
      const page = await run.pm.events.list(query);
      run.print(page.items.length === 0 ? 'no entries\n' : table(EVENT_COLUMNS, page.items.map(eventRow)) + (page.next === null ? '' : `more: add --before ${page.next}\n`), page);
    },
  );

  // The server secret
  action(program.command('secret').description('print a new server secret for PROTECTIMUS_SECRET: 32 random bytes, base64url'), 'nothing', async (run) => {
    const secret = generateSecret();
    run.print(`${secret}\n`, { secret });
  });
  action(
    program
      .command('reseal')
      .description('end a secret rotation: rewrite under the first secret of PROTECTIMUS_SECRET every token still under an older one'),
    'secret',
    async (run) => {
      const r = await run.pm.tokens.reseal();
      const done = r.waiting === 0 && r.unreadable === 0;
      run.print(
        `tokens: ${r.tokens}, re-sealed now: ${r.resealed}, waiting for their PIN: ${r.waiting}, unreadable: ${r.unreadable}\n` +
          (done ? 'Every token is under the first secret: the older ones can be removed from PROTECTIMUS_SECRET.\n' : ''),
        r,
      );
      return r.unreadable === 0 ? 0 : 1;
    },
  );
  return program;
}

async function readAll(io: CliIo): Promise<string> {
  if (!io.stdin) throw new Error('there is no standard input');
  let text = '';
  for await (const chunk of io.stdin) text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
  return text;
}

/**
 * The `protectimus-mail` command line; resolves with the exit code: 0 done, 1 refused (the
 * error's stable code and message on stderr), 2 used wrongly (the reason, and for a command
 * line commander could not read, the command's help, on stderr).
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const state = { code: 0 };
  const program = buildProgram(io, state);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return state.code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof UsageError) {
      const hint = err.helpOf ? `(see '${[NAME, ...commandPath(err.helpOf)].join(' ')} --help')\n` : '';
      io.stderr(`${NAME}: ${clean(err.message)}\n${hint}`);
      return 2;
    }
    return refuse(io, false, err);
  }
}

function commandPath(cmd: Command): string[] {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names;
}

if (require.main === module) {
  const stop = new AbortController();
  const args = process.argv.slice(2);
  // Ctrl-C ends a follow cleanly (exit 0), once; any other command it ends as usual.
  if (args.includes('--follow') || args.includes('-f')) process.once('SIGINT', () => stop.abort());
  // A reader that went away (`| head`) ends the run, not with a stack.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') stop.abort();
  });
  void runCli(args, {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    env: process.env,
    // Read only when a command asks: a stdin made at start could hold the process open.
    get stdin() {
      return process.stdin;
    },
    signal: stop.signal,
  }).then((code) => {
    process.exitCode = code;
  });
}
