import type { SiteUser } from './accounts';
import { ADMIN_PATH, isAdmin } from './admin';
import { html, type MailToken, type SafeHtml } from '@protectimus-mail/core';
import type { DevInbox, ReceivedMail } from './inbox';
import { layout, type PageContext } from './layout';
import type { DemoLogin } from './seed';

/** Where the codes go, as the home page explains it. */
export type MailRoute = { kind: 'dev-inbox' } | { kind: 'smtp'; server: string };

/** The limits the home page quotes, taken from the running instance so the text cannot drift. */
export interface Limits {
  /** Seconds a code lives. */
  ttl: number;
  maxAttempts: number;
  /** Seconds a verification lasts in the session. */
  verifiedFor: number;
}

function duration(seconds: number): string {
  if (seconds % 3600 === 0) return seconds === 3600 ? '1 hour' : `${seconds / 3600} hours`;
  if (seconds % 60 === 0) return seconds === 60 ? '1 minute' : `${seconds / 60} minutes`;
  return `${seconds} seconds`;
}

function demoTable(logins: readonly DemoLogin[]): SafeHtml {
  return html`<table>
<thead><tr><th scope="col">Login / password</th><th scope="col">Second factor</th></tr></thead>
<tbody>
${logins.map(
  (d) => html`<tr><td><kbd>${d.login}</kbd> / <kbd>${d.password}</kbd></td><td>${d.describe}, mailed to ${d.email}</td></tr>
`,
)}</tbody>
</table>`;
}

function loginList(logins: readonly DemoLogin[]): SafeHtml {
  return html`${logins.map((d, i) => html`${i === 0 ? '' : i === logins.length - 1 ? ' and ' : ', '}<kbd>${d.login}</kbd>`)}`;
}

/** Who of the demo logins is the admin, and what that opens. */
function adminNote(logins: readonly DemoLogin[]): SafeHtml {
  const admins = logins.filter((d) => d.role === 'admin');
  const members = logins.filter((d) => d.role !== 'admin');
  if (admins.length === 0) return html``;
  return html`<p>${loginList(admins)} ${admins.length === 1 ? 'is also the admin' : 'are also admins'}: after the password and the code,
the <q>Admin</q> link in the header opens the <a href="${ADMIN_PATH}">admin panel</a> (<code>${ADMIN_PATH}</code>: Tokens, Users,
Resources and the event log).${members.length > 0 && html` ${loginList(members)} ${members.length === 1 ? 'is a member' : 'are members'}: the panel answers 403 Forbidden.`}</p>`;
}

function codesGoTo(route: MailRoute): SafeHtml {
  return route.kind === 'dev-inbox'
    ? html`<p>No mail server is set up, so the codes go to an SMTP server running inside this process: read them in the <a href="/dev/inbox">dev inbox</a>.</p>`
    : html`<p>The codes are mailed through <code>${route.server}</code>.</p>`;
}

/** The demo-only shortcut for the logins an admin creates, as the home page explains it. */
function addedUsersNote(demoPassword: string | null): SafeHtml {
  if (demoPassword === null) return html``;
  return html`<p><strong>Users the admin adds.</strong> Follow the setup guide in the <a href="${ADMIN_PATH}">admin panel</a>:
Tokens &rarr; Add Token &rarr; Protectimus MAIL, Users &rarr; Add User &rarr; Assign Token, then Resources &rarr; Assign &rarr;
Token with User on <code>account</code>. The new user then signs in with their login and the password <kbd>${demoPassword}</kbd>,
and opens the account area with the code mailed to their token.</p>
<p class="warning" role="note"><strong>A demo-only shortcut.</strong> Every login the admin creates shares the password
<kbd>${demoPassword}</kbd>, so that the setup can be tried here; alice and bob keep their own passwords. A real site gives each user a password of their own.</p>`;
}

export function homePage(ctx: PageContext, logins: readonly DemoLogin[], route: MailRoute, limits: Limits, demoPassword: string | null = null): string {
  return layout(
    'Welcome',
    ctx,
    html`<h1>A second factor by mail</h1>
<p>Your <a href="/account">account area</a> is protected twice:</p>
<ol>
<li><strong>Your password.</strong> Sign in with your login and password, as on any site.</li>
<li><strong>A one-time code mailed to your mail token.</strong> When you open the account area, a code is
mailed to the address of your token. The page says where it went (partly hidden), how many digits it has,
and whether your PIN goes in front of it. A code works once, for ${duration(limits.ttl)}, and
${limits.maxAttempts === 1 ? 'one wrong try uses' : `${limits.maxAttempts} wrong tries use`} it up.</li>
</ol>
<p>Once the code is accepted, the account area stays open in this browser session for ${duration(limits.verifiedFor)}, or until you sign out.</p>
<p class="warning" role="note"><strong>Mail tokens are the weakest kind of token.</strong> They cost nothing and are simple,
since a mailbox is protected by a password of its own. But that is the catch: if your mailbox has the same password as
this site, whoever learns it passes both steps. Use a different password for your mail, and prefer another token type
for anything sensitive.</p>
<h2>Try it</h2>
${demoTable(logins)}
${adminNote(logins)}
${addedUsersNote(demoPassword)}
${codesGoTo(route)}
<p><a class="button" href="/account/settings">Open your account settings</a></p>`,
  );
}

export interface SignInView {
  next: string | null;
  login?: string;
  error?: string;
  /** The demo password of admin-created logins, named under the form; null or absent: not shown. */
  demoPassword?: string | null;
}

export function signInPage(ctx: PageContext, view: SignInView): string {
  return layout(
    'Sign in',
    ctx,
    html`<h1>Sign in</h1>
${view.error && html`<p class="alert" role="alert">${view.error}</p>`}
${view.next && html`<p class="muted">Sign in to go on to <code>${view.next}</code>. A code will be mailed to you after that.</p>`}
<form method="post" action="/sign-in">
<input type="hidden" name="_csrf" value="${ctx.csrf}">
${view.next && html`<input type="hidden" name="next" value="${view.next}">`}
<div class="field">
<label for="login">Login</label>
<input id="login" name="login" type="text" autocomplete="username" autocapitalize="off" spellcheck="false" required value="${view.login ?? ''}"${view.login ? '' : html` autofocus`}>
</div>
<div class="field">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${view.login ? html` autofocus` : ''}>
</div>
<button type="submit">Sign in</button>
</form>
${
  view.demoPassword &&
  html`<p class="muted" role="note"><strong>Demo only:</strong> a user the admin added in the admin panel signs in with
the password <kbd>${view.demoPassword}</kbd>. <kbd>alice</kbd> and <kbd>bob</kbd> use their own, shown on the <a href="/">home page</a>.</p>`
}`,
    { narrow: true },
  );
}

function tokenSummary(token: MailToken): string {
  const pin =
    token.pinPosition === 'before' ? ', PIN typed before it' : token.pinPosition === 'after' ? ', PIN typed after it' : ', no PIN';
  return `${token.otpLength}-digit code${pin}`;
}

export function accountPage(ctx: PageContext & { user: SiteUser }, tokens: readonly MailToken[]): string {
  return layout(
    'Your account',
    ctx,
    html`<h1>Hello, ${ctx.user.name}</h1>
<p>You are in: you signed in with your password, then typed the code mailed to
your mail token ${tokens.map((t, i) => html`${i > 0 ? ', ' : ''}&ldquo;${t.name}&rdquo;`)}.</p>
<p>Everything under <code>/account</code> sits behind the same check, so the <a href="/account/settings">settings</a> open without another code.</p>`,
  );
}

export function settingsPage(ctx: PageContext & { user: SiteUser }, tokens: readonly MailToken[]): string {
  return layout(
    'Account settings',
    ctx,
    html`<h1>Account settings</h1>
<h2>Profile</h2>
<table>
<tr><th scope="row">Login</th><td>${ctx.user.login}</td></tr>
<tr><th scope="row">Name</th><td>${ctx.user.name}</td></tr>
<tr><th scope="row">Mail</th><td>${ctx.user.email}</td></tr>
</table>
<h2>Mail tokens</h2>
${
  tokens.length === 0
    ? html`<p>You have no mail token.</p>`
    : html`<table>
${tokens.map((t) => html`<tr><th scope="row">${t.name}</th><td>${t.email}<br><span class="muted">${tokenSummary(t)}</span></td></tr>
`)}</table>`
}
${
  isAdmin(ctx.user)
    ? html`<p>You are the administrator: manage tokens, PINs and who may open which area in the <a href="${ADMIN_PATH}">admin panel</a> (Tokens, Users and Resources).</p>`
    : html`<p class="muted">An administrator manages tokens, PINs and who may open which area (Tokens, Users and Resources).</p>`
}`,
  );
}

function mailItem(mail: ReceivedMail): SafeHtml {
  return html`<article class="mail" aria-labelledby="mail-${mail.id}">
<h2 id="mail-${mail.id}">${mail.subject || '(no subject)'}</h2>
<p class="muted">To <span class="to">${mail.to}</span> · from ${mail.from} · <time datetime="${mail.receivedAt.toISOString()}">${mail.receivedAt.toISOString().replace('T', ' ').slice(0, 19)} UTC</time></p>
<pre>${mail.text}</pre>
</article>`;
}

/** `/dev/inbox`: what `inbox` received, newest first. */
export function inboxPage(ctx: PageContext, inbox: DevInbox): string {
  const mails = inbox.list();
  return layout(
    'Dev inbox',
    ctx,
    html`<h1>Dev inbox</h1>
<p class="muted">Everything mailed to the SMTP server inside this process (<code>127.0.0.1:${inbox.port}</code>), newest first.
This page exists only in dev mode, without <code>SMTP_URL</code>. <a href="/dev/inbox">Refresh</a></p>
${mails.length === 0 ? html`<p>No mail yet. Open the <a href="/account">account area</a> after signing in to get a code.</p>` : mails.map(mailItem)}`,
  );
}

export function messagePage(ctx: PageContext, title: string, message: string): string {
  return layout(title, ctx, html`<h1>${title}</h1>\n<p>${message}</p>\n<p><a href="/">Back to the home page</a></p>`, { narrow: true });
}

export function notFoundPage(ctx: PageContext): string {
  return messagePage(ctx, 'Not found', 'There is no page at this address.');
}

/** The sign-out button's form carried a CSRF token that is not this session's. */
export function signOutExpiredPage(ctx: PageContext): string {
  return messagePage(ctx, 'Form expired', 'That sign-out form had expired. Reload the page and try again.');
}
