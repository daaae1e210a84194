/**
 * The Quick starts as written: the code block under "Quick start" in README.md (Express), in
 * packages/koa/README.md and in packages/fastify/README.md, copied into an app of its own outside the workspace that has the packed
 * tarballs and the packages the README says to install; type-checked under TypeScript strict, run
 * with no environment at all, and walked through as a new user would: sign in with the stand-in,
 * the page asks for a code, the code is read from the dev inbox (and the console), verified, the
 * page opens. The same file with NODE_ENV=production and nothing set stops at start, naming what
 * is missing.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { exitOf, freePort, ROOT, scratchApp, until } from './scratch';

/** What each Quick start tells the reader to install, besides the protectimus-mail package. */
const QUICK_STARTS = [
  { name: 'express', readme: 'README.md', install: ['express', 'express-session', '@types/node', '@types/express', '@types/express-session'] },
  { name: 'koa', readme: 'packages/koa/README.md', install: ['koa', 'koa-session', '@types/node', '@types/koa'] },
  { name: 'fastify', readme: 'packages/fastify/README.md', install: ['fastify', '@fastify/cookie', '@fastify/session', '@types/node'] },
] as const;

const app = scratchApp('pm-quick-start-', QUICK_STARTS.flatMap((quick) => quick.install));

/** The first ```ts block after the "## Quick start" heading, exactly as the README shows it. */
function quickStartOf(readme: string): string {
  const text = readFileSync(join(ROOT, readme), 'utf8');
  const section = text.indexOf('\n## Quick start\n');
  if (section < 0) throw new Error(`${readme} has no "## Quick start" section`);
  const block = /```ts\n([\s\S]*?)\n```/.exec(text.slice(section));
  if (!block?.[1]) throw new Error(`${readme}'s Quick start has no ts code block`);
  return `${block[1]}\n`;
}

beforeAll(() => {
  app.prepare();
}, 240_000);

afterAll(() => app.cleanup());

describe.each(QUICK_STARTS)('the $name Quick start as written', (quick) => {
  const source = `quick-start-${quick.name}.ts`;
  const compiled = join('out', quick.name, source.replace(/\.ts$/, '.js'));

  it('type-checks under TypeScript strict with the packages it says to install', () => {
    writeFileSync(join(app.dir, source), quickStartOf(quick.readme));
    app.compile(quick.name, [source]);
    expect(existsSync(join(app.dir, compiled))).toBe(true);
  }, 120_000);

  it('runs with no environment: stand-in sign-in, 401 otp_required, the code from the dev inbox and the console, then the page', async () => {
    const port = await freePort();
    const proc = app.run(compiled, { PORT: String(port) });
    try {
      await until('the server to listen', () => proc.out().includes(`http://127.0.0.1:${port}/login`), proc.exited);
      // One warning at start, naming what is missing and what is used instead.
      expect(proc.err().match(/ProtectimusWarning/g)).toHaveLength(1);
      expect(proc.err()).toMatch(/no SMTP_URL: .*no REDIS_URL: a MemoryStore.*no PROTECTIMUS_SECRET: a random secret/);

      const agent = request.agent(`http://127.0.0.1:${port}`);
      await agent.get('/login').expect(302).expect('Location', '/billing');
      const asked = await agent.get('/billing').set('Accept', 'application/json').expect(401);
      expect(asked.body).toMatchObject({ error: 'otp_required', resource: 'billing', sentTo: 'a***e@example.com', verifyUrl: '/billing/_otp/verify' });
      const page = await agent.get('/billing').set('Accept', 'text/html').expect(401);
      expect(page.text).toContain('Enter your code');

      const inbox = await agent.get('/dev/inbox').set('Accept', 'application/json').expect(200);
      const [mail] = (inbox.body as { mails: { to: string; code: string }[] }).mails;
      expect(mail?.to).toBe('alice@example.com');
      const code = mail?.code ?? '';
      expect(code).toMatch(/^\d{6}$/);
      await until('the console block', () => proc.out().includes(`code:     ${code}`), proc.exited);
      expect(proc.out()).toContain('to:       alice@example.com');

      await agent.post('/billing/_otp/verify').set('Accept', 'application/json').send({ otp: code }).expect(200);
      const passed = await agent.get('/billing').expect(200);
      expect(passed.text).toContain('you passed the second factor');
    } finally {
      proc.child.kill();
      await proc.exited;
    }
  }, 60_000);

  it('stops at start with NODE_ENV=production and nothing set, naming every missing variable', async () => {
    const port = await freePort();
    const proc = app.run(compiled, { PORT: String(port), NODE_ENV: 'production' });
    const code = await exitOf(proc);
    expect(code).not.toBe(0);
    expect(code).not.toBe('still running');
    expect(proc.err()).toMatch(/NODE_ENV=production and SMTP_URL, REDIS_URL, PROTECTIMUS_SECRET are not set/);
    expect(proc.out()).not.toMatch(/code:/);
  }, 30_000);
});
