import { createServer } from 'node:net';

/** True when nothing listens on 127.0.0.1:`port` and we may bind it. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A free port in [20000, 55000) whose `+10000` neighbour is free too (a Cluster node's bus port),
 * picked at random so parallel runs rarely meet. Free now; a race with another process is possible
 * but a redis-server that cannot bind fails loudly at start.
 */
export async function freePort(opts: { withBus?: boolean } = {}): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20000 + Math.floor(Math.random() * 35000);
    if (!(await portIsFree(port))) continue;
    if (opts.withBus && !(await portIsFree(port + 10000))) continue;
    return port;
  }
  throw new Error('no free port found');
}

/** A port nothing listens on (bound then released by the OS's choice). */
export function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
