/**
 * The app developer's first hour, from the packed tarballs in a scratch app outside the workspace,
 * on Express + Passport, on Koa + koa-passport and on Fastify + @fastify/passport (passport-local, in-memory users with an email),
 * each app a file of test/packaging/first-hour/ type-checked under TypeScript strict and run as a
 * child process with no environment at all:
 * - `app.use(protectimusMail())`, no options: the guard on 'default' over the development default,
 *   the code read from the dev inbox and the console; with NODE_ENV=production it stops at start.
 * - `app.use(protectimusMail({ enroll: true }))`: two users with no token are enrolled at their
 *   addresses and pass with the code mailed there; the admin's token list shows them confirmed.
 * - `ProtectimusMailStrategy` after passport-local: no code asks for one, the code signs in the
 *   second step keeping the app's user, and the guard on the same resource then asks nothing.
 */
import { copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { exitOf, freePort, scratchApp, until, type Run } from './scratch';

const FIXTURES = join(__dirname, 'first-hour');
const FRAMEWORKS = ['express', 'koa', 'fastify'] as const;
const APPS = ['zero', 'enroll', 'strategy'] as const;

const app = scratchApp('pm-first-hour-', [
  ...['express', 'express-session', 'passport', 'passport-local'],
  ...['koa', 'koa-session', 'koa-passport', '@koa/router', '@koa/bodyparser'],
  ...['fastify', '@fastify/cookie', '@fastify/session', '@fastify/passport'],
  ...['@types/node', '@types/express', '@types/express-session', '@types/passport', '@types/passport-local', '@types/koa', '@types/koa-passport'],
]);

beforeAll(() => {
  app.prepare();
  for (const file of readdirSync(FIXTURES)) copyFileSync(join(FIXTURES, file), join(app.dir, file));
}, 240_000);

afterAll(() => app.cleanup());

interface Mail {
  to: string;
  code: string;
}

/** A running app: its process and a cookie jar per user. */
interface Started {
  proc: Run;
  agent: () => ReturnType<typeof request.agent>;
  stop: () => Promise<void>;
}

async function start(file: string): Promise<Started> {
  const port = await freePort();
  const proc = app.run(file, { PORT: String(port) });
  const stop = async (): Promise<void> => {
    if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill();
    await proc.exited;
  };
  try {
    await until(`${file} to listen`, () => proc.out().includes(`listening on ${port}`), proc.exited);
  } catch (err) {
    await stop();
    throw new Error(`${String(err)}\nstdout: ${proc.out()}\nstderr: ${proc.err()}`, { cause: err });
  }
  return { proc, agent: () => request.agent(`http://127.0.0.1:${port}`), stop };
}

async function inbox(s: Started): Promise<Mail[]> {
  const res = await s.agent().get('/dev/inbox').set('Accept', 'application/json').expect(200);
  return (res.body as { mails: Mail[] }).mails;
}

/** The newest code mailed to `to`, as the dev inbox shows it. */
async function codeFor(s: Started, to: string): Promise<string> {
  const mail = (await inbox(s)).find((m) => m.to === to);
  expect(mail?.code).toMatch(/^\d{6}$/);
  return mail?.code ?? '';
}

/** What the app wrote on stderr besides the development default's one warning: errors the guard reported. */
function unexpected(err: string): string[] {
  return err.split('\n').filter((line) => line !== '' && !/ProtectimusWarning|node --trace-warnings/.test(line));
}

function wrongCode(code: string): string {
  return `${code.slice(0, -1)}${(Number(code.slice(-1)) + 1) % 10}`;
}

async function signIn(s: Started, username: string): Promise<ReturnType<typeof request.agent>> {
  const agent = s.agent();
  await agent.post('/login').send({ username, password: `${username}-password` }).expect(200);
  return agent;
}

describe.each(FRAMEWORKS)('%s: the first hour with the packed packages', (framework) => {
  const compiled = (name: (typeof APPS)[number]) => join('out', framework, `${framework}-${name}.js`);

  it('type-checks under TypeScript strict with the packages a Passport app installs', () => {
    app.compile(framework, ['users.ts', ...APPS.map((name) => `${framework}-${name}.ts`)]);
  }, 120_000);

  it('app.use(protectimusMail()) with no env: one warning, 401 otp_required on "default", the code from the dev inbox and the console, then the page', async () => {
    const s = await start(compiled('zero'));
    try {
      expect(s.proc.err().match(/ProtectimusWarning/g)).toHaveLength(1);
      expect(s.proc.err()).toMatch(/no SMTP_URL: .*no REDIS_URL: a MemoryStore.*no PROTECTIMUS_SECRET: a random secret/);

      expect((await s.agent().get('/account').set('Accept', 'application/json').expect(401)).body).toEqual({ error: 'unauthenticated' });
      const alice = await signIn(s, 'alice');
      const asked = await alice.get('/account').set('Accept', 'application/json').expect(401);
      expect(asked.body).toMatchObject({ error: 'otp_required', resource: 'default', sentTo: 'a***e@example.com', otpLength: 6, verifyUrl: '/_otp/verify' });
      const code = await codeFor(s, 'alice@example.com');
      await until('the console block', () => s.proc.out().includes(`code:     ${code}`), s.proc.exited);
      expect(s.proc.out()).toContain('to:       alice@example.com');

      expect((await alice.post('/_otp/verify').send({ otp: code }).expect(200)).body).toMatchObject({ ok: true, resource: 'default' });
      expect((await alice.get('/account').expect(200)).body).toEqual({ page: 'account', user: { username: 'alice', plan: 'gold' } });

      // Without `enroll`, a user the administrator gave no token is refused, and nothing is mailed.
      const bob = await signIn(s, 'bob');
      expect((await bob.get('/account').set('Accept', 'application/json').expect(403)).body).toEqual({ error: 'not_assigned' });
      expect((await inbox(s)).map((m) => m.to)).toEqual(['alice@example.com']);
      expect(unexpected(s.proc.err())).toEqual([]);
    } finally {
      await s.stop();
    }
  }, 60_000);

  it('app.use(protectimusMail({ enroll: true })): each user is enrolled at their address, passes with the code, and the admin sees the token confirmed', async () => {
    const s = await start(compiled('enroll'));
    try {
      const alice = await signIn(s, 'alice');
      const asked = await alice.get('/account').set('Accept', 'application/json').expect(401);
      expect(asked.body).toMatchObject({ error: 'otp_required', resource: 'default', sentTo: 'a***e@example.com' });
      const aliceCode = await codeFor(s, 'alice@example.com');
      await alice.post('/_otp/verify').send({ otp: aliceCode }).expect(200);
      expect((await alice.get('/account').expect(200)).body).toEqual({ page: 'account', user: { username: 'alice', plan: 'gold' } });
      const afterAlice = (await alice.get('/tokens').expect(200)).body as { email: string; userId: string | null; confirmed: boolean }[];
      expect(afterAlice).toEqual([{ email: 'alice@example.com', userId: expect.any(String), confirmed: true }]);

      const bob = await signIn(s, 'bob');
      expect((await bob.get('/account').set('Accept', 'application/json').expect(401)).body).toMatchObject({ error: 'otp_required', sentTo: 'b***@example.com' });
      // Pending until bob's first right code; a wrong one confirms nothing.
      const pending = (await alice.get('/tokens').expect(200)).body as { email: string; confirmed: boolean }[];
      expect(pending.find((t) => t.email === 'bob@example.com')).toMatchObject({ confirmed: false });
      const bobCode = await codeFor(s, 'bob@example.com');
      expect((await bob.post('/_otp/verify').send({ otp: wrongCode(bobCode) }).expect(401)).body).toMatchObject({ error: 'invalid_otp' });
      await bob.get('/account').set('Accept', 'application/json').expect(401);
      await bob.post('/_otp/verify').send({ otp: bobCode }).expect(200);
      expect((await bob.get('/account').expect(200)).body).toEqual({ page: 'account', user: { username: 'bob', plan: 'free' } });

      const tokens = (await alice.get('/tokens').expect(200)).body as { email: string; userId: string | null; confirmed: boolean }[];
      expect([...tokens].sort((a, b) => a.email.localeCompare(b.email))).toEqual([
        { email: 'alice@example.com', userId: afterAlice[0]?.userId, confirmed: true },
        { email: 'bob@example.com', userId: expect.any(String), confirmed: true },
      ]);
      expect(new Set(tokens.map((t) => t.userId)).size).toBe(2);
      // One code each: the guard's reloads reused the open code.
      expect((await inbox(s)).map((m) => m.to).sort()).toEqual(['alice@example.com', 'bob@example.com']);
      expect(unexpected(s.proc.err())).toEqual([]);
    } finally {
      await s.stop();
    }
  }, 60_000);

  it('ProtectimusMailStrategy after passport-local: no code asks for one, the code keeps the app user, and the guard on the resource then asks nothing', async () => {
    const s = await start(compiled('strategy'));
    try {
      expect((await s.agent().post('/login/otp').send({}).expect(401)).body).toEqual({ error: 'unauthenticated' });

      const alice = await signIn(s, 'alice');
      const asked = await alice.post('/login/otp').send({}).expect(401);
      expect(asked.body).toMatchObject({ error: 'otp_required', resource: 'billing', sentTo: 'a***e@example.com', otpLength: 6, pin: null });
      const code = await codeFor(s, 'alice@example.com');
      // Asking again reuses the open code.
      await alice.post('/login/otp').send({}).expect(401);
      expect((await inbox(s)).map((m) => m.to)).toEqual(['alice@example.com']);

      expect((await alice.post('/login/otp').send({ otp: wrongCode(code) }).expect(401)).body).toMatchObject({ error: 'invalid_otp', attemptsLeft: expect.any(Number) });
      expect((await alice.post('/login/otp').send({ otp: code }).expect(200)).body).toEqual({ ok: true, user: { username: 'alice', plan: 'gold' } });

      const page = await alice.get('/billing/invoices').set('Accept', 'application/json').expect(200);
      expect(page.body).toEqual({ page: 'invoices', user: { username: 'alice', plan: 'gold' } });
      expect(await inbox(s)).toHaveLength(1);
      expect(unexpected(s.proc.err())).toEqual([]);
    } finally {
      await s.stop();
    }
  }, 60_000);

  it.each(APPS)('%s app: with NODE_ENV=production and nothing set, stops at start naming every missing variable', async (name) => {
    const port = await freePort();
    const proc = app.run(compiled(name), { PORT: String(port), NODE_ENV: 'production' });
    const code = await exitOf(proc);
    expect(code).not.toBe('still running');
    expect(code).not.toBe(0);
    expect(proc.err()).toMatch(/NODE_ENV=production and SMTP_URL, REDIS_URL, PROTECTIMUS_SECRET are not set/);
    expect(proc.out()).not.toMatch(/listening on/);
  }, 30_000);
});
