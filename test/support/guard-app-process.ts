/**
 * One app process for the multi-process tests: an Express or Koa app (GUARD_ADAPTER, default
 * express) with a stand-in first factor and `protectimusMail` on `/area`, its instance built by
 * `protectimusFromEnv` (REDIS_URL, REDIS_PREFIX, SMTP_URL, PROTECTIMUS_SECRET), as a deployed app
 * would. Run with `node -r test/support/ts-hook.js`; it tells its parent its port over IPC, serves
 * `GET /stats` (passes and reported errors), and stops on `{ "type": "stop" }`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { protectimusFromEnv } from '@protectimus-mail/core';
import { guardedApp, type Adapter } from './guarded-app';

const adapter = (process.env.GUARD_ADAPTER || 'express') as Adapter;
const resource = process.env.GUARD_RESOURCE || 'area';
// The race tests hammer one token from many sessions within a minute, far past the per-token
// limit of page loads, which is not what they are about.
const pm = protectimusFromEnv(process.env, { otp: { maxSendsPerHour: 1000, maxPreparesPerMinute: 100_000 } });
const site = guardedApp(adapter, pm, resource);
const handler = site.handler as unknown as (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void;

const server = createServer((req, res) => {
  if (req.url === '/stats') {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ pid: process.pid, adapter, passes: site.passes, errors: site.errors.length }));
    return;
  }
  handler(req, res);
});
server.listen(0, '127.0.0.1', () => {
  process.send?.({ type: 'ready', port: (server.address() as AddressInfo).port, pid: process.pid });
});

async function stop(): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await pm.close();
  process.exit(0);
}

process.on('message', (msg: { type?: string }) => {
  if (msg?.type === 'stop') void stop();
});
// If the parent dies, do not linger.
process.on('disconnect', () => void stop());
