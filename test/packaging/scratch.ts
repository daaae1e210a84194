/**
 * A scratch app outside the workspace, as a new user has it: the publishable packages built,
 * packed by `npm pack` and unpacked into its node_modules (no workspace resolution), the
 * third-party packages it installs linked from the root node_modules, TypeScript compiled as
 * `tsc --init` would, and its files run as child processes with only the environment given.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

export interface Manifest {
  name: string;
  private?: boolean;
  dependencies?: Record<string, string>;
}

/** What `npm pack --json` reports of one tarball. */
export interface PackResult {
  filename: string;
  files: { path: string }[];
}

/** Every publishable package of the workspace, by directory under packages/. */
export const PUBLISHED = readdirSync(join(ROOT, 'packages')).filter((dir) => {
  const file = join(ROOT, 'packages', dir, 'package.json');
  return existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as Manifest).private !== true;
});

export function manifestOf(dir: string): Manifest {
  return JSON.parse(readFileSync(join(ROOT, 'packages', dir, 'package.json'), 'utf8')) as Manifest;
}

/**
 * Builds the packages (a no-op when `npm run build` already ran: npm pack lists what is on disk)
 * and packs each into `dest`, returning what npm pack reported, by directory under packages/.
 */
export function packPackages<D extends string>(dest: string, dirs: readonly D[]): Map<D, PackResult> {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-b', ...dirs.map((p) => `packages/${p}`)], { cwd: ROOT });
  const packed = new Map<D, PackResult>();
  for (const dir of dirs) {
    // --ignore-scripts: prepack would wipe and rebuild dist under the feet of other test files.
    const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dest], { cwd: join(ROOT, 'packages', dir), encoding: 'utf8' });
    const [result] = JSON.parse(out) as PackResult[];
    if (!result) throw new Error(`npm pack gave no result for ${dir}`);
    packed.set(dir, result);
  }
  return packed;
}

/** A child process of the scratch app, its output collected. */
export interface Run {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
}

export interface ScratchApp {
  dir: string;
  /** Packs and unpacks the packages, links their dependencies and `install`: for a `beforeAll`. */
  prepare(): void;
  /** Links a third-party package from the root node_modules, as `npm install` would have put it. */
  link(name: string): void;
  /** Type-checks and compiles `files` under TypeScript strict (skipLibCheck) into `out/<name>`; throws tsc's report. */
  compile(name: string, files: string[]): void;
  /** Runs `file` with node, with only PATH and `env`: no NODE_ENV, no SMTP_URL, nothing else. */
  run(file: string, env: Record<string, string>): Run;
  /** Kills what is still running and removes the app. */
  cleanup(): void;
}

/**
 * The app in a new temporary directory; `prepare()` puts every publishable package, packed, into
 * its node_modules with their own dependencies linked, and links `install` too.
 */
export function scratchApp(prefix: string, install: readonly string[]): ScratchApp {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const children: ChildProcess[] = [];
  const link = (name: string): void => {
    const to = join(dir, 'node_modules', name);
    if (existsSync(to)) return;
    mkdirSync(dirname(to), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', name), to, 'dir');
  };
  return {
    dir,
    link,
    prepare() {
      const packDir = join(dir, 'tarballs');
      mkdirSync(packDir);
      for (const [pkg, result] of packPackages(packDir, PUBLISHED)) {
        const manifest = manifestOf(pkg);
        const into = join(dir, 'node_modules', manifest.name);
        mkdirSync(into, { recursive: true });
        execFileSync('tar', ['-xzf', join(packDir, result.filename), '-C', into, '--strip-components=1']);
        for (const dep of Object.keys(manifest.dependencies ?? {})) if (!dep.startsWith('@protectimus-mail/')) link(dep);
      }
      install.forEach(link);
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `${prefix.replace(/-$/, '')}-app`, private: true }));
    },
    compile(name, files) {
      const tsconfig = {
        // What `tsc --init` writes that matters here: strict, and skipLibCheck.
        compilerOptions: { strict: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', outDir: `out/${name}`, skipLibCheck: true },
        files,
      };
      writeFileSync(join(dir, `tsconfig.${name}.json`), JSON.stringify(tsconfig));
      try {
        execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', `tsconfig.${name}.json`], { cwd: dir, encoding: 'utf8' });
      } catch (err) {
        throw new Error(`tsc failed:\n${(err as { stdout?: string }).stdout ?? String(err)}`, { cause: err });
      }
    },
    run(file, env) {
      const child = spawn(process.execPath, [file], { cwd: dir, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      let out = '';
      let err = '';
      child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      return { child, out: () => out, err: () => err, exited };
    },
    cleanup() {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Polls `check` until it holds; gives up when the process exits or after `ms`. */
export async function until(what: string, check: () => boolean, exited: Promise<unknown>, ms = 20_000): Promise<void> {
  let done = false;
  void exited.then(() => (done = true));
  const deadline = Date.now() + ms;
  while (!check()) {
    if (done || Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The exit code of a run that should stop by itself, or 'still running' (then killed) after `ms`. */
export async function exitOf(run: Run, ms = 20_000): Promise<number | null | 'still running'> {
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([run.exited, new Promise<'still running'>((r) => (timer = setTimeout(() => r('still running'), ms)))]);
  clearTimeout(timer);
  if (code === 'still running') run.child.kill();
  return code;
}
