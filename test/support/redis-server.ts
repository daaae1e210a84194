import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';

/** Every redis-server this process started and has not stopped yet; killed on exit as a last resort. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Sends one inline command and resolves with the first reply line, or rejects. */
export function rawCommand(port: number, command: string, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let data = '';
    const done = (err: Error | null, line?: string) => {
      socket.destroy();
      if (err) reject(err);
      else resolve(line ?? '');
    };
    socket.setTimeout(timeoutMs, () => done(new Error(`no answer on ${port}`)));
    socket.on('error', (err) => done(err));
    socket.on('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk) => {
      data += chunk.toString('utf8');
      const end = data.indexOf('\r\n');
      if (end >= 0) done(null, data.slice(0, end));
    });
  });
}

/** Polls until `check` resolves true, or rejects after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 10_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface RedisServerOptions {
  /** Default: a free port. */
  port?: number;
  /** Extra `redis-server` arguments, e.g. `['--cluster-enabled', 'yes']`. */
  args?: string[];
  /**
   * Keep data across `kill()` + `start()`: an append-only file fsynced on every write, so even a
   * SIGKILL loses nothing. Default false (no persistence at all).
   */
  persistent?: boolean;
}

/** A redis-server of our own on 127.0.0.1, in a temp dir that `stop()` removes. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** True while the process runs. */
  readonly alive: boolean;
  /** Starts (again) on the same port and waits until it answers PING. */
  start(): Promise<void>;
  /** Kills the process without warning (SIGKILL: a crash) and waits for it to exit. */
  kill(): Promise<void>;
  /** Kills it if it runs and removes its directory. Safe to call twice. */
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts a redis-server and resolves once it answers PING. */
export async function startRedisServer(opts: RedisServerOptions = {}): Promise<RedisServer> {
  const port = opts.port ?? (await freePort({ withBus: opts.args?.includes('--cluster-enabled') }));
  const dir = mkdtempSync(join(tmpdir(), `pm-redis-${port}-`));
  const persistence = opts.persistent
    ? ['--appendonly', 'yes', '--appendfsync', 'always', '--save', '']
    : ['--appendonly', 'no', '--save', ''];
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...persistence, ...(opts.args ?? [])];
  let child: ChildProcess | null = null;
  let removed = false;

  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    get alive() {
      return child !== null && child.exitCode === null && child.signalCode === null;
    },
    async start() {
      if (server.alive) return;
      const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child = proc;
      running.add(proc);
      let log = '';
      proc.stdout?.on('data', (d: Buffer) => {
        log = (log + d.toString()).slice(-4000);
      });
      proc.stderr?.on('data', (d: Buffer) => {
        log = (log + d.toString()).slice(-4000);
      });
      proc.once('exit', () => running.delete(proc));
      const died = new Promise<never>((_, reject) =>
        proc.once('exit', (code, signal) => reject(new Error(`redis-server on ${port} exited (${code ?? signal}): ${log}`))),
      );
      died.catch(() => undefined);
      await Promise.race([waitFor(`redis-server on ${port}`, async () => (await rawCommand(port, 'PING')) === '+PONG'), died]);
    },
    async kill() {
      const proc = child;
      if (!proc || !server.alive) return;
      proc.kill('SIGKILL');
      await exited(proc);
    },
    async stop() {
      await server.kill();
      if (!removed) {
        removed = true;
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  try {
    await server.start();
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}
