/**
 * The zero-config default of docs/design.md ("Configuration"): outside production,
 * `protectimusFromEnv()` with nothing set works at once (a memory store, a random secret and a
 * development mail sink that shows each code on the console and in the dev inbox), with one
 * warning naming what is missing; with NODE_ENV=production it throws naming every missing variable.
 */
import { createProtectimus, devInbox, protectimusFromEnv, type Protectimus } from '../src/protectimus';
import { DevMailSink, devInboxAnswer } from '../src/mail';
import { MemoryStore } from '../src/stores/memory';
import { RedisStore } from '../src/stores/redis';
import { REDIS_URL, SECRET } from './support/protectimus';

const nodeEnv = process.env.NODE_ENV;
afterEach(() => {
  process.env.NODE_ENV = nodeEnv;
  jest.restoreAllMocks();
});

async function seed(pm: Protectimus, resource = 'billing', email = 'alice@example.com'): Promise<void> {
  const user = await pm.users.create({ login: 'alice', email });
  const token = await pm.users.createAndAssignToken(user.id, { name: 'Alice mail', email });
  const res = await pm.resources.create({ name: resource });
  await pm.resources.assignTokenWithUser(res.id, token.id);
}

function sinkInbox(pm: Protectimus): (accept?: string, method?: string) => { status: number; headers: Record<string, string>; body: string } {
  const inbox = devInbox({ protectimus: pm });
  return (accept = 'application/json', method = 'GET') => inbox({ method, accept });
}

describe('protectimusFromEnv() with nothing set, outside production', () => {
  it('works on a memory store and a dev mail sink, with one warning naming each missing variable', async () => {
    const warnings: string[] = [];
    jest.spyOn(process, 'emitWarning').mockImplementation((w) => void warnings.push(String(w)));
    const printed: string[] = [];
    jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void printed.push(args.join(' ')));

    const pm = protectimusFromEnv({});
    try {
      expect(pm.store).toBeInstanceOf(MemoryStore);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/development defaults/);
      expect(warnings[0]).toMatch(/no SMTP_URL: .*console.*protectimusDevInbox\(\)/);
      expect(warnings[0]).toMatch(/no REDIS_URL: a MemoryStore/);
      expect(warnings[0]).toMatch(/no PROTECTIMUS_SECRET: a random secret/);

      await seed(pm);
      const sent = await pm.prepare({ resource: 'billing', login: 'alice' });
      expect(sent.sent).toBe(true);
      // One block on the console: to, subject, the code, the expiry.
      expect(printed).toHaveLength(1);
      const block = printed[0] ?? '';
      const inbox = JSON.parse(sinkInbox(pm)().body) as { mails: { to: string; subject: string; code: string; expiresAt: string; resourceName: string }[] };
      expect(inbox.mails).toHaveLength(1);
      const [mail] = inbox.mails;
      expect(mail).toMatchObject({ to: 'alice@example.com', resourceName: 'billing', code: expect.stringMatching(/^\d{6}$/) });
      expect(block).toContain('to:       alice@example.com');
      expect(block).toContain(`subject:  ${mail?.subject ?? '?'}`);
      expect(block).toContain(`code:     ${mail?.code ?? '?'}`);
      expect(block).toMatch(new RegExp(`expires:  in 5 minutes, at ${mail?.expiresAt ?? '?'}`));
      expect(Math.abs(Date.parse(mail?.expiresAt ?? '') - Date.parse(sent.expiresAt))).toBeLessThan(2000);

      const passed = await pm.authenticate({ resource: 'billing', login: 'alice', otp: mail?.code ?? '' });
      expect(passed.user.login).toBe('alice');

      // Another instance from the same empty environment: no second warning.
      const other = protectimusFromEnv({});
      await other.close();
      expect(warnings).toHaveLength(1);
    } finally {
      await pm.close();
    }
  });

  it('names only what is missing: SMTP_URL set mails through SMTP; REDIS_URL set uses Redis', async () => {
    const warnings: string[] = [];
    jest.spyOn(process, 'emitWarning').mockImplementation((w) => void warnings.push(String(w)));
    const smtpOnly = protectimusFromEnv({ SMTP_URL: 'smtp://127.0.0.1:2525', PROTECTIMUS_SECRET: SECRET });
    expect(warnings.join('\n')).toMatch(/no REDIS_URL/);
    expect(warnings.join('\n')).not.toMatch(/no SMTP_URL|no PROTECTIMUS_SECRET/);
    // No sink behind it: its dev inbox has nothing to show.
    expect(sinkInbox(smtpOnly)().status).toBe(404);
    await smtpOnly.close();

    warnings.length = 0;
    const redisOnly = protectimusFromEnv({ REDIS_URL, REDIS_PREFIX: `pmtest:devmail${process.pid}:`, PROTECTIMUS_SECRET: SECRET });
    expect(redisOnly.store).toBeInstanceOf(RedisStore);
    expect(warnings.join('\n')).toMatch(/no SMTP_URL/);
    expect(warnings.join('\n')).not.toMatch(/no REDIS_URL|no PROTECTIMUS_SECRET/);
    await redisOnly.close();
  });
});

describe('protectimusFromEnv() with NODE_ENV=production', () => {
  it('throws at once naming every missing variable, and never makes a dev sink', () => {
    process.env.NODE_ENV = 'production';
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    let err: unknown;
    try {
      protectimusFromEnv({ NODE_ENV: 'production' });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'INVALID_INPUT', field: 'SMTP_URL,REDIS_URL,PROTECTIMUS_SECRET' });
    expect((err as Error).message).toMatch(/NODE_ENV=production and SMTP_URL, REDIS_URL, PROTECTIMUS_SECRET are not set/);
    expect(() => protectimusFromEnv({ NODE_ENV: 'production', SMTP_URL: 'smtp://127.0.0.1:2525' })).toThrow(/REDIS_URL, PROTECTIMUS_SECRET are not set/);
    expect(() => protectimusFromEnv({ NODE_ENV: 'production', SMTP_URL: 'smtp://127.0.0.1:2525', REDIS_URL })).toThrow(/and PROTECTIMUS_SECRET is not set/);
    expect(() => protectimusFromEnv({ NODE_ENV: 'production', PROTECTIMUS_SECRET: SECRET }, { store: new MemoryStore({ sweepIntervalMs: 0 }) })).toThrow(/and SMTP_URL is not set/);
    expect(log).not.toHaveBeenCalled();
  });

  it('is production when either the env given or the process says so', () => {
    process.env.NODE_ENV = 'production';
    expect(() => protectimusFromEnv({})).toThrow(/SMTP_URL, REDIS_URL, PROTECTIMUS_SECRET are not set/);
  });

  it('refuses the dev sink and the dev inbox', async () => {
    const pm = createProtectimus({ mail: new DevMailSink({ log: false }), secret: SECRET });
    process.env.NODE_ENV = 'production';
    expect(() => new DevMailSink()).toThrow(/refused when NODE_ENV=production/);
    expect(() => devInbox({ protectimus: pm })).toThrow(/refused when NODE_ENV=production/);
    await pm.close();
  });
});

describe('DevMailSink', () => {
  it('delivers nothing and prints nothing once NODE_ENV=production, even when made before', async () => {
    const printed: string[] = [];
    const sink = new DevMailSink({ log: (b) => printed.push(b) });
    process.env.NODE_ENV = 'production';
    await expect(sink.send({ to: 'a@example.com', code: '123456', tokenName: 't', resourceName: 'r', minutesValid: 5 })).rejects.toMatchObject({ code: 'DELIVERY_FAILED' });
    expect(printed).toEqual([]);
    expect(sink.list()).toEqual([]);
  });

  it('keeps the newest mails, and prints no control character of a name to the terminal', async () => {
    const printed: string[] = [];
    const sink = new DevMailSink({ keep: 2, log: (b) => printed.push(b) });
    for (const code of ['111111', '222222', '333333']) {
      await sink.send({ to: 'a@example.com', code, tokenName: 'T', resourceName: 'bill\u001b[31ming', minutesValid: 1 });
    }
    expect(sink.list().map((m) => m.code)).toEqual(['333333', '222222']);
    expect(printed[2]).not.toContain('\u001b');
    expect(printed[2]).toContain('expires:  in 1 minute,');
    await expect(sink.send({ to: 'a@example.com\r\nBcc: x@example.com', code: '1', tokenName: 'T', resourceName: 'r', minutesValid: 1 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(() => new DevMailSink({ keep: 0 })).toThrow(/keep/);
  });
});

describe('the dev inbox', () => {
  it('is a page: newest first, everything escaped, strict CSP, no-store, never framed', async () => {
    const sink = new DevMailSink({ log: false });
    await sink.send({ to: 'a@example.com', code: '111111', tokenName: '<b>T</b>', resourceName: '<script>alert(1)</script>', minutesValid: 5 });
    await sink.send({ to: 'b@example.com', code: '222222', tokenName: 'T2', resourceName: 'second', minutesValid: 5 });
    const answer = devInboxAnswer(sink, { method: 'GET', accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });
    expect(answer.status).toBe(200);
    expect(answer.headers).toMatchObject({
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Frame-Options': 'DENY',
      'X-Content-Type-Options': 'nosniff',
    });
    expect(answer.headers['Content-Security-Policy']).toMatch(/default-src 'none'/);
    expect(answer.headers['Content-Security-Policy']).not.toMatch(/script-src/);
    expect(answer.body).not.toContain('<script>alert');
    expect(answer.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(answer.body).not.toContain('<b>T</b>');
    expect(answer.body.indexOf('222222')).toBeLessThan(answer.body.indexOf('111111'));
    // A browser's default Accept and a bare one get the page; JSON only when asked for.
    expect(devInboxAnswer(sink, { method: 'GET' }).headers['Content-Type']).toMatch(/text\/html/);
    const asJson = devInboxAnswer(sink, { method: 'GET', accept: 'application/json' });
    expect(asJson.headers).toMatchObject({ 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
    expect((JSON.parse(asJson.body) as { mails: { code: string }[] }).mails.map((m) => m.code)).toEqual(['222222', '111111']);
  });

  it('says so when empty, takes only GET and HEAD, and answers 404 in production', () => {
    const sink = new DevMailSink({ log: false });
    expect(devInboxAnswer(sink, { method: 'GET' }).body).toContain('No mail yet');
    expect(devInboxAnswer(sink, { method: 'HEAD' }).status).toBe(200);
    const post = devInboxAnswer(sink, { method: 'POST', accept: 'application/json' });
    expect(post).toMatchObject({ status: 405, body: '{"error":"method_not_allowed"}' });
    expect(post.headers.Allow).toBe('GET, HEAD');
    process.env.NODE_ENV = 'production';
    expect(devInboxAnswer(sink, { method: 'GET', accept: 'application/json' })).toMatchObject({ status: 404, body: '{"error":"not_found"}' });
    expect(devInboxAnswer(sink, { method: 'GET' }).body).not.toContain('No mail yet');
  });
});
