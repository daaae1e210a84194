/**
 * Two app processes on one Redis, as behind a load balancer: separate Node processes (each with
 * its own instance, Redis connection and memory sessions) built from the environment, one on
 * Express and one on Koa. A code mailed by one is accepted by the other, once; the same right code
 * posted to both at the same moment passes exactly one request, whichever process gets there first.
 */
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { createProtectimus, type Protectimus } from '../../packages/core/src/protectimus';
import { RedisStore } from '../../packages/core/src/stores/redis';
import { REDIS_URL, redisFixture } from '../../packages/core/test/support/redis';
import { startSmtp, type TestSmtp } from '../../packages/core/test/support/smtp';
import { startAppProcess, type AppProcess } from '../support/app-process';

jest.setTimeout(60_000);

const SECRET = `two-process-secret-${randomBytes(8).toString('hex')}`;
const fx = redisFixture();
let smtp: TestSmtp;
let admin: Protectimus;
let apps: AppProcess[] = [];

beforeAll(async () => {
  smtp = await startSmtp();
  const env = { REDIS_URL, REDIS_PREFIX: fx.prefix, SMTP_URL: smtp.url, PROTECTIMUS_SECRET: SECRET, MAIL_FROM: 'Security <no-reply@example.com>' };
  apps = await Promise.all([
    startAppProcess('guard-app-process.ts', { ...env, GUARD_ADAPTER: 'express' }),
    startAppProcess('guard-app-process.ts', { ...env, GUARD_ADAPTER: 'koa' }),
  ]);
  // The administrator's side, in this process, on the same Redis and secret.
  admin = createProtectimus({ store: new RedisStore({ client: fx.client(), prefix: fx.prefix }), mail: { send: async () => undefined }, secret: SECRET });
  const area = await admin.resources.create({ name: 'area' });
  for (const login of ['alice', 'bob']) {
    const token = await admin.tokens.createMail({ name: `${login} mail`, email: `${login}@example.com`, otpLength: 6 });
    const user = await admin.users.create({ login, email: `${login}@example.com` });
    await admin.users.assignToken(user.id, token.id);
    await admin.resources.assignTokenWithUser(area.id, token.id);
  }
});

afterAll(async () => {
  await Promise.all(apps.map((a) => a.stop()));
  await admin?.close();
  await smtp?.close();
  await fx.cleanup();
});

async function session(app: AppProcess, login: string) {
  const agent = request.agent(app.url);
  await agent.post('/login').send({ login }).expect(200);
  return agent;
}

it('runs two separate processes, one per adapter', async () => {
  expect(apps).toHaveLength(2);
  expect(apps[0]!.pid).not.toBe(apps[1]!.pid);
  expect(apps.every((a) => a.pid !== process.pid)).toBe(true);
  const stats = await Promise.all(apps.map(async (app) => (await request(app.url).get('/stats').expect(200)).body as { pid: number; adapter: string }));
  expect(stats.map((s) => s.adapter)).toEqual(['express', 'koa']);
  expect(stats.map((s) => s.pid)).toEqual(apps.map((a) => a.pid));
});

it('accepts a code mailed by one process on the other, once', async () => {
  const [a, b] = apps as [AppProcess, AppProcess];
  const onA = await session(a, 'alice');
  const asked = await onA.get('/area').set('Accept', 'application/json').expect(401);
  expect(asked.body).toMatchObject({ error: 'otp_required', otpLength: 6 });
  const code = smtp.codeFrom(await smtp.waitForMail('alice@example.com'));

  // B never mailed anything, and its sessions know nothing of A's: the challenge is in Redis.
  const onB = await session(b, 'alice');
  const reload = await onB.get('/area').set('Accept', 'application/json').expect(401);
  expect(reload.body.expiresAt).toBe(asked.body.expiresAt);
  await onB.post('/area/_otp/verify').send({ otp: code }).expect(200);
  await onB.get('/area').expect(200);
  expect(smtp.messages).toHaveLength(1);

  // Once: neither process accepts it again, in any session.
  for (const agent of [onA, await session(a, 'alice'), await session(b, 'alice')]) {
    const again = await agent.post('/area/_otp/verify').send({ otp: code });
    expect(again.status).toBe(401);
    expect(again.body).toEqual({ error: 'otp_expired' });
  }
  // The used code is gone, so asking again mails a new one.
  await onA.get('/area').set('Accept', 'application/json').expect(401);
  expect(smtp.codeFrom(await smtp.waitForMail('alice@example.com'))).not.toBe(code);
});

it('passes exactly one of the same right code posted to both processes at once, round after round', async () => {
  const [a, b] = apps as [AppProcess, AppProcess];
  for (let round = 0; round < 12; round++) {
    const asker = await session(round % 2 ? a : b, 'bob');
    await asker.get('/area').set('Accept', 'application/json').expect(401);
    const code = smtp.codeFrom(await smtp.waitForMail('bob@example.com'));
    // Four sessions on each process, all posting the right code together.
    const agents = await Promise.all(Array.from({ length: 8 }, (_, i) => session(i % 2 ? a : b, 'bob')));
    const answers = await Promise.all(agents.map((agent) => agent.post('/area/_otp/verify').send({ otp: code })));
    const ok = answers.map((r, i) => ({ r, i })).filter(({ r }) => r.status === 200);
    expect(ok).toHaveLength(1);
    for (const r of answers) if (r.status !== 200) expect(r.body).toEqual({ error: 'otp_expired' });
    // Only the winning session is in.
    for (const [i, agent] of agents.entries()) {
      const page = await agent.get('/area').set('Accept', 'application/json');
      expect(page.status).toBe(i === ok[0]!.i ? 200 : 401);
    }
  }
  const stats = await Promise.all(apps.map(async (app) => (await request(app.url).get('/stats').expect(200)).body as { passes: number; errors: number }));
  // 1 pass from the first test, 12 here, counted by the two processes together; no unexpected errors.
  expect(stats.reduce((sum, s) => sum + s.passes, 0)).toBe(1 + 12);
  expect(stats.every((s) => s.errors === 0)).toBe(true);
  // Both processes wrote to the one audit log.
  const verified = await admin.events.list({ type: 'otp.verified', limit: 100 });
  expect(verified.items).toHaveLength(13);
});
