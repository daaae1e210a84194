import { handleGuard } from '../../src/guard/protocol';
import type { GuardOptions, GuardRequest, GuardResponse } from '../../src/guard/protocol';
import type { FakeEngine } from './fake-engine';
import { guardRequest } from './guard-request';

/** A guard answer that is not a pass. */
export type Answer = Extract<GuardResponse, { action: 'respond' }>;

/** Runs the guard for `billing` and insists it answered rather than passed. */
export async function answer(engine: FakeEngine, over: Partial<GuardRequest> = {}, options: Partial<GuardOptions> = {}): Promise<Answer> {
  const res = await handleGuard(engine, { resource: 'billing', ...options }, guardRequest(over));
  if (res.action !== 'respond') throw new Error('expected an answer, the guard passed');
  return res;
}

/** The JSON body of an answer. */
export function bodyOf(res: Answer): Record<string, unknown> {
  expect(res.headers['Content-Type']).toBe('application/json; charset=utf-8');
  return JSON.parse(res.body) as Record<string, unknown>;
}
