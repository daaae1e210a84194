import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Listening {
  server: Server;
  /** `http://127.0.0.1:3000`, with the port actually taken. */
  url: string;
  close(): Promise<void>;
}

/** Serves `handler` (a site's `handler`); resolves once the port is bound (port 0 takes any free one). */
export function listen(handler: RequestListener, port: number, host: string): Promise<Listening> {
  return new Promise((resolve, reject) => {
    const server = createServer(handler);
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve({
        server,
        url: `http://${shownHost}:${address.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            // Keep-alive connections of open browser tabs would hold close() for minutes.
            server.closeAllConnections();
          }),
      });
    });
  });
}
