import { createServer, request as httpRequest, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { Agent, Response } from 'supertest';

/** A browser's Accept header for a page load. */
export { BROWSER_ACCEPT as BROWSER } from '../../../packages/core/test/support/guard-request';

/** One request at a time to `app`, or to a server at a URL (no cookies kept). */
export const http = (app: RequestListener | string) => request(app);
/** A client to `app`, or to a server at a URL, that keeps its cookies as a browser does. */
export const agentOf = (app: RequestListener | string): Agent => request.agent(app);

/** The `name=value` pairs of the cookies a response set, without their attributes. */
export function setCookies(res: Response): string[] {
  const raw = res.headers['set-cookie'] as unknown;
  const list = Array.isArray(raw) ? (raw as string[]) : typeof raw === 'string' ? [raw] : [];
  return list.map((c) => c.split(';')[0] ?? '');
}

/** The whole `Set-Cookie` line for the cookie `name`, attributes included. */
export function setCookieLine(res: Response, name: string): string | undefined {
  const raw = res.headers['set-cookie'] as unknown;
  const list = Array.isArray(raw) ? (raw as string[]) : typeof raw === 'string' ? [raw] : [];
  return list.find((c) => c.startsWith(`${name}=`));
}

/** The CSRF token in a guard page's forms. */
export function csrfFrom(html: string): string {
  const found = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!found?.[1]) throw new Error('no CSRF token in the page');
  return found[1];
}

/** `app` on a real port, for requests supertest cannot make (raw targets such as `//evil.example`). */
export async function listen(app: RequestListener): Promise<{ port: number; url: string; close(): Promise<void> }> {
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return { port, url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A GET of `target` sent as is (supertest would normalise it), as an attacker's link sends it. */
export function rawGet(port: number, target: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return rawRequest(port, 'GET', target, headers);
}

/** A request for `target` sent as is, with `body` if given: what an attacker's own client sends. */
export function rawRequest(port: number, method: string, target: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path: target, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
