import type { Server } from 'node:http';
import type { GuardEngine } from '@protectimus-mail/core/adapter';
import { listenerOf } from '../conformance/harness/fastify';
import { guardedExpressApp } from './express-app';
import { guardedFastifyApp } from './fastify-app';
import { guardedKoaApp } from './koa-app';

/** The adapters, for tests that must hold for each. */
export type Adapter = 'express' | 'koa' | 'fastify';
export const ADAPTERS: Adapter[] = ['express', 'koa', 'fastify'];

/** A guarded test app of either adapter, as something supertest can call. */
export interface GuardedApp {
  /** For `request(...)` / `request.agent(...)`. */
  handler: Parameters<typeof import('supertest')>[0];
  readonly passes: number;
  readonly errors: unknown[];
}

/**
 * `POST /login {"login"}` signs in; `/area` is guarded on `resource` (see `guardedExpressApp`,
 * `guardedKoaApp` and `guardedFastifyApp`).
 */
export function guardedApp(adapter: Adapter, pm: GuardEngine, resource: string): GuardedApp {
  if (adapter === 'express') {
    const site = guardedExpressApp(pm, { resource });
    return {
      handler: site.app,
      get passes() {
        return site.passes;
      },
      errors: site.errors,
    };
  }
  if (adapter === 'fastify') {
    const site = guardedFastifyApp(pm, { resource });
    return {
      handler: listenerOf(site.app) as unknown as Server,
      get passes() {
        return site.passes;
      },
      errors: site.errors,
    };
  }
  const site = guardedKoaApp(pm, { resource });
  return {
    handler: site.app.callback() as unknown as Server,
    get passes() {
      return site.passes;
    },
    errors: site.errors,
  };
}
