import { escapeHtml, SafeHtml } from '@protectimus-mail/core';
import { asset, csrfToken, EVENT_TYPES, page, pageShell, type Answer } from '@protectimus-mail/core/adapter';
import { methodNotAllowed, routeNotFound } from './api';
import { assetUrl, findAsset } from './assets';
import type { AdminRequest } from './runner';

// The panel's pages: server-rendered markup under a strict CSP (no inline script or style), which
// the panel's own script (browser/, served from /assets/) brings to life.

// ---- The layout ----

/** The panel's pages, in the order of its navigation. */
type PanelPage = 'tokens' | 'users' | 'resources' | 'events';

const NAV: readonly { page: PanelPage; label: string; path: string }[] = [
  { page: 'tokens', label: 'Tokens', path: '/' },
  { page: 'users', label: 'Users', path: '/users' },
  { page: 'resources', label: 'Resources', path: '/resources' },
  { page: 'events', label: 'Event log', path: '/events' },
];

/** What every page needs from the request. */
interface PageContext {
  /** `''` or `/admin`: where the router is mounted. */
  mount: string;
  /** The session's CSRF token, which the panel's script sends as `X-CSRF-Token`. */
  csrf: string;
  /** The languages the instance serves its end users in (`pm.locales.tags`), for a user's mail language. */
  locales: readonly string[];
}

/**
 * A panel page: the navigation, `mainHtml` and `dialogsHtml` (already escaped by the caller),
 * and the panel's own script and stylesheet, the only ones the CSP allows. The script reads the
 * mount point and the CSRF token from `data-` attributes of `<body>`: no inline script.
 */
function panelLayout(page: PanelPage, title: string, ctx: PageContext, mainHtml: string, dialogsHtml = ''): string {
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
function pageHead(title: string, buttonsHtml: string): string {
  return `<div class="page-head"><h1>${escapeHtml(title)}</h1><div class="page-actions">${buttonsHtml}</div></div>`;
}

/** The search box, the live notice area, the list and its "Show more" button. */
function listSection(searchLabel: string, placeholder: string): string {
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

// ---- Parts of the pages ----

/** A dialog with its title and close button; `bodyHtml` is already escaped. */
function dialog(id: string, title: string, bodyHtml: string): string {
  return [
    `<dialog id="${id}" class="dlg" aria-labelledby="${id}-title">`,
    '<div class="dlg-head">',
    `<h2 id="${id}-title">${escapeHtml(title)}</h2>`,
    '<button type="button" class="icon" data-close aria-label="Close">&times;</button>',
    '</div>',
    bodyHtml,
    '</dialog>',
  ].join('\n');
}

/** A form's error line (filled from the API's `message`) and its buttons. */
function formEnd(submitLabel: string, secondaryHtml = '<button type="button" class="secondary" data-close>Cancel</button>', submitClass = 'primary'): string {
  return [
    '<p class="form-error" role="alert" hidden></p>',
    `<div class="actions"><button type="submit" class="${submitClass}">${escapeHtml(submitLabel)}</button>${secondaryHtml}</div>`,
  ].join('\n');
}

/** A labelled text input. */
function textField(id: string, name: string, label: string, attrs = '', hint = ''): string {
  const described = hint ? ` aria-describedby="${id}-hint"` : '';
  return [
    '<div class="field">',
    `<label for="${id}">${escapeHtml(label)}</label>`,
    hint ? `<p class="hint" id="${id}-hint">${escapeHtml(hint)}</p>` : '',
    `<input id="${id}" name="${name}" ${attrs}${described}>`,
    '</div>',
  ].join('');
}

/** A group of radio buttons; the first is checked. */
function radios(name: string, legend: string, options: readonly [value: string, label: string][], extraClass = ''): string {
  const items = options
    .map(([value, label], i) => `<label class="choice"><input type="radio" name="${name}" value="${escapeHtml(value)}"${i === 0 ? ' checked' : ''}> ${escapeHtml(label)}</label>`)
    .join('');
  return `<fieldset class="field ${extraClass}"><legend>${escapeHtml(legend)}</legend><div class="choices-row">${items}</div></fieldset>`;
}

/**
 * The fields of the "Protectimus MAIL" form, as the seed names them: Token Name, Email Address,
 * One-time Password Length (6 or 8), and an optional PIN typed before or after the OTP.
 */
function mailTokenFields(prefix: string): string {
  return [
    textField(`${prefix}-name`, 'name', 'Token Name', 'type="text" required maxlength="50" autocomplete="off" spellcheck="false"'),
    textField(`${prefix}-email`, 'email', 'Email Address', 'type="email" required maxlength="254" autocomplete="off" spellcheck="false"', 'Where the user receives the one-time passwords.'),
    radios('otpLength', 'One-time Password Length', [
      ['6', '6 digits'],
      ['8', '8 digits'],
    ]),
    '<div class="field"><label class="choice"><input type="checkbox" name="usePin" data-toggle="pin"> Use a PIN code with this token</label></div>',
    '<div class="pin-fields" data-when="pin" hidden>',
    textField(
      `${prefix}-pin`,
      'pin',
      'PIN',
      'type="text" minlength="4" maxlength="12" pattern="[A-Za-z0-9]{4,12}" autocomplete="off" spellcheck="false" autocapitalize="off" data-required',
      '4 to 12 letters or digits. The user types it together with the one-time password, with nothing between them.',
    ),
    radios('pinPosition', 'Where the PIN goes', [
      ['before', 'PIN before the OTP'],
      ['after', 'PIN after the OTP'],
    ]),
    '</div>',
  ].join('\n');
}

/** Block for a while or until unblocked; shared by the Tokens and Users pages. */
function blockDialog(): string {
  return dialog(
    'dlg-block',
    'Block',
    [
      '<form id="form-block" class="form">',
      '<p id="block-what"></p>',
      radios('duration', 'How long', [
        ['until', 'Until an administrator unblocks it'],
        ['minutes', 'For a number of minutes'],
      ]),
      '<div data-when="minutes" hidden>',
      textField('block-minutes', 'minutes', 'Minutes', 'type="number" min="1" max="525600" step="1" value="60" inputmode="numeric"'),
      '</div>',
      formEnd('Block', undefined, 'danger'),
      '</form>',
    ].join('\n'),
  );
}

/** "Are you sure?" before a deletion. */
function confirmDialog(): string {
  return dialog(
    'dlg-confirm',
    'Please confirm',
    ['<form id="form-confirm" class="form">', '<p id="confirm-text"></p>', formEnd('Delete', undefined, 'danger'), '</form>'].join('\n'),
  );
}

// ---- The pages ----

const MAIL_NOTE =
  'Mail tokens are free and simple, as inboxes are usually protected by a password, but they are weaker than other ' +
  'token types, above all when the inbox and the protected app share a password. Add a PIN.';

/** "Add Token -> Software tokens -> Protectimus MAIL", one step of the dialog at a time. */
function addTokenDialog(): string {
  return dialog(
    'dlg-add-token',
    'Add Token',
    [
      '<section data-step="kind" aria-label="Token kind">',
      '<p>Choose the kind of token.</p>',
      '<div class="tiles"><button type="button" class="tile" data-goto="software">Software tokens<span class="tile-sub">Codes delivered to an app, a phone or a mailbox</span></button></div>',
      '</section>',
      '<section data-step="software" aria-label="Software tokens" hidden>',
      '<p>Software tokens</p>',
      '<div class="tiles"><button type="button" class="tile" data-goto="mail">Protectimus MAIL<span class="tile-sub">One-time passwords sent by email</span></button></div>',
      '<div class="actions"><button type="button" class="secondary" data-goto="kind">Back</button></div>',
      '</section>',
      '<section data-step="mail" aria-label="Protectimus MAIL" hidden>',
      '<h3>Protectimus MAIL</h3>',
      `<p class="hint note">${MAIL_NOTE}</p>`,
      '<form id="form-add-token" class="form">',
      mailTokenFields('add'),
      formEnd('Save', '<button type="button" class="secondary" data-goto="software">Back</button>'),
      '</form>',
      '</section>',
    ].join('\n'),
  );
}

/** Edit a token; the PIN can be kept, replaced or removed, and is never shown. */
function editTokenDialog(): string {
  return dialog(
    'dlg-edit-token',
    'Edit token',
    [
      '<form id="form-edit-token" class="form">',
      textField('edit-name', 'name', 'Token Name', 'type="text" required maxlength="50" autocomplete="off" spellcheck="false"'),
      textField('edit-email', 'email', 'Email Address', 'type="email" required maxlength="254" autocomplete="off" spellcheck="false"'),
      radios('otpLength', 'One-time Password Length', [
        ['6', '6 digits'],
        ['8', '8 digits'],
      ]),
      radios('pinMode', 'PIN', [
        ['keep', 'Keep the current PIN'],
        ['new', 'Set a new PIN'],
        ['none', 'No PIN'],
      ]),
      '<div data-when="pin-new" hidden>',
      textField('edit-pin', 'pin', 'New PIN', 'type="text" minlength="4" maxlength="12" pattern="[A-Za-z0-9]{4,12}" autocomplete="off" spellcheck="false" autocapitalize="off"', '4 to 12 letters or digits.'),
      '</div>',
      '<div data-when="pin-position" hidden>',
      radios('pinPosition', 'Where the PIN goes', [
        ['before', 'PIN before the OTP'],
        ['after', 'PIN after the OTP'],
      ]),
      '</div>',
      formEnd('Save'),
      '</form>',
    ].join('\n'),
  );
}

/** The Tokens page: the list, "Add Token", edit, block/unblock, delete. */
function tokensPage(ctx: PageContext): string {
  const main = [
    pageHead('Tokens', '<button type="button" class="primary" id="add-token">Add Token</button>'),
    listSection('Search tokens', 'Name or email address'),
  ].join('\n');
  return panelLayout('tokens', 'Tokens', ctx, main, [addTokenDialog(), editTokenDialog(), blockDialog(), confirmDialog()].join('\n'));
}

/** `uk` as "Ukrainian (uk)": the panel is English, so are the languages' names in it. */
function languageName(tag: string): string {
  let name: string | undefined;
  try {
    name = new Intl.DisplayNames(['en'], { type: 'language' }).of(tag);
  } catch {
    name = undefined;
  }
  return name && name !== tag ? `${name} (${tag})` : tag;
}

/**
 * The user's mail language: one the instance serves, or none to follow the page's. A user the
 * API gave another tag keeps it (the panel's script adds it as an option when editing).
 */
function localeField(tags: readonly string[]): string {
  const options = [`<option value="">The page’s language</option>`, ...tags.map((t) => `<option value="${escapeHtml(t)}">${escapeHtml(languageName(t))}</option>`)];
  return [
    '<div class="field"><label for="user-locale">Mail language</label>',
    '<p class="hint" id="user-locale-hint">The language of this user’s code mail. The page’s language: the one their browser asks for.</p>',
    `<select id="user-locale" name="locale" aria-describedby="user-locale-hint">${options.join('')}</select></div>`,
  ].join('\n');
}

function userDialog(locales: readonly string[]): string {
  return dialog(
    'dlg-user',
    'Add User',
    [
      '<form id="form-user" class="form">',
      textField('user-login', 'login', 'Login', 'type="text" required maxlength="64" pattern="[A-Za-z0-9_\\-@!#%+.$]{1,64}" autocomplete="off" spellcheck="false" autocapitalize="off"', 'Letters, digits and _-@!#%+.$ — the login the app knows the user by.'),
      textField('user-email', 'email', 'Email', 'type="email" maxlength="254" autocomplete="off" spellcheck="false"'),
      textField('user-first', 'firstName', 'First name', 'type="text" maxlength="100" autocomplete="off"'),
      textField('user-second', 'secondName', 'Second name', 'type="text" maxlength="100" autocomplete="off"'),
      localeField(locales),
      formEnd('Save'),
      '</form>',
    ].join('\n'),
  );
}

/** "Assign Token": a new token (the MAIL form), or an existing one without a user. */
function assignTokenDialog(): string {
  return dialog(
    'dlg-assign-token',
    'Assign Token',
    [
      '<p class="hint" id="assign-for"></p>',
      '<div class="tabs" role="tablist" aria-label="Which token">',
      '<button type="button" role="tab" id="tab-new" aria-controls="panel-new" aria-selected="true">New</button>',
      '<button type="button" role="tab" id="tab-existing" aria-controls="panel-existing" aria-selected="false" tabindex="-1">Existing</button>',
      '</div>',
      '<div role="tabpanel" id="panel-new" aria-labelledby="tab-new">',
      '<form id="form-assign-new" class="form">',
      '<p class="hint">A new Protectimus MAIL token for this user.</p>',
      mailTokenFields('new'),
      formEnd('Save'),
      '</form>',
      '</div>',
      '<div role="tabpanel" id="panel-existing" aria-labelledby="tab-existing" hidden>',
      '<form id="form-assign-existing" class="form">',
      '<div class="field"><label for="existing-token">Token</label>',
      '<p class="hint" id="existing-token-hint">Tokens that have no user yet.</p>',
      '<select id="existing-token" name="tokenId" required aria-describedby="existing-token-hint"></select></div>',
      formEnd('Assign'),
      '</form>',
      '</div>',
    ].join('\n'),
  );
}

const CSV_HELP = 'One user per line: login,email,firstName,secondName,resourceName1,tokenName1,resourceName2,tokenName2,… ' +
  'A token name that does not exist yet becomes a new mail token for the row’s email. Each row is imported whole or not at all.';

/** The resources CSV (docs/design.md, "CSV import"), told from a users file by its header. */
const RESOURCES_CSV_HELP = 'A header line first: resource, then any of display_name, failed_attempts_before_lock, lock_minutes, allowed_ips, enrollment, schedule. ' +
  'A new name creates the resource, an existing one is updated; an empty cell leaves the setting as it is. ' +
  'schedule is the time zone and hours, such as "Europe/Kyiv mon-fri 08:00-19:00; sat 10:00-14:00" (quoted when it holds a comma); none removes it.';

/** The import of the Users and Resources pages: either kind of file, told apart by its first line. */
function importDialog(): string {
  return dialog(
    'dlg-import',
    'Import CSV',
    [
      '<form id="form-import" class="form">',
      '<p class="hint">Users or resources, told apart by the first line:</p>',
      '<ul class="hint import-kinds">',
      `<li><strong>Users</strong>: ${escapeHtml(CSV_HELP)}</li>`,
      `<li><strong>Resources</strong>: ${escapeHtml(RESOURCES_CSV_HELP)}</li>`,
      '</ul>',
      '<div class="field"><label for="import-file">CSV file</label><input id="import-file" name="file" type="file" accept=".csv,text/csv"></div>',
      '<div class="field"><label for="import-text">Or paste the rows</label>',
      '<textarea id="import-text" name="csv" rows="6" spellcheck="false" autocapitalize="off"></textarea></div>',
      '<div id="import-result" class="import-result" role="status" aria-live="polite"></div>',
      formEnd('Import', '<button type="button" class="secondary" data-close>Close</button>'),
      '</form>',
    ].join('\n'),
  );
}

/** "Devices": the user's remembered devices, each forgotten alone or all at once. */
function devicesDialog(): string {
  return dialog(
    'dlg-devices',
    'Remembered devices',
    [
      '<p class="hint" id="devices-for"></p>',
      '<p class="hint">A remembered device skips the code on its resource until it expires. Forget one to ask it for a code again.</p>',
      '<div id="devices-list" class="devices-list" role="region" aria-labelledby="dlg-devices-title" aria-live="polite"></div>',
      '<form id="form-devices" class="form">',
      formEnd('Forget all', '<button type="button" class="secondary" data-close>Close</button>', 'danger'),
      '</form>',
    ].join('\n'),
  );
}

/** The Users page: the list, add/edit, "Assign Token", unassign, devices, block/unblock, delete, import. */
function usersPage(ctx: PageContext): string {
  const main = [
    pageHead('Users', '<button type="button" class="secondary" id="import-users">Import CSV</button><button type="button" class="primary" id="add-user">Add User</button>'),
    listSection('Search users', 'Login, email or name'),
  ].join('\n');
  return panelLayout('users', 'Users', ctx, main, [userDialog(ctx.locales), assignTokenDialog(), importDialog(), devicesDialog(), blockDialog(), confirmDialog()].join('\n'));
}

/** The weekdays of a schedule, as the API names them and as the form labels them. */
const WEEKDAY_LABELS: readonly [day: string, label: string][] = [
  ['mon', 'Monday'],
  ['tue', 'Tuesday'],
  ['wed', 'Wednesday'],
  ['thu', 'Thursday'],
  ['fri', 'Friday'],
  ['sat', 'Saturday'],
  ['sun', 'Sunday'],
];

/**
 * The resource's time window (docs/design.md, "Time windows"): a time zone, and per weekday its
 * ranges as text. The zone field is named `schedule`, so a refusal of the API (field `schedule`)
 * points at it.
 */
function scheduleFields(): string {
  const days = WEEKDAY_LABELS.map(([day, label]) =>
    textField(`res-sched-${day}`, `schedule-${day}`, label, 'type="text" autocomplete="off" spellcheck="false" autocapitalize="off" placeholder="08:00-12:00, 13:00-19:00" aria-describedby="res-sched-days-hint"'),
  );
  return [
    '<fieldset class="field schedule"><legend>Time window</legend>',
    '<p class="hint" id="res-sched-hint">When the resource may be entered. Outside it nobody gets a code, and verified sessions stop passing when it closes. Leave the time zone empty for no time window (open at any time).</p>',
    textField('res-sched-zone', 'schedule', 'Time zone', 'type="text" autocomplete="off" spellcheck="false" autocapitalize="off" list="res-sched-zones" placeholder="Europe/Kyiv" aria-describedby="res-sched-hint"'),
    '<datalist id="res-sched-zones"></datalist>',
    '<p class="hint" id="res-sched-days-hint">Hours per day as ranges, such as 08:00-12:00, 13:00-19:00; 22:00-06:00 runs past midnight. An empty day is closed.</p>',
    ...days,
    '</fieldset>',
  ].join('\n');
}

function resourceDialog(): string {
  return dialog(
    'dlg-resource',
    'Add Resource',
    [
      '<form id="form-resource" class="form">',
      textField('res-name', 'name', 'Resource Name', 'type="text" required maxlength="50" autocomplete="off" spellcheck="false"', 'The name the app’s guard uses, e.g. billing.'),
      textField('res-display', 'displayName', 'Display name', 'type="text" maxlength="80" autocomplete="off"', 'What users read in the code page and mail, e.g. Billing. Empty: the mail says the resource name.'),
      textField('res-failed', 'failedAttemptsBeforeLock', 'Failed attempts before lock', 'type="number" required min="3" max="10" step="1" value="5" inputmode="numeric"'),
      textField('res-lock', 'lockMinutes', 'Lock minutes', 'type="number" required min="1" max="10080" step="1" value="5" inputmode="numeric"'),
      '<div class="field"><label for="res-ips">Allowed IP addresses</label>',
      '<p class="hint" id="res-ips-hint">Addresses or CIDR ranges, one per line. Empty: any address.</p>',
      '<textarea id="res-ips" name="allowedIps" rows="3" spellcheck="false" autocapitalize="off" aria-describedby="res-ips-hint"></textarea></div>',
      radios('enrollment', 'Enrollment', [
        ['off', 'Off'],
        ['allowed', 'Allowed'],
      ]),
      '<p class="hint">Allowed: a signed-in user of the app with no token here gets one at their address, if the app’s guard enrolls (its <code>enroll</code> option); the first code mailed there confirms it. Off: only tokens with users assigned here.</p>',
      scheduleFields(),
      formEnd('Save'),
      '</form>',
    ].join('\n'),
  );
}

/** "Assign -> Token with User", then the tokens with users to pick. */
function assignDialog(): string {
  return dialog(
    'dlg-assign',
    'Assign',
    [
      '<p class="hint" id="assign-to"></p>',
      '<section data-step="menu" aria-label="What to assign">',
      '<div class="tiles"><button type="button" class="tile" id="assign-token-with-user">Token with User<span class="tile-sub">A token that has a user</span></button></div>',
      '</section>',
      '<section data-step="pick" aria-label="Token with User" hidden>',
      '<form id="form-assign" class="form">',
      '<fieldset class="field"><legend>Select the tokens with users to assign</legend>',
      '<div id="assign-options" class="checklist"></div></fieldset>',
      '<div class="form-error" role="alert" hidden></div>',
      '<div class="actions"><button type="submit" class="primary">Assign</button><button type="button" class="secondary" data-goto="menu">Back</button></div>',
      '</form>',
      '</section>',
    ].join('\n'),
  );
}

/** The Resources page: the list with each one's tokens with users, add/edit, assign, unassign, delete, import. */
function resourcesPage(ctx: PageContext): string {
  const main = [
    pageHead('Resources', '<button type="button" class="secondary" id="import-resources">Import CSV</button><button type="button" class="primary" id="add-resource">Add Resource</button>'),
    listSection('Search resources', 'Name'),
  ].join('\n');
  return panelLayout('resources', 'Resources', ctx, main, [resourceDialog(), assignDialog(), importDialog(), confirmDialog()].join('\n'));
}

function filters(): string {
  const types = ['<option value="">All events</option>', ...EVENT_TYPES.map((t) => `<option value="${escapeHtml(t)}">${escapeHtml(t)}</option>`)].join('');
  return [
    '<form id="filters" class="filters" aria-label="Filter the events">',
    `<div class="field"><label for="f-type">Event</label><select id="f-type" name="type">${types}</select></div>`,
    '<div class="field"><label for="f-login">User login</label><input id="f-login" name="login" type="text" maxlength="64" autocomplete="off" spellcheck="false"></div>',
    '<div class="field"><label for="f-resource">Resource</label><select id="f-resource" name="resourceId"><option value="">All resources</option></select></div>',
    '<div class="actions"><button type="submit" class="primary">Apply</button><button type="reset" class="secondary">Reset</button></div>',
    '</form>',
  ].join('\n');
}

/** The event log, newest first, with filters and the codes-per-hour chart. */
function eventsPage(ctx: PageContext): string {
  const main = [
    '<div class="page-head"><h1>Event log</h1></div>',
    '<section class="card" aria-labelledby="chart-title">',
    '<h2 id="chart-title">Codes per hour, last 24 hours</h2>',
    '<ul class="legend"><li><span class="swatch sent"></span>Sent</li><li><span class="swatch verified"></span>Verified</li><li><span class="swatch failed"></span>Failed</li></ul>',
    '<div id="chart" class="chart"></div>',
    '</section>',
    filters(),
    '<div id="notice" class="notice-area" role="status" aria-live="polite"></div>',
    '<div id="list" class="list"></div>',
    '<p class="more"><button type="button" id="more" class="secondary" hidden>Older events</button></p>',
  ].join('\n');
  return panelLayout('events', 'Event log', ctx, main);
}

// ---- The panel's addresses ----

const PAGES: Readonly<Record<string, (ctx: PageContext) => string>> = {
  '': tokensPage,
  tokens: tokensPage,
  users: usersPage,
  resources: resourcesPage,
  events: eventsPage,
};

/** The panel's pages (`/`, `/users`, `/resources`, `/events`) and its two files under `/assets/`. */
export function panelResponse(req: AdminRequest, method: string, mount: string, segments: readonly string[], locales: readonly string[] = ['en']): Answer {
  const name = segments.join('/');
  const render = Object.hasOwn(PAGES, name) ? PAGES[name] : undefined;
  const file = segments.length === 2 && segments[0] === 'assets' ? findAsset(segments[1] ?? '') : undefined;
  if (!render && !file) throw routeNotFound();
  if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed(['GET', 'HEAD']);
  // Cached for good only under the URL of this very text; another `v` gets it fresh.
  if (file) return asset(file.type, file.text, req.query.v === file.version);
  return page(200, (render as (ctx: PageContext) => string)({ mount, csrf: csrfToken(req.session), locales }));
}
