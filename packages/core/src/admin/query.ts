import type { EventQuery } from '../audit';
import { invalidInput } from '../errors';
import type { ListQuery } from '../model';
import { isEventType } from './event-types';

type Query = Record<string, string>;

function has(query: Query, name: string): boolean {
  return Object.hasOwn(query, name) && query[name] !== '';
}

/** A whole number from the query; the model checks its range. */
function count(query: Query, name: string): number | undefined {
  if (!has(query, name)) return undefined;
  const text = query[name] ?? '';
  if (!/^\d{1,7}$/.test(text)) throw invalidInput(name, `${name} must be a whole number`);
  return Number(text);
}

function text(query: Query, name: string, max: number): string | undefined {
  if (!has(query, name)) return undefined;
  const value = query[name] ?? '';
  if (value.length > max) throw invalidInput(name, `${name} must be at most ${max} characters`);
  return value;
}

/** `?q=&cursor=&limit=` of the lists. */
export function listQuery(query: Query): ListQuery {
  const out: ListQuery = {};
  const q = text(query, 'q', 100);
  if (q !== undefined) out.q = q;
  const cursor = text(query, 'cursor', 400);
  if (cursor !== undefined) out.cursor = cursor;
  const limit = count(query, 'limit');
  if (limit !== undefined) out.limit = limit;
  return out;
}

/** A filter that takes one of `choices`, or undefined when absent. */
export function choice<T extends string>(query: Query, name: string, choices: readonly T[]): T | undefined {
  if (!has(query, name)) return undefined;
  const value = query[name] ?? '';
  if (!(choices as readonly string[]).includes(value)) throw invalidInput(name, `${name} must be one of ${choices.join(', ')}`);
  return value as T;
}

/** `?type&login&resourceId&tokenId&limit&before` of the event log. */
export function eventQuery(query: Query): EventQuery {
  const out: EventQuery = {};
  const type = text(query, 'type', 40);
  if (type !== undefined) {
    if (!isEventType(type)) throw invalidInput('type', 'type is not an event type');
    out.type = type;
  }
  for (const name of ['login', 'resourceId', 'tokenId'] as const) {
    const value = text(query, name, 64);
    if (value !== undefined) out[name] = value;
  }
  const before = text(query, 'before', 64);
  if (before !== undefined) {
    if (!/^[0-9A-Za-z_:-]+$/.test(before)) throw invalidInput('before', 'before must be an event id');
    out.before = before;
  }
  const limit = count(query, 'limit');
  if (limit !== undefined) {
    if (limit < 1 || limit > 500) throw invalidInput('limit', 'limit must be a whole number from 1 to 500');
    out.limit = limit;
  }
  return out;
}
