import type { ListQuery, Page } from '../model';
import { member } from '../records';
import { integer } from '../validation';

/** Core pages scanned per request at most (200 items each), so a rare filter cannot walk a huge list. */
const MAX_BATCHES = 10;

/**
 * The cursor the core lists hand out for "after this item" (see `paging.ts`): the item's list
 * member, base64url. Built here so a filtered page can end on any item it keeps.
 */
function cursorAfter(sortKey: string, id: string): string {
  return Buffer.from(member(sortKey, id), 'utf8').toString('base64url');
}

/**
 * One page of a core list, keeping only items that pass `keep` (a filter the core lists do not
 * have, such as "tokens without a user"). It may hold fewer than `limit` items with a `next`
 * when the scan limit was reached: clients follow `next` until it is null, as for any page.
 */
export async function filteredPage<T extends { id: string }>(
  list: (query: ListQuery) => Promise<Page<T>>,
  query: ListQuery,
  keep: ((item: T) => boolean) | null,
  sortKey: (item: T) => string,
): Promise<Page<T>> {
  if (!keep) return list(query);
  const limit = query.limit === undefined ? 50 : integer(query.limit, 'limit', 1, 200);
  const items: T[] = [];
  let cursor = query.cursor ?? null;
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const page = await list({ ...query, cursor, limit: 200 });
    for (const [i, item] of page.items.entries()) {
      if (!keep(item)) continue;
      items.push(item);
      if (items.length === limit) {
        const last = i === page.items.length - 1 && page.next === null;
        return { items, next: last ? null : cursorAfter(sortKey(item), item.id) };
      }
    }
    if (page.next === null) return { items, next: null };
    cursor = page.next;
  }
  return { items, next: cursor };
}
