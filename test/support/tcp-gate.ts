import { createServer, connect, type Server, type Socket } from 'node:net';
import { closedPort } from './ports';

/** What the gate does with connections. */
export type GateMode =
  /** Pipes to the target: the service is reachable. */
  | 'open'
  /** Nothing listens: connections are refused (ECONNREFUSED), like a server that is down. */
  | 'closed'
  /** Accepts and never answers: a hung server or a black-holed network. */
  | 'hang';

/**
 * A port in front of a service that a test opens, closes or hangs at will, so an app configured
 * with one fixed address sees the service go away and come back.
 */
export interface TcpGate {
  readonly port: number;
  set(mode: GateMode): Promise<void>;
  close(): Promise<void>;
}

export async function tcpGate(targetPort: number, mode: GateMode = 'open'): Promise<TcpGate> {
  const port = await closedPort();
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let current: GateMode = 'closed';

  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  const dropAll = () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
  };
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const srv = createServer((socket) => {
        track(socket);
        if (current === 'hang') {
          socket.resume();
          return;
        }
        const upstream = connect({ host: '127.0.0.1', port: targetPort });
        track(upstream);
        socket.pipe(upstream).pipe(socket);
        socket.on('close', () => upstream.destroy());
        upstream.on('close', () => socket.destroy());
      });
      srv.once('error', reject);
      srv.listen(port, '127.0.0.1', () => {
        server = srv;
        resolve();
      });
    });
  const unlisten = () =>
    new Promise<void>((resolve) => {
      const srv = server;
      server = null;
      dropAll();
      if (!srv) resolve();
      else srv.close(() => resolve());
    });

  const gate: TcpGate = {
    port,
    async set(next) {
      if (next === current) return;
      dropAll();
      if (next === 'closed') await unlisten();
      else if (!server) await listen();
      current = next;
    },
    close: unlisten,
  };
  await gate.set(mode);
  return gate;
}
