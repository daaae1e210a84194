import { escapeHtml, pageShell, SafeHtml } from '../web/html';
import { assetUrl } from './assets';

/** The panel's pages, in the order of its navigation. */
export type PanelPage = 'tokens' | 'users' | 'resources' | 'events';

const NAV: readonly { page: PanelPage; label: string; path: string }[] = [
  { page: 'tokens', label: 'Tokens', path: '/' },
  { page: 'users', label: 'Users', path: '/users' },
  { page: 'resources', label: 'Resources', path: '/resources' },
  { page: 'events', label: 'Event log', path: '/events' },
];

/** What every page needs from the request. */
export interface PageContext {
  /** `''` or `/admin`: where the router is mounted. */
  mount: string;
  /** The session's CSRF token, which the panel's script sends as `X-CSRF-Token`. */
  csrf: string;
}

/** The URL of a panel page. */
export function pageUrl(mount: string, page: PanelPage): string {
  return mount + (NAV.find((n) => n.page === page)?.path ?? '/');
}

/**
 * A panel page: the navigation, `mainHtml` and `dialogsHtml` (already escaped by the caller),
 * and the panel's own script and stylesheet, the only ones the CSP allows. The script reads the
 * mount point and the CSRF token from `data-` attributes of `<body>`: no inline script.
 */
export function panelLayout(page: PanelPage, title: string, ctx: PageContext, mainHtml: string, dialogsHtml = ''): string {
  const nav = NAV.map(
    (n) => `<li><a href="${escapeHtml(ctx.mount + n.path)}"${n.page === page ? ' aria-current="page"' : ''}>${escapeHtml(n.label)}</a></li>`,
  ).join('');
  return pageShell({
    title: `${title} · protectimus-mail admin`,
    head: new SafeHtml(
      [
        `<link rel="stylesheet" href="${escapeHtml(assetUrl(ctx.mount, 'panel.css'))}">`,
        `<script src="${escapeHtml(assetUrl(ctx.mount, 'panel.js'))}" defer></script>`,
      ].join('\n'),
    ),
    bodyAttributes: new SafeHtml(` data-page="${escapeHtml(page)}" data-base="${escapeHtml(ctx.mount)}" data-csrf="${escapeHtml(ctx.csrf)}"`),
    body: new SafeHtml(
      [
        '<a class="skip" href="#main">Skip to the content</a>',
        '<header class="top">',
        '<span class="brand">protectimus-mail <span class="brand-sub">admin</span></span>',
        `<nav aria-label="Admin pages"><ul>${nav}</ul></nav>`,
        '</header>',
        '<main id="main" tabindex="-1">',
        mainHtml,
        '<noscript><p class="alert">This panel needs JavaScript: its own script, from this server only.</p></noscript>',
        '</main>',
        dialogsHtml,
      ].join('\n'),
    ),
  });
}

/** The heading row of a list page with its main button. */
export function pageHead(title: string, buttonsHtml: string): string {
  return `<div class="page-head"><h1>${escapeHtml(title)}</h1><div class="page-actions">${buttonsHtml}</div></div>`;
}

/** The search box, the live notice area, the list and its "Show more" button. */
export function listSection(searchLabel: string, placeholder: string): string {
  return [
    '<form class="search" role="search" id="search">',
    `<label for="search-q">${escapeHtml(searchLabel)}</label>`,
    `<div class="search-row"><input id="search-q" name="q" type="search" maxlength="100" placeholder="${escapeHtml(placeholder)}" autocomplete="off">`,
    '<button type="submit" class="secondary">Search</button></div>',
    '</form>',
    '<div id="notice" class="notice-area" role="status" aria-live="polite"></div>',
    '<div id="list" class="list" aria-live="off"></div>',
    '<p class="more"><button type="button" id="more" class="secondary" hidden>Show more</button></p>',
  ].join('\n');
}
