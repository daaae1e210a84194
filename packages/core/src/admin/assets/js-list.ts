/**
 * A paged list on a page: search, "Show more", reload after a change. The focus survives a
 * redraw: buttons carry a `data-key` (`block:<id>` for both Block and Unblock), so the button
 * that had it gets it back.
 */
export const JS_LIST = String.raw`
function listController(options) {
  var list = $('#list');
  var more = $('#more');
  var search = $('#search');
  var state = { items: [], next: null, q: '' };

  function render() {
    var active = document.activeElement;
    var wasInList = list.contains(active);
    var key = wasInList ? active.getAttribute('data-key') : null;
    list.replaceChildren(state.items.length ? options.render(state.items) : el('p', { class: 'empty', text: options.empty }));
    more.hidden = !state.next;
    if (!wasInList) return;
    var again = key ? list.querySelector('[data-key="' + CSS.escape(key) + '"]') : null;
    (again || $('#main')).focus();
  }

  async function load(append) {
    list.setAttribute('aria-busy', 'true');
    try {
      var params = Object.assign({ limit: 50 }, options.params ? options.params() : {});
      if (state.q) params.q = state.q;
      if (append && state.next) params[options.cursorParam || 'cursor'] = state.next;
      var page = await api('GET', options.path + qs(params));
      if (options.prepare) await options.prepare(page.items);
      state.items = append ? state.items.concat(page.items) : page.items;
      state.next = page.next;
      render();
    } catch (err) {
      notify(err.message, true);
    } finally {
      list.removeAttribute('aria-busy');
    }
  }

  if (search) {
    search.addEventListener('submit', function (event) {
      event.preventDefault();
      state.q = $('#search-q').value.trim();
      load(false);
    });
  }
  more.addEventListener('click', function () { load(true); });
  return { reload: function () { return load(false); }, state: state };
}
`;
