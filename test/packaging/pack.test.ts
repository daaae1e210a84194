import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, sep } from 'node:path';
import { REDIS_URL, redisFixture } from '../../packages/core/test/support/redis';
import { packPackages, type PackResult } from './scratch';

/**
 * What `npm publish` would put on the registry for each package, read from `npm pack` itself:
 * the compiled code, its declarations and self-contained source maps, README, LICENSE and
 * package.json, nothing else; metadata a registry page needs; README links that work there.
 */

const ROOT = join(__dirname, '..', '..');
const REPO = 'https://github.com/protectimus-mail/protectimus-mail';
const BLOB = `${REPO}/blob/main/`;
const RAW = 'https://raw.githubusercontent.com/protectimus-mail/protectimus-mail/main/';
const PACKAGES = ['core', 'admin', 'express', 'koa', 'fastify'] as const;
type Pkg = (typeof PACKAGES)[number];

interface Manifest {
  name: string;
  license?: string;
  homepage?: string;
  bugs?: { url?: string };
  repository?: { type?: string; url?: string; directory?: string };
  engines?: { node?: string };
  sideEffects?: unknown;
  main?: string;
  types?: string;
  bin?: Record<string, string>;
  exports?: Record<string, unknown>;
}

const packDir = mkdtempSync(join(tmpdir(), 'pm-pack-'));
const packed = new Map<Pkg, PackResult>();

/**
 * Removes what `dist` holds for sources that no longer exist (a file moved or merged since the
 * last build): `tsc -b` never deletes, and `npm publish` runs prepack (a clean build) anyway.
 */
function dropStaleOutputs(pkg: Pkg): void {
  const dist = join(ROOT, 'packages', pkg, 'dist');
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      // The admin panel's browser bundle (admin's dist/browser/) is built from browser/, not src/.
      if (entry.isDirectory()) {
        if (!(pkg === 'admin' && path === join(dist, 'browser'))) walk(path);
      }
      else {
        const source = path.replace(`${sep}dist${sep}`, `${sep}src${sep}`).replace(/(\.d)?\.(js|ts)(\.map)?$/, '.ts');
        if (/\.(js|ts|map)$/.test(entry.name) && !existsSync(source)) rmSync(path);
      }
    }
  };
  walk(dist);
}

beforeAll(() => {
  for (const pkg of PACKAGES) dropStaleOutputs(pkg);
  for (const [pkg, result] of packPackages(packDir, PACKAGES)) packed.set(pkg, result);
}, 120_000);

afterAll(() => rmSync(packDir, { recursive: true, force: true }));

function filesOf(pkg: Pkg): string[] {
  return (packed.get(pkg)?.files ?? []).map((f) => f.path).sort();
}

function manifestOf(pkg: Pkg): Manifest {
  return JSON.parse(readFileSync(join(ROOT, 'packages', pkg, 'package.json'), 'utf8')) as Manifest;
}

/** Every file path package.json points at (main, types, bin, exports), without a leading `./`. */
function entryPoints(m: Manifest): string[] {
  const targets: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') targets.push(v);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk([m.main, m.types, m.bin, m.exports]);
  return targets.map((t) => posix.normalize(t));
}

describe.each(PACKAGES)('@protectimus-mail/%s as packed', (pkg) => {
  it('holds only compiled code, declarations, source maps, README, LICENSE and package.json', () => {
    const files = filesOf(pkg);
    // The admin panel's stylesheet is the one built file that is not JavaScript.
    const allowed = (f: string) =>
      /^dist\/.+\.(js|d\.ts|js\.map)$/.test(f) || (pkg === 'admin' && f === 'dist/browser/panel.css') || ['README.md', 'LICENSE', 'package.json'].includes(f);
    expect(files.filter((f) => !allowed(f))).toEqual([]);
    expect(files).toEqual(expect.arrayContaining(['README.md', 'LICENSE', 'package.json', 'dist/index.js', 'dist/index.d.ts']));
    expect(files.filter((f) => /tsbuildinfo|(^|\/)test\/|\.test\.|^src\/|\.d\.ts\.map$/.test(f))).toEqual([]);
  });

  it('ships every file package.json points at', () => {
    const files = filesOf(pkg);
    const missing = entryPoints(manifestOf(pkg)).filter((t) => !files.includes(t));
    expect(missing).toEqual([]);
  });

  it('ships source maps that carry their sources, since src is not shipped', () => {
    const maps = filesOf(pkg).filter((f) => f.endsWith('.js.map'));
    expect(maps.length).toBeGreaterThan(0);
    for (const map of maps) {
      const parsed = JSON.parse(readFileSync(join(ROOT, 'packages', pkg, map), 'utf8')) as { sources: string[]; sourcesContent?: unknown[] };
      expect({ map, complete: parsed.sourcesContent?.length === parsed.sources.length && parsed.sourcesContent.every((s) => typeof s === 'string' && s.length > 0) }).toEqual({ map, complete: true });
    }
  });

  it('has the metadata a registry page shows: repository with directory, homepage, bugs, MIT', () => {
    const m = manifestOf(pkg);
    expect(m.repository).toEqual({ type: 'git', url: `git+${REPO}.git`, directory: `packages/${pkg}` });
    expect(m.homepage).toBe(`${REPO}/tree/main/packages/${pkg}#readme`);
    expect(m.bugs).toEqual({ url: `${REPO}/issues` });
    expect(m.license).toBe('MIT');
    expect(m.engines?.node).toBe('>=20.19');
    expect(m.sideEffects).toBe(false);
  });

  it('ships the MIT LICENSE of the repository', () => {
    const license = readFileSync(join(ROOT, 'packages', pkg, 'LICENSE'), 'utf8');
    expect(license).toBe(readFileSync(join(ROOT, 'LICENSE'), 'utf8'));
    expect(license).toMatch(/^MIT License\n\nCopyright \(c\) 2026 protectimus-mail contributors\n/);
  });

  it('has a README whose links work on the registry page: absolute, to files and headings that exist', () => {
    const readme = readFileSync(join(ROOT, 'packages', pkg, 'README.md'), 'utf8');
    const links = linksOf(readme);
    expect(links.length).toBeGreaterThan(0);
    const broken = links.filter((link) => !linkWorks(link, readme));
    expect(broken).toEqual([]);
  });
});

interface LockEntry {
  link?: boolean;
  resolved?: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/**
 * The names npm installs for a package: its dependencies and non-optional peers, transitively, as
 * package-lock.json resolves them (nested node_modules first, then each parent's).
 */
function installedWith(pkg: Pkg): Set<string> {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const names = new Set<string>();
  const locate = (from: string, name: string): string => {
    for (let dir = from; ; dir = dir.includes('/node_modules/') ? dir.slice(0, dir.lastIndexOf('/node_modules/')) : '') {
      const candidate = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
      if (lock.packages[candidate]) return candidate;
      if (!dir) throw new Error(`package-lock.json has no ${name} for ${from}`);
    }
  };
  const visit = (at: string): void => {
    const entry = lock.packages[at];
    if (!entry) throw new Error(`package-lock.json has no ${at}`);
    if (entry.link && entry.resolved) return visit(entry.resolved);
    const peers = Object.keys(entry.peerDependencies ?? {}).filter((n) => !entry.peerDependenciesMeta?.[n]?.optional);
    for (const name of [...Object.keys(entry.dependencies ?? {}), ...peers]) {
      if (names.has(name)) continue;
      names.add(name);
      visit(locate(at, name));
    }
  };
  visit(`packages/${pkg}`);
  return names;
}

describe('what installing a package brings along', () => {
  it('core, admin, koa and fastify bring no Express, no Express types and no ioredis (an optional peer)', () => {
    for (const pkg of ['core', 'admin', 'koa', 'fastify'] as const) {
      const names = [...installedWith(pkg)];
      expect({ pkg, unwanted: names.filter((n) => /^(express|@types\/express.*|ioredis|passport.*)$/.test(n)) }).toEqual({ pkg, unwanted: [] });
    }
    expect([...installedWith('koa')]).toEqual(expect.arrayContaining(['@protectimus-mail/core', '@protectimus-mail/admin']));
    // fastify-plugin, and Fastify itself only as the peer the app already has.
    expect([...installedWith('fastify')]).toEqual(expect.arrayContaining(['@protectimus-mail/core', '@protectimus-mail/admin', 'fastify-plugin', 'fastify']));
    expect([...installedWith('admin')]).toEqual(expect.arrayContaining(['@protectimus-mail/core', 'csv-parse']));
  });

  it('express brings Express only as the peer the app already has', () => {
    expect([...installedWith('express')].filter((n) => n.startsWith('@types/'))).toEqual([]);
  });
});

/**
 * The five tarballs unpacked into an app of their own, with core's and admin's dependencies but
 * without ioredis, Express, Koa or Fastify (fastify-plugin aside): each loads, core runs a whole prepare/authenticate round on a
 * MemoryStore and on a RedisStore handed a client by the app (only a RedisStore given a `url`
 * needs ioredis, and says so), and admin serves its panel from the files it ships.
 */
describe('the packed packages installed without ioredis', () => {
  const app = mkdtempSync(join(tmpdir(), 'pm-app-'));
  const redis = redisFixture();

  beforeAll(() => {
    for (const pkg of PACKAGES) {
      const dir = join(app, 'node_modules', '@protectimus-mail', pkg);
      mkdirSync(dir, { recursive: true });
      execFileSync('tar', ['-xzf', join(packDir, packed.get(pkg)?.filename ?? ''), '-C', dir, '--strip-components=1']);
    }
    const depsOf = (pkg: Pkg) => Object.keys((JSON.parse(readFileSync(join(ROOT, 'packages', pkg, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies);
    const deps = new Set([...depsOf('core'), ...depsOf('admin'), ...depsOf('fastify')].filter((dep) => !dep.startsWith('@protectimus-mail/')));
    for (const dep of deps) {
      mkdirSync(dirname(join(app, 'node_modules', dep)), { recursive: true });
      symlinkSync(join(ROOT, 'node_modules', dep), join(app, 'node_modules', dep), 'dir');
    }
  });

  afterAll(async () => {
    rmSync(app, { recursive: true, force: true });
    await redis.cleanup();
  });

  it('loads, runs on both stores, and names ioredis only when a url needs it', () => {
    writeFileSync(join(app, 'main.js'), APP_SCRIPT);
    const out = execFileSync(process.execPath, ['main.js'], {
      cwd: app,
      encoding: 'utf8',
      env: { ...process.env, NODE_PATH: '', APP_IOREDIS: require.resolve('ioredis'), REDIS_URL, PREFIX: redis.prefix },
    });
    const report = JSON.parse(out.trim().split('\n').pop() ?? '') as Record<string, unknown>;
    expect(report).toEqual({
      ioredisResolvable: false,
      adapters: ['function', 'function', 'function'],
      memory: 'alice',
      ioredisLoadedByCore: false,
      redisWithClient: 'alice',
      urlError: expect.stringMatching(/RedisStore with `url` needs the package ioredis .*npm install ioredis/),
      panel: [200, 200, 'text/css; charset=utf-8', 200, 'text/javascript; charset=utf-8'],
    });
  }, 60_000);
});

/** The app: plain CommonJS that uses the packages as a user would, ioredis only from elsewhere. */
const APP_SCRIPT = `
const { randomBytes } = require('node:crypto');
const report = {};
try { require.resolve('ioredis'); report.ioredisResolvable = true; } catch { report.ioredisResolvable = false; }
const core = require('@protectimus-mail/core');
report.adapters = [typeof require('@protectimus-mail/express').protectimusMail, typeof require('@protectimus-mail/koa').protectimusMail, typeof require('@protectimus-mail/fastify').protectimusMail];

async function round(store) {
  const mailed = [];
  const pm = core.createProtectimus({ store, secret: randomBytes(32).toString('base64url'), mail: { send: async (m) => void mailed.push(m.code) } });
  const token = await pm.tokens.createMail({ name: 'Alice mail', email: 'alice@example.com', otpLength: 6 });
  const user = await pm.users.create({ login: 'alice', email: 'alice@example.com' });
  await pm.users.assignToken(user.id, token.id);
  const resource = await pm.resources.create({ name: 'billing' });
  await pm.resources.assignTokenWithUser(resource.id, token.id);
  await pm.prepare({ resource: 'billing', login: 'alice' });
  const { user: passed } = await pm.authenticate({ resource: 'billing', login: 'alice', otp: mailed[0] });
  await pm.close();
  await store.close();
  return passed.login;
}

(async () => {
  report.memory = await round(new core.MemoryStore());
  report.ioredisLoadedByCore = Object.keys(require.cache).some((f) => f.includes('/ioredis/'));
  const { Redis } = require(process.env.APP_IOREDIS);
  const client = new Redis(process.env.REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    report.redisWithClient = await round(new core.RedisStore({ client, prefix: process.env.PREFIX }));
  } finally {
    client.disconnect();
  }
  try { new core.RedisStore({ url: process.env.REDIS_URL }); } catch (err) { report.urlError = err.message; }
  const { handleAdmin } = require('@protectimus-mail/admin');
  const pm = core.createProtectimus({ store: new core.MemoryStore(), secret: randomBytes(32).toString('base64url'), mail: { send: async () => {} } });
  const ask = (path) => handleAdmin(pm, { method: 'GET', path, mountPath: '/admin', query: {}, headers: { accept: 'text/html' }, session: {}, authorized: true });
  const page = await ask('/');
  report.panel = [page.status];
  for (const name of ['panel.css', 'panel.js']) {
    const file = await ask('/assets/' + name);
    report.panel.push(file.status, file.headers['Content-Type']);
  }
  await pm.close();
  process.stdout.write(JSON.stringify(report) + '\\n');
})().catch((err) => { console.error(err); process.exit(1); });
`;

/** Link targets of a Markdown text: inline links and images, reference definitions, HTML href/src. */
function linksOf(markdown: string): string[] {
  const text = withoutCode(markdown);
  const inline = [...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1] ?? '');
  const defs = [...text.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1] ?? '');
  const html = [...text.matchAll(/\b(?:href|src)\s*=\s*["']([^"']+)["']/g)].map((m) => m[1] ?? '');
  return [...inline, ...defs, ...html];
}

/** The text without fenced code blocks and inline code, where `](` is not a link. */
function withoutCode(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '``');
}

/** GitHub's (and npm's) heading anchors: lowercase, punctuation dropped, each space a hyphen. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const line of markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').split('\n')) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading?.[1]) continue;
    const text = heading[1].replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/<[^>]+>/g, '');
    const slug = text.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/ /g, '-');
    let unique = slug;
    for (let n = 1; anchors.has(unique); n++) unique = `${slug}-${n}`;
    anchors.add(unique);
  }
  return anchors;
}

function linkWorks(link: string, readme: string): boolean {
  if (link.startsWith('#')) return anchorsOf(readme).has(link.slice(1));
  if (link.startsWith('mailto:')) return true;
  if (!/^https?:\/\//.test(link)) return false;
  // Links into this repository must name a file (and heading) that exists on main.
  const own = link.startsWith(BLOB) ? link.slice(BLOB.length) : link.startsWith(RAW) ? link.slice(RAW.length) : null;
  if (own === null) return !link.startsWith(`${REPO}/`) || /^(tree\/main\/|issues)/.test(link.slice(REPO.length + 1));
  const [path = '', anchor] = own.split('#');
  const file = join(ROOT, decodeURIComponent(path));
  if (!existsSync(file)) return false;
  return anchor === undefined || anchorsOf(readFileSync(file, 'utf8')).has(anchor);
}
