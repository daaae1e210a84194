import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const HOOK = join(__dirname, 'ts-hook.js');

/** An app running in a child Node process of its own. */
export interface AppProcess {
  port: number;
  pid: number;
  url: string;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

/**
 * Forks `script` (a .ts file under test/support, run through ts-hook) with `env`, and resolves
 * once it reports `{ type: 'ready', port }`. Rejects if it exits first or takes over `timeoutMs`.
 */
export function startAppProcess(script: string, env: Record<string, string>, timeoutMs = 30_000): Promise<AppProcess> {
  const child = fork(join(__dirname, script), [], {
    execArgv: ['-r', HOOK],
    env: { ...process.env, NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  children.add(child);
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => children.delete(child));

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (child.connected) child.send({ type: 'stop' });
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };

  return new Promise<AppProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} not ready within ${timeoutMs} ms: ${output}`));
    }, timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code ?? signal}) before it was ready: ${output}`));
    });
    child.on('message', (msg: { type?: string; port?: number; pid?: number }) => {
      if (msg?.type !== 'ready' || typeof msg.port !== 'number') return;
      clearTimeout(timer);
      resolve({ port: msg.port, pid: msg.pid ?? child.pid ?? 0, url: `http://127.0.0.1:${msg.port}`, stop });
    });
  });
}
