import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { CodeMail } from '../src/mail';
import { guardRunner } from '../src/guard/runner';
import { applyGrant } from '../src/guard/session';
import { createProtectimus, type Protectimus, type ProtectimusOptions } from '../src/protectimus';
import { RedisStore, type RedisStoreOptions } from '../src/stores/redis';
import { guardRequest } from './support/guard-request';
import { seedUser, SECRET } from './support/protectimus';
import { redisFixture } from './support/redis';
import { refusal } from './support/refusal';

// Two app processes on one Redis, each with its own RedisStore (and so its own directory cache):
// what one changes in the directory must reach the other within `maxStaleMs`, and at once here.

const fx = Object.assign(redisFixture(), {
  /** The connection a store was built on. */
  clientOf: (store: RedisStore) => (store as unknown as { client: Redis }).client,
});
afterAll(() => fx.cleanup());

interface Node {
  pm: Protectimus;
  store: RedisStore;
  mails: CodeMail[];
}

function node(prefix: string, cache: RedisStoreOptions['directoryCache'], options: Partial<ProtectimusOptions> = {}): Node {
  const mails: CodeMail[] = [];
  const store = new RedisStore({ client: fx.client(), prefix, directoryCache: cache });
  const pm = createProtectimus({ store, secret: SECRET, mail: { send: async (m: CodeMail) => void mails.push(m) }, ...options });
  return { pm, store, mails };
}

/**
 * Commands the node's own connection sent while `fn` ran, by name; a directory read is `resolve`,
 * the audit log's write `audit` (it goes out up to 10 ms after a decision, so it may or may not
 * fall in the window).
 */
async function sentDuring(x: Node, fn: () => Promise<unknown>): Promise<string[]> {
  const client = fx.clientOf(x.store);
  // Let the audit write of what came before go out first.
  await x.pm.events.list({ limit: 1 });
  const sent: string[] = [];
  const original = client.sendCommand.bind(client);
  client.sendCommand = (command, stream) => {
    const key = String(command.args[2]);
    sent.push(key.includes('{ev}') ? 'audit' : key.includes('{d}') && command.name === 'evalsha' ? 'resolve' : command.name);
    return original(command, stream);
  };
  try {
    await fn();
  } finally {
    client.sendCommand = original;
  }
  return sent;
}

let stores = 0;
const freshPrefix = () => `${fx.prefix}dc${++stores}:`;

it('an answer it knows costs one script: prepare reusing the open code, and authenticate', async () => {
  const prefix = freshPrefix();
  const a = node(prefix, { maxStaleMs: 60_000 });
  const s = await seedUser(a.pm);
  await a.pm.prepare({ resource: s.resource.name, login: s.login });
  const code = a.mails[0]!.code;
  const decisions = (sent: string[]) => sent.filter((name) => name !== 'audit');
  expect(decisions(await sentDuring(a, () => a.pm.prepare({ resource: s.resource.name, login: s.login })))).toEqual(['evalsha']);
  expect(decisions(await sentDuring(a, () => a.pm.authenticate({ resource: s.resource.name, login: s.login, otp: code })))).toEqual(['evalsha']);
  // The code was used: a new one is reserved, its hash stored in the same step (this process knows
  // the token's counter). Its audit entry waits a little, out of the call's way; a read of the log
  // (one script over both audit streams) sends it first, so it reads it.
  const sent = await sentDuring(a, async () => {
    await a.pm.prepare({ resource: s.resource.name, login: s.login });
    const { items } = await a.pm.events.list({ limit: 1 });
    expect(items[0]).toMatchObject({ type: 'otp.sent', login: s.login });
  });
  expect(sent).toEqual(['evalsha', 'audit', 'audit']);
  // Another store on the same data, without the cache: the directory is read every time.
  const cold = node(prefix, false);
  await fx.clientOf(cold.store).ping();
  expect(decisions(await sentDuring(cold, () => cold.pm.prepare({ resource: s.resource.name, login: s.login })))).toEqual(['resolve', 'evalsha']);
});

it("another process's admin change is seen within maxStaleMs; this process's own at once", async () => {
  const prefix = freshPrefix();
  const a = node(prefix, { maxStaleMs: 300 });
  const b = node(prefix, { maxStaleMs: 300 });
  const s = await seedUser(a.pm);
  const ask = (x: Node) => x.pm.prepare({ resource: s.resource.name, login: s.login });
  await ask(a);
  await ask(b);

  // B blocks the user. B refuses at once; A within maxStaleMs, with no call in between needed.
  await b.pm.users.block(s.user.id);
  expect(await refusal(ask(b))).toMatchObject({ code: 'BLOCKED' });
  await sleep(350);
  expect(await refusal(ask(a))).toMatchObject({ code: 'BLOCKED' });

  // A lifts it: A passes at once, B (which cached the blocked user) within maxStaleMs.
  await a.pm.users.unblock(s.user.id);
  await expect(ask(a)).resolves.toMatchObject({ tokenId: s.token.id });
  await sleep(350);
  await expect(ask(b)).resolves.toMatchObject({ tokenId: s.token.id });
});

it('keeps serving a busy process from the cache, checking the version in the background, and still sees a change in time', async () => {
  const prefix = freshPrefix();
  // A hundred calls a second for one token: far past the per-token limit, which is not what this
  // is about.
  const a = node(prefix, { maxStaleMs: 200 }, { otp: { maxPreparesPerMinute: 100_000 } });
  const b = node(prefix, { maxStaleMs: 200 });
  const s = await seedUser(a.pm);
  const ask = () => a.pm.prepare({ resource: s.resource.name, login: s.login });
  await ask();
  // Half a second of steady calls, more than twice maxStaleMs: the answer never has to be read
  // again, since background checks keep confirming the version.
  const directoryReads = (sent: string[]) => sent.filter((name) => name === 'resolve').length;
  const busy = await sentDuring(a, async () => {
    const started = Date.now();
    while (Date.now() - started < 500) {
      await ask();
      await sleep(5);
    }
  });
  expect(directoryReads(busy)).toBe(0);
  expect(busy).toContain('get');

  await b.pm.users.block(s.user.id);
  const changedAt = Date.now();
  let refusedAt = 0;
  while (Date.now() - changedAt < 3000 && refusedAt === 0) {
    const outcome = await ask().then(
      () => 'passed',
      (err: { code?: string }) => err.code,
    );
    if (outcome === 'BLOCKED') refusedAt = Date.now();
    else expect(outcome).toBe('passed');
    await sleep(5);
  }
  // Within maxStaleMs, give or take one call on a loaded machine.
  expect(refusedAt).toBeGreaterThan(0);
  expect(refusedAt - changedAt).toBeLessThan(700);
});

it('with directoryCache false, every call reads the directory: a change elsewhere applies at once', async () => {
  const prefix = freshPrefix();
  const a = node(prefix, false);
  const b = node(prefix, false);
  const s = await seedUser(a.pm);
  await a.pm.prepare({ resource: s.resource.name, login: s.login });
  await b.pm.users.block(s.user.id);
  expect(await refusal(a.pm.prepare({ resource: s.resource.name, login: s.login }))).toMatchObject({ code: 'BLOCKED' });
});

it('a PIN changed elsewhere voids the open code at once, and is the only one accepted once maxStaleMs has passed', async () => {
  const prefix = freshPrefix();
  const a = node(prefix, { maxStaleMs: 200 });
  const b = node(prefix, { maxStaleMs: 200 });
  const s = await seedUser(a.pm, { pin: '1111', pinPosition: 'before' });
  await a.pm.prepare({ resource: s.resource.name, login: s.login });
  const code = a.mails[0]!.code;
  await b.pm.tokens.update(s.token.id, { pin: '2222' });
  // The code was mailed for the token as it was: gone, with either PIN.
  expect(await refusal(a.pm.authenticate({ resource: s.resource.name, login: s.login, otp: `2222${code}` }))).toMatchObject({ code: 'OTP_EXPIRED' });
  await sleep(250);
  await a.pm.prepare({ resource: s.resource.name, login: s.login });
  const next = a.mails[1]!.code;
  expect(await refusal(a.pm.authenticate({ resource: s.resource.name, login: s.login, otp: `1111${next}` }))).toMatchObject({ code: 'INVALID_OTP' });
  await expect(a.pm.authenticate({ resource: s.resource.name, login: s.login, otp: `2222${next}` })).resolves.toMatchObject({ user: { login: s.login } });
});

it('a code a stale process mailed to the address the admin just changed is refused once the change is seen', async () => {
  const prefix = freshPrefix();
  const a = node(prefix, { maxStaleMs: 60_000 });
  const b = node(prefix, { maxStaleMs: 60_000 });
  const s = await seedUser(a.pm);
  // A knows the token as it is now, and will not look again for a minute.
  await a.pm.prepare({ resource: s.resource.name, login: s.login });
  await b.pm.tokens.update(s.token.id, { email: 'moved@example.com' });
  // The change voided the open code; A, still stale, mails a new one to the old address.
  await a.pm.prepare({ resource: s.resource.name, login: s.login });
  expect(a.mails.map((m) => m.to)).toEqual([s.email, s.email]);
  const stale = a.mails[1]!.code;
  // B has seen the change: the code was made for the token as it was, and matches nothing.
  expect(await refusal(b.pm.authenticate({ resource: s.resource.name, login: s.login, otp: stale }))).toMatchObject({ code: 'INVALID_OTP' });
});

describe('the guard on a RedisStore', () => {
  it('passes a verified session synchronously, with no command, while the directory answer is cached', async () => {
    const prefix = freshPrefix();
    const a = node(prefix, { maxStaleMs: 60_000 });
    const s = await seedUser(a.pm);
    const session: Record<string, unknown> = {};
    await a.pm.prepare({ resource: s.resource.name, login: s.login });
    const result = await a.pm.authenticate({ resource: s.resource.name, login: s.login, otp: a.mails[0]!.code });
    applyGrant(session, { resource: s.resource.name, login: s.login, until: Date.now() + 60_000, stamp: result.stamp });
    const run = runOver(a, s.resource.name);
    const req = { session, login: s.login, url: '/invoices' };

    let answers: unknown[] = [];
    const sent = await sentDuring(a, async () => {
      answers = [run.passes(req), run.passes(req), run.passes(req)];
    });
    expect(answers).toEqual([true, true, true]);
    expect(sent).toEqual([]);
  });

  it('with no fresh answer, the fast path declines without a command and the full run reads the directory once', async () => {
    const prefix = freshPrefix();
    const a = node(prefix, { maxStaleMs: 100 });
    const s = await seedUser(a.pm);
    const session: Record<string, unknown> = {};
    await a.pm.prepare({ resource: s.resource.name, login: s.login });
    const result = await a.pm.authenticate({ resource: s.resource.name, login: s.login, otp: a.mails[0]!.code });
    applyGrant(session, { resource: s.resource.name, login: s.login, until: Date.now() + 60_000, stamp: result.stamp });
    const run = runOver(a, s.resource.name);
    const req = { session, login: s.login, url: '/invoices' };
    await sleep(150);

    let quick: boolean | undefined;
    expect(await sentDuring(a, async () => void (quick = run.passes(req)))).toEqual([]);
    expect(quick).toBe(false);
    const sent = await sentDuring(a, async () => expect(await run(req)).toEqual({ action: 'next' }));
    expect(sent).toEqual(['resolve']);
    // Read, the answer is cached again: the next request passes at once.
    expect(run.passes(req)).toBe(true);
  });

  it("another process's admin change ends a verified session within maxStaleMs, fast path included", async () => {
    const prefix = freshPrefix();
    const a = node(prefix, { maxStaleMs: 200 });
    const b = node(prefix, { maxStaleMs: 200 });
    const s = await seedUser(a.pm);
    const session: Record<string, unknown> = {};
    await a.pm.prepare({ resource: s.resource.name, login: s.login });
    const result = await a.pm.authenticate({ resource: s.resource.name, login: s.login, otp: a.mails[0]!.code });
    applyGrant(session, { resource: s.resource.name, login: s.login, until: Date.now() + 60_000, stamp: result.stamp });
    const run = runOver(a, s.resource.name);
    const req = { session, login: s.login, url: '/invoices' };
    const page = async () => (run.passes(req) ? 'passed' : ((await run(req)) as { action: string; status?: number }).status ?? 'passed');
    expect(await page()).toBe('passed');

    await b.pm.tokens.block(s.token.id);
    const changedAt = Date.now();
    let outcome: string | number = 'passed';
    while (outcome === 'passed' && Date.now() - changedAt < 3000) {
      outcome = await page();
      await sleep(5);
    }
    expect(outcome).toBe(403);
    expect(Date.now() - changedAt).toBeLessThan(700);
    // Ended, not suspended: unblocked, the session asks for a code again.
    await b.pm.tokens.unblock(s.token.id);
    await sleep(250);
    expect(await page()).toBe(401);
  });
});

/** The guard's runner over `x` for `resource`, for requests of a bare shape. */
function runOver(x: Node, resource: string) {
  return guardRunner<{ session: Record<string, unknown>; login: string; url: string }>(
    { protectimus: x.pm, resource },
    {
      noSession: 'no session',
      session: (r) => r.session,
      login: (r) => r.login,
      url: (r) => r.url,
      request: (r, session, login) => guardRequest({ session, login, path: r.url, originalUrl: r.url, mountPath: '' }),
      grant: async (_r, session, grant) => applyGrant(session, grant),
    },
  );
}

it('fails closed when Redis cannot be reached, cached answer or not', async () => {
  const prefix = freshPrefix();
  const a = node(prefix, { maxStaleMs: 60_000 });
  const s = await seedUser(a.pm);
  await a.pm.prepare({ resource: s.resource.name, login: s.login });
  const code = a.mails[0]!.code;
  // The answer is cached; the token's state is not, and the store's connection is gone.
  fx.clientOf(a.store).disconnect();
  expect(await refusal(a.pm.authenticate({ resource: s.resource.name, login: s.login, otp: code }))).toMatchObject({ code: 'STORE_UNAVAILABLE' });
});
