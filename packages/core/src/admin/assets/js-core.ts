/**
 * The panel script's base: a DOM builder that only ever sets text (never HTML), the API client
 * that sends the CSRF header, and the notice area. Plain browser JavaScript, no template literals.
 */
export const JS_CORE = String.raw`
var BASE = document.body.getAttribute('data-base') || '';
var csrf = document.body.getAttribute('data-csrf') || '';

function $(selector, root) { return (root || document).querySelector(selector); }
function $all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }

/* Builds an element. Data only ever goes in as text nodes or attribute values, never as HTML. */
function el(tag, props, children) {
  var node = document.createElement(tag);
  Object.keys(props || {}).forEach(function (key) {
    var value = props[key];
    if (value === null || value === undefined || value === false) return;
    if (key === 'text') node.textContent = String(value);
    else if (key === 'class') node.className = value;
    else if (key.slice(0, 2) === 'on') node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  });
  (children || []).forEach(function (child) {
    if (child !== null && child !== undefined) node.append(child);
  });
  return node;
}

function button(label, options) {
  return el('button', {
    type: 'button',
    class: options.cls || 'small',
    'aria-label': options.aria || null,
    'data-key': options.key || null,
    onclick: options.onClick
  }, [label]);
}

function ApiError(status, body) {
  this.status = status;
  this.code = (body && body.error) || 'error';
  this.field = (body && body.field) || null;
  this.message = (body && body.message) || ('The server answered ' + status + '.');
}

/*
 * Calls the JSON API. Changes carry the session's CSRF token; if the session got a new one (a
 * sign-in, a second factor passed in another tab), the token is fetched again and the call made once more.
 */
async function api(method, path, body, contentType) {
  for (var attempt = 0; ; attempt++) {
    var headers = { Accept: 'application/json' };
    if (method !== 'GET') headers['X-CSRF-Token'] = csrf;
    var init = { method: method, headers: headers, credentials: 'same-origin', cache: 'no-store' };
    if (body !== undefined) {
      headers['Content-Type'] = contentType || 'application/json';
      init.body = contentType ? body : JSON.stringify(body);
    }
    var res;
    try {
      res = await fetch(BASE + '/api/' + path, init);
    } catch (err) {
      throw new ApiError(0, { error: 'network', message: 'The server could not be reached. Check the connection and try again.' });
    }
    if (res.status === 204) return null;
    var data = null;
    try { data = await res.json(); } catch (err) { data = null; }
    if (res.ok) return data;
    if (res.status === 403 && data && data.error === 'csrf_failed' && attempt === 0) {
      csrf = (await api('GET', 'csrf')).csrf;
      continue;
    }
    throw new ApiError(res.status, data);
  }
}

function seg(value) { return encodeURIComponent(value); }

function qs(params) {
  var search = new URLSearchParams();
  Object.keys(params).forEach(function (key) {
    var value = params[key];
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  });
  var text = search.toString();
  return text ? '?' + text : '';
}

function fmtTime(iso) {
  if (!iso) return '';
  var date = new Date(iso);
  return isNaN(date.getTime()) ? String(iso) : date.toLocaleString();
}

/* Says what happened in the page's live region. */
function notify(message, isError) {
  var area = $('#notice');
  if (!area) return;
  area.replaceChildren(el('p', { class: isError ? 'alert' : 'notice', role: isError ? 'alert' : null, text: message }));
}

/* "Active", or why and until when the token or user is blocked. */
function statusBadge(item) {
  if (!item.blocked) return el('span', { class: 'badge', text: 'Active' });
  var why = item.blocked === 'admin' ? 'Blocked by an administrator' : 'Blocked after too many failed codes';
  if (item.blockedUntil) why += ' until ' + fmtTime(item.blockedUntil);
  return el('span', { class: 'badge blocked', text: why });
}

/* A table whose cells carry their column's label, so a phone can show each row as a card. */
function table(caption, columns, items) {
  var head = el('tr', null, columns.map(function (c) { return el('th', { scope: 'col', text: c.label }); }));
  var rows = items.map(function (item) {
    return el('tr', { 'data-id': item.id }, columns.map(function (c) {
      var content = c.cell(item);
      return el('td', { 'data-label': c.label }, [el('div', { class: c.cls || null }, Array.isArray(content) ? content : [content])]);
    }));
  });
  return el('table', { class: 'grid' }, [el('caption', { class: 'sr-only', text: caption }), el('thead', null, [head]), el('tbody', null, rows)]);
}

function rowActions(buttons) {
  return el('div', { class: 'row-actions' }, buttons);
}

function radioValue(form, name) {
  var checked = form.querySelector('input[name="' + name + '"]:checked');
  return checked ? checked.value : null;
}

function setRadio(form, name, value) {
  $all('input[name="' + name + '"]', form).forEach(function (input) { input.checked = input.value === String(value); });
}

function field(form, name) { return form.elements.namedItem(name); }
`;
