import { invalidInput } from '../errors';
import { member, memberId, type ListQuery, type Page } from '../model';
import type { Store } from '../stores/store';
import { integer } from '../validation';

// One cursor format for every list: the last list member handed out, base64url. A filtered page
// (`filteredPage`) builds the same cursor for any item it keeps, so clients page both alike.

/** Reads `ids` into items, aligned with them: null where a record is gone. */
export type Loader<T> = (ids: string[]) => Promise<(T | null)[]>;

/** Core pages scanned per filtered request at most (200 items each), so a rare filter cannot walk a huge list. */
const MAX_BATCHES = 10;

function decodeCursor(cursor: unknown): string | null {
  if (cursor === undefined || cursor === null || cursor === '') return null;
  if (typeof cursor !== 'string' || !/^[A-Za-z0-9_-]{1,400}$/.test(cursor)) throw invalidInput('cursor', 'cursor is not valid');
  return Buffer.from(cursor, 'base64url').toString('utf8');
}

function encode(member: string | null): string | null {
  return member === null ? null : Buffer.from(member, 'utf8').toString('base64url');
}

function pageLimit(query: ListQuery): number {
  return query.limit === undefined ? 50 : integer(query.limit, 'limit', 1, 200);
}

/**
 * One page of an ordered directory list, optionally filtered by text. The cursor is the last
 * list member handed out, so pages stay stable while entries are added or removed elsewhere.
 */
export async function listPage<T>(
  store: Store,
  list: string,
  query: ListQuery,
  load: Loader<T>,
  text: (item: T) => string[],
): Promise<Page<T>> {
  const limit = pageLimit(query);
  if (query.q !== undefined && (typeof query.q !== 'string' || query.q.length > 100)) throw invalidInput('q', 'q must be a string of at most 100 characters');
  const q = query.q?.trim().toLowerCase() ?? '';
  const batch = q ? 200 : limit + 1;
  let after = decodeCursor(query.cursor);
  let lastGiven = after;
  const items: T[] = [];
  for (;;) {
    const { members } = await store.dirRange(list, after, batch);
    const loaded = await load(members.map(memberId));
    for (const [i, m] of members.entries()) {
      const item = loaded[i];
      if (item && (!q || text(item).some((t) => t.toLowerCase().includes(q)))) {
        if (items.length === limit) return { items, next: encode(lastGiven) };
        items.push(item);
        lastGiven = m;
      }
      after = m;
    }
    if (members.length < batch) return { items, next: null };
  }
}

/**
 * One page of a list, keeping only items that pass `keep` (a filter the lists do not have, such
 * as "tokens without a user"). It may hold fewer than `limit` items with a `next` when the scan
 * limit was reached: clients follow `next` until it is null, as for any page.
 */
export async function filteredPage<T extends { id: string }>(
  list: (query: ListQuery) => Promise<Page<T>>,
  query: ListQuery,
  keep: ((item: T) => boolean) | null,
  sortKey: (item: T) => string,
): Promise<Page<T>> {
  if (!keep) return list(query);
  const limit = pageLimit(query);
  const items: T[] = [];
  let cursor = query.cursor ?? null;
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const page = await list({ ...query, cursor, limit: 200 });
    for (const [i, item] of page.items.entries()) {
      if (!keep(item)) continue;
      items.push(item);
      if (items.length === limit) {
        const last = i === page.items.length - 1 && page.next === null;
        return { items, next: last ? null : encode(member(sortKey(item), item.id)) };
      }
    }
    if (page.next === null) return { items, next: null };
    cursor = page.next;
  }
  return { items, next: cursor };
}
