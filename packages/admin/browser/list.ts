/*
 * A paged list on a page: search, "Show more", reload after a change. The focus survives a
 * redraw: buttons carry a `data-key` (`block:<id>` for both Block and Unblock), so the button
 * that had it gets it back.
 */

interface ListOptions<T> {
  /** The API path of the list, e.g. `tokens`. */
  path: string;
  /** What the list says when it has no item. */
  empty: string;
  render: (items: T[]) => Node;
  /** The query's parameters besides the search and the cursor (the event log's filters). */
  params?: () => Record<string, string>;
  /** Loads what rows show besides the items themselves, before they are drawn. */
  prepare?: (items: T[]) => Promise<void>;
  /** The parameter the next page's cursor goes in; `cursor` unless said. */
  cursorParam?: string;
}

interface ListController<T> extends Reloadable {
  state: { items: T[]; next: string | null; q: string };
}

function listController<T>(options: ListOptions<T>): ListController<T> {
  const list = $('#list')!;
  const more = $('#more')!;
  const search = $('#search');
  const state: ListController<T>['state'] = { items: [], next: null, q: '' };

  function render(): void {
    const active = document.activeElement;
    const wasInList = list.contains(active);
    const key = wasInList ? (active as Element).getAttribute('data-key') : null;
    list.replaceChildren(state.items.length ? options.render(state.items) : el('p', { class: 'empty', text: options.empty }));
    more.hidden = !state.next;
    if (!wasInList) return;
    const again = key ? list.querySelector<HTMLElement>('[data-key="' + CSS.escape(key) + '"]') : null;
    (again || $('#main')!).focus();
  }

  async function load(append: boolean): Promise<void> {
    list.setAttribute('aria-busy', 'true');
    try {
      const params: Record<string, unknown> = Object.assign({ limit: 50 }, options.params ? options.params() : {});
      if (state.q) params.q = state.q;
      if (append && state.next) params[options.cursorParam || 'cursor'] = state.next;
      const page = await api<ApiPage<T>>('GET', options.path + qs(params));
      if (options.prepare) await options.prepare(page.items);
      state.items = append ? state.items.concat(page.items) : page.items;
      state.next = page.next;
      render();
    } catch (err) {
      notify(messageOf(err), true);
    } finally {
      list.removeAttribute('aria-busy');
    }
  }

  if (search) {
    search.addEventListener('submit', (event) => {
      event.preventDefault();
      state.q = $<HTMLInputElement>('#search-q')!.value.trim();
      load(false);
    });
  }
  more.addEventListener('click', () => {
    load(true);
  });
  return { reload: () => load(false), state: state };
}
