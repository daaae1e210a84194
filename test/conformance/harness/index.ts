/**
 * The conformance harness: one description of an app per adapter (`express.ts`, `koa.ts`, `fastify.ts`), the
 * real Redis and SMTP world, and the helpers the suites share. `adapters` is what
 * `describe.each` runs every behaviour against.
 */
import type { Adapter } from './adapter';
import { expressAdapter } from './express';
import { fastifyAdapter } from './fastify';
import { koaAdapter } from './koa';

export const adapters: Adapter[] = [expressAdapter, koaAdapter, fastifyAdapter];

export * from './adapter';
export * from './http';
export * from './scenarios';
export * from './world';
