/**
 * `protectimusMail()` with nothing configured, outside production, on Koa: the guard builds the
 * shared default when it is created (a memory store, a random secret, the development mail sink),
 * warns once, and the whole journey works with the code read from `protectimusDevInbox()`.
 */
import { defaultProtectimus, protectimusDevInbox } from '../src';
import { agentOf, signIn } from '../../../test/conformance/harness';
import { koaApp } from '../../../test/conformance/harness/koa';

const KEYS = ['REDIS_URL', 'REDIS_PREFIX', 'SMTP_URL', 'MAIL_FROM', 'PROTECTIMUS_SECRET'] as const;
const saved = Object.fromEntries(KEYS.map((k) => [k, process.env[k]]));
beforeAll(() => {
  for (const k of KEYS) delete process.env[k];
});
afterAll(async () => {
  await defaultProtectimus().close();
  for (const k of KEYS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

it('guards with the development default: one warning at creation, the code shown on the console and in the dev inbox', async () => {
  const warnings: string[] = [];
  const warn = jest.spyOn(process, 'emitWarning').mockImplementation((w) => void warnings.push(String(w)));
  const printed: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void printed.push(args.join(' ')));
  try {
    const app = koaApp({ guard: { resource: 'billing' } });
    app.use(protectimusDevInbox());
    expect(warnings).toEqual([expect.stringMatching(/no SMTP_URL: .*no REDIS_URL: .*no PROTECTIMUS_SECRET/)]);

    const pm = defaultProtectimus();
    const user = await pm.users.create({ login: 'dev-user', email: 'dev@example.com' });
    const token = await pm.users.createAndAssignToken(user.id, { name: 'Dev mail', email: 'dev@example.com' });
    const resource = await pm.resources.create({ name: 'billing' });
    await pm.resources.assignTokenWithUser(resource.id, token.id);

    const agent = agentOf(app.callback());
    await signIn(agent, 'dev-user');
    const asked = await agent.get('/billing/invoices').set('Accept', 'application/json').expect(401);
    expect(asked.body).toMatchObject({ error: 'otp_required', resource: 'billing' });
    const inbox = await agent.get('/dev/inbox').set('Accept', 'application/json').expect(200);
    const [mail] = (inbox.body as { mails: { to: string; code: string }[] }).mails;
    expect(mail?.to).toBe('dev@example.com');
    const code = mail?.code ?? '';
    expect(printed).toEqual([expect.stringContaining(`code:     ${code}`)]);
    const page = await agent.get('/dev/inbox').set('Accept', 'text/html').expect(200);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(page.text).toContain(code);
    await agent.post('/dev/inbox').set('Accept', 'application/json').expect(405);

    await agent.post('/billing/_otp/verify').send({ otp: code }).expect(200);
    await agent.get('/billing/invoices').expect(200);
  } finally {
    warn.mockRestore();
    log.mockRestore();
  }
});

it('is refused in production: the dev inbox cannot be created', () => {
  const env = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    expect(() => protectimusDevInbox()).toThrow(/refused when NODE_ENV=production/);
  } finally {
    process.env.NODE_ENV = env;
  }
});
