import { invalidInput } from './errors';
import type { ListQuery, Page } from './model';
import { memberId } from './records';
import type { Store } from './stores/store';
import { integer } from './validation';

/** Reads `ids` into items, aligned with them: null where a record is gone. */
export type Loader<T> = (ids: string[]) => Promise<(T | null)[]>;

function decodeCursor(cursor: unknown): string | null {
  if (cursor === undefined || cursor === null || cursor === '') return null;
  if (typeof cursor !== 'string' || !/^[A-Za-z0-9_-]{1,400}$/.test(cursor)) throw invalidInput('cursor', 'cursor is not valid');
  return Buffer.from(cursor, 'base64url').toString('utf8');
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
  const limit = query.limit === undefined ? 50 : integer(query.limit, 'limit', 1, 200);
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

function encode(member: string | null): string | null {
  return member === null ? null : Buffer.from(member, 'utf8').toString('base64url');
}
