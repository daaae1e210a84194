/*
 * The panel script's base: a DOM builder that only ever sets text (never HTML), the API client
 * that sends the CSRF header, and the notice area. The pages read the mount point and the CSRF
 * token from `data-` attributes of `<body>`, since the CSP allows no inline script.
 */

/** One page of a list as the API answers it. */
interface ApiPage<T> {
  items: T[];
  next: string | null;
}

/** What tokens and users share in the API's answers: whether and until when they are blocked. */
interface Blockable {
  id: string;
  blocked: 'admin' | 'failed_attempts' | null;
  blockedUntil: string | null;
}

/** A child of `el`: a node, or text (null and undefined are left out). */
type Child = Node | string | null | undefined;

const BASE = document.body.getAttribute('data-base') || '';
let csrf = document.body.getAttribute('data-csrf') || '';

function $<T extends Element = HTMLElement>(selector: string, root?: ParentNode | null): T | null {
  return (root || document).querySelector<T>(selector);
}

function $all<T extends Element = HTMLElement>(selector: string, root?: ParentNode | null): T[] {
  return Array.prototype.slice.call((root || document).querySelectorAll<T>(selector));
}

/** Builds an element. Data only ever goes in as text nodes or attribute values, never as HTML. */
function el<K extends keyof HTMLElementTagNameMap>(tag: K, props?: Record<string, unknown> | null, children?: readonly Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  const given = props || {};
  Object.keys(given).forEach((key) => {
    const value = given[key];
    if (value === null || value === undefined || value === false) return;
    if (key === 'text') node.textContent = String(value);
    else if (key === 'class') node.className = value as string;
    else if (key.slice(0, 2) === 'on') node.addEventListener(key.slice(2), value as EventListener);
    else node.setAttribute(key, value === true ? '' : String(value));
  });
  (children || []).forEach((child) => {
    if (child !== null && child !== undefined) node.append(child);
  });
  return node;
}

interface ButtonOptions {
  cls?: string;
  aria?: string;
  /** Names the button across redraws, so the focus can come back to it (see `listController`). */
  key?: string;
  onClick: (event: MouseEvent) => void;
}

function button(label: string, options: ButtonOptions): HTMLButtonElement {
  return el('button', {
    type: 'button',
    class: options.cls || 'small',
    'aria-label': options.aria || null,
    'data-key': options.key || null,
    onclick: options.onClick,
  }, [label]);
}

/** A refusal of the API (its stable code, the field it names, its message), or a network failure. */
class ApiError {
  status: number;
  code: string;
  field: string | null;
  message: string;

  constructor(status: number, body: { error?: string; field?: string; message?: string } | null) {
    this.status = status;
    this.code = (body && body.error) || 'error';
    this.field = (body && body.field) || null;
    this.message = (body && body.message) || ('The server answered ' + status + '.');
  }
}

/**
 * Calls the JSON API. Changes carry the session's CSRF token; if the session got a new one (a
 * sign-in, a second factor passed in another tab), the token is fetched again and the call made once more.
 * A text body goes as is with its `contentType`; anything else as JSON.
 */
async function api<T = unknown>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (method !== 'GET') headers['X-CSRF-Token'] = csrf;
    const init: RequestInit = { method: method, headers: headers, credentials: 'same-origin', cache: 'no-store' };
    if (body !== undefined) {
      headers['Content-Type'] = contentType || 'application/json';
      init.body = contentType ? (body as string) : JSON.stringify(body);
    }
    let res: Response;
    try {
      res = await fetch(BASE + '/api/' + path, init);
    } catch {
      throw new ApiError(0, { error: 'network', message: 'The server could not be reached. Check the connection and try again.' });
    }
    if (res.status === 204) return null as T;
    let data: { error?: string } | null;
    try {
      data = await res.json();
    } catch {
      data = null;
    }
    if (res.ok) return data as T;
    if (res.status === 403 && data && data.error === 'csrf_failed' && attempt === 0) {
      csrf = (await api<{ csrf: string }>('GET', 'csrf')).csrf;
      continue;
    }
    throw new ApiError(res.status, data);
  }
}

function seg(value: string): string {
  return encodeURIComponent(value);
}

function qs(params: Record<string, unknown>): string {
  const search = new URLSearchParams();
  Object.keys(params).forEach((key) => {
    const value = params[key];
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  });
  const text = search.toString();
  return text ? '?' + text : '';
}

function fmtTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  return isNaN(date.getTime()) ? String(iso) : date.toLocaleString();
}

/** Says what happened in the page's live region. */
function notify(message: string, isError?: boolean): void {
  const area = $('#notice');
  if (!area) return;
  area.replaceChildren(el('p', { class: isError ? 'alert' : 'notice', role: isError ? 'alert' : null, text: message }));
}

/** The message of whatever a request threw (an `ApiError` or an `Error`). */
function messageOf(err: unknown): string {
  return (err as { message: string }).message;
}

/** "Active", or why and until when the token or user is blocked. */
function statusBadge(item: Blockable): HTMLSpanElement {
  if (!item.blocked) return el('span', { class: 'badge', text: 'Active' });
  let why = item.blocked === 'admin' ? 'Blocked by an administrator' : 'Blocked after too many failed codes';
  if (item.blockedUntil) why += ' until ' + fmtTime(item.blockedUntil);
  return el('span', { class: 'badge blocked', text: why });
}

/** A column of `table`: its label, and what a row shows in it. */
interface Column<T> {
  label: string;
  cls?: string;
  cell: (item: T) => Child | Child[];
}

/** A table whose cells carry their column's label, so a phone can show each row as a card. */
function table<T>(caption: string, columns: readonly Column<T>[], items: readonly T[]): HTMLTableElement {
  const head = el('tr', null, columns.map((c) => el('th', { scope: 'col', text: c.label })));
  const rows = items.map((item) => {
    return el('tr', { 'data-id': (item as { id?: string }).id }, columns.map((c) => {
      const content = c.cell(item);
      return el('td', { 'data-label': c.label }, [el('div', { class: c.cls || null }, Array.isArray(content) ? content : [content])]);
    }));
  });
  return el('table', { class: 'grid' }, [el('caption', { class: 'sr-only', text: caption }), el('thead', null, [head]), el('tbody', null, rows)]);
}

function rowActions(buttons: readonly Child[]): HTMLDivElement {
  return el('div', { class: 'row-actions' }, buttons);
}

function radioValue(form: HTMLFormElement, name: string): string | null {
  const checked = form.querySelector<HTMLInputElement>('input[name="' + name + '"]:checked');
  return checked ? checked.value : null;
}

function setRadio(form: HTMLFormElement, name: string, value: unknown): void {
  $all<HTMLInputElement>('input[name="' + name + '"]', form).forEach((input) => {
    input.checked = input.value === String(value);
  });
}

/** A form's control by name; the pages only ask for controls their forms have. */
function field<T extends Element = HTMLInputElement>(form: HTMLFormElement, name: string): T {
  return form.elements.namedItem(name) as T;
}
