/**
 * The Quick starts as written: the code block under "Quick start" in README.md (Express) and in
 * packages/koa/README.md, copied into an app of its own outside the workspace that has the packed
 * tarballs and the packages the README says to install; type-checked under TypeScript strict, run
 * with no environment at all, and walked through as a new user would: sign in with the stand-in,
 * the page asks for a code, the code is read from the dev inbox (and the console), verified, the
 * page opens. The same file with NODE_ENV=production and nothing set stops at start, naming what
 * is missing.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import request from 'supertest';

const ROOT = join(__dirname, '..', '..');

interface Manifest {
  name: string;
  private?: boolean;
  dependencies?: Record<string, string>;
}

/** Every publishable package of the workspace, by directory under packages/. */
const PACKAGES = readdirSync(join(ROOT, 'packages')).filter((dir) => {
  const file = join(ROOT, 'packages', dir, 'package.json');
  return existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as Manifest).private !== true;
});

/** What each Quick start tells the reader to install, besides the protectimus-mail package. */
const QUICK_STARTS = [
  { name: 'express', readme: 'README.md', install: ['express', 'express-session', '@types/node', '@types/express', '@types/express-session'] },
  { name: 'koa', readme: 'packages/koa/README.md', install: ['koa', 'koa-session', '@types/node', '@types/koa'] },
] as const;

const app = mkdtempSync(join(tmpdir(), 'pm-quick-start-'));
const children: ChildProcess[] = [];

/** The first ```ts block after the "## Quick start" heading, exactly as the README shows it. */
function quickStartOf(readme: string): string {
  const text = readFileSync(join(ROOT, readme), 'utf8');
  const section = text.indexOf('\n## Quick start\n');
  if (section < 0) throw new Error(`${readme} has no "## Quick start" section`);
  const block = /```ts\n([\s\S]*?)\n```/.exec(text.slice(section));
  if (!block?.[1]) throw new Error(`${readme}'s Quick start has no ts code block`);
  return `${block[1]}\n`;
}

function link(name: string): void {
  const to = join(app, 'node_modules', name);
  if (existsSync(to)) return;
  mkdirSync(dirname(to), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules', name), to, 'dir');
}

beforeAll(() => {
  // npm pack lists what is on disk: build first (a no-op when `npm run build` already ran).
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-b', ...PACKAGES.map((p) => `packages/${p}`)], { cwd: ROOT });
  const packDir = join(app, 'tarballs');
  mkdirSync(packDir);
  for (const pkg of PACKAGES) {
    // --ignore-scripts: prepack would wipe and rebuild dist under the feet of other test files.
    const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', packDir], { cwd: join(ROOT, 'packages', pkg), encoding: 'utf8' });
    const [result] = JSON.parse(out) as { filename: string }[];
    const manifest = JSON.parse(readFileSync(join(ROOT, 'packages', pkg, 'package.json'), 'utf8')) as Manifest;
    const dir = join(app, 'node_modules', manifest.name);
    mkdirSync(dir, { recursive: true });
    execFileSync('tar', ['-xzf', join(packDir, result?.filename ?? ''), '-C', dir, '--strip-components=1']);
    for (const dep of Object.keys(manifest.dependencies ?? {})) if (!dep.startsWith('@protectimus-mail/')) link(dep);
  }
  for (const quick of QUICK_STARTS) quick.install.forEach(link);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'quick-start-app', private: true }));
}, 240_000);

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill();
  rmSync(app, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** The compiled quick start run with only PATH and the given variables: no NODE_ENV, no SMTP_URL, nothing. */
function run(file: string, env: Record<string, string>): { child: ChildProcess; out: () => string; err: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [file], { cwd: app, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exited };
}

async function until(what: string, check: () => boolean, exited: Promise<unknown>, ms = 20_000): Promise<void> {
  let done = false;
  void exited.then(() => (done = true));
  const deadline = Date.now() + ms;
  while (!check()) {
    if (done || Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each(QUICK_STARTS)('the $name Quick start as written', (quick) => {
  const source = `quick-start-${quick.name}.ts`;
  const compiled = join('out', quick.name, source.replace(/\.ts$/, '.js'));

  it('type-checks under TypeScript strict with the packages it says to install', () => {
    writeFileSync(join(app, source), quickStartOf(quick.readme));
    const tsconfig = {
      // What `tsc --init` writes that matters here: strict, and skipLibCheck.
      compilerOptions: { strict: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', outDir: `out/${quick.name}`, skipLibCheck: true },
      files: [source],
    };
    writeFileSync(join(app, `tsconfig.${quick.name}.json`), JSON.stringify(tsconfig));
    try {
      execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', `tsconfig.${quick.name}.json`], { cwd: app, encoding: 'utf8' });
    } catch (err) {
      throw new Error(`tsc failed:\n${(err as { stdout?: string }).stdout ?? String(err)}`, { cause: err });
    }
    expect(existsSync(join(app, compiled))).toBe(true);
  }, 120_000);

  it('runs with no environment: stand-in sign-in, 401 otp_required, the code from the dev inbox and the console, then the page', async () => {
    const port = await freePort();
    const proc = run(compiled, { PORT: String(port) });
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
    const proc = run(compiled, { PORT: String(port), NODE_ENV: 'production' });
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([proc.exited, new Promise<string>((r) => (timer = setTimeout(() => r('still running'), 20_000)))]);
    clearTimeout(timer);
    if (code === 'still running') proc.child.kill();
    expect(code).not.toBe(0);
    expect(code).not.toBe('still running');
    expect(proc.err()).toMatch(/NODE_ENV=production and SMTP_URL, REDIS_URL, PROTECTIMUS_SECRET are not set/);
    expect(proc.out()).not.toMatch(/code:/);
  }, 30_000);
});
