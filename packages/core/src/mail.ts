import nodemailer from 'nodemailer';
import type { TransportConfig, Transporter } from 'nodemailer';
import { ProtectimusError, invalidInput } from './errors';
import { builtInCatalogue, formatIn, type Messages } from './locale';
import type { Clock } from './protectimus';
import { json, page, PAGE_CSP, type Answer } from './web/answer';
import { escapeHtml, html, plainPage } from './web/html';
import { prefersJson } from './web/request';

/**
 * An SMTP URL (`smtp://host:port`, `smtps://user:pass@host`), nodemailer transport options
 * (SMTP, pooled SMTP, or another bundled transport), or a ready transporter.
 */
export type TransportSetting = string | TransportConfig | Transporter;

/**
 * nodemailer's own defaults wait minutes for a dead server (2 min to connect, 10 min idle), which
 * would hang the user's request; these make a dead server fail within seconds. Values given in
 * the options object or the URL's query win.
 */
export const SMTP_TIMEOUTS = {
  connectionTimeout: 5_000,
  greetingTimeout: 5_000,
  socketTimeout: 15_000,
  dnsTimeout: 5_000,
} as const;

/** A transporter to send with, and whether we made it (and so must close it). */
export interface OpenedTransport {
  transporter: Transporter;
  owned: boolean;
}

function isTransporter(value: TransportSetting): value is Transporter {
  return typeof value === 'object' && value !== null && typeof (value as Transporter).sendMail === 'function';
}

/** Builds a nodemailer transporter from the setting, or takes the given one as is. */
export function openTransport(setting: TransportSetting): OpenedTransport {
  if (isTransporter(setting)) return { transporter: setting, owned: false };
  // nodemailer lets a URL's own settings win over the object's other keys, so `{ url, ...timeouts }`
  // is the URL with our timeouts wherever it does not name its own.
  const options = typeof setting === 'string' ? { ...SMTP_TIMEOUTS, url: setting } : { ...SMTP_TIMEOUTS, ...setting };
  return { transporter: nodemailer.createTransport(options), owned: true };
}

/** What a template may show. The code is the only secret; it goes in the mail and nowhere else. */
export interface MailTemplateContext {
  code: string;
  tokenName: string;
  /** The resource as people read it: its `displayName`, else its `name`. */
  resourceName: string;
  /** Whole minutes the code works. */
  minutesValid: number;
  /** The app's name, when the integrator gave one. */
  appName?: string;
  /** The mail's language, a BCP 47 tag the instance serves (docs/design.md, "Languages"). */
  locale: string;
  /** That locale's sentences (the app's `locales` merged in): `messages.mailIntro(...)`. */
  messages: Messages;
}

/** How a code mail reads: subject, plain text and HTML parts. */
export interface MailTemplates {
  subject(ctx: MailTemplateContext): string;
  text(ctx: MailTemplateContext): string;
  html(ctx: MailTemplateContext): string;
}

function minutes(n: number): string {
  return n === 1 ? '1 minute' : `${n} minutes`;
}

/**
 * The mail's language and sentences; English for a context made without them (a caller of
 * `defaultTemplates` written before languages existed).
 */
function wording(ctx: MailTemplateContext): { tag: string; t: Messages } {
  if (ctx.messages !== undefined && typeof ctx.locale === 'string') return { tag: ctx.locale, t: ctx.messages };
  const locale = builtInCatalogue.get(ctx.locale);
  return { tag: locale.tag, t: locale.messages };
}

/** When the code stops working, as the mail's language says it: "in 5 minutes", "через 5 хвилин". */
function expiry(ctx: MailTemplateContext, tag: string): string {
  return formatIn(tag, ctx.minutesValid * 60);
}

/** The built-in wording, in the mail's language: short and plain, with the code standing out. */
export const defaultTemplates: MailTemplates = {
  // The code leads the subject so phones can offer it from the notification.
  subject: (ctx) => wording(ctx).t.mailSubject(ctx.code, ctx.resourceName, ctx.appName),

  text: (ctx) => {
    const { tag, t } = wording(ctx);
    return [t.mailIntro(ctx.resourceName, ctx.appName), '', `    ${ctx.code}`, '', t.mailDetails(ctx.tokenName, expiry(ctx, tag)), '', t.mailWarning, ''].join('\n');
  },

  html: (ctx) => {
    const { tag, t } = wording(ctx);
    // A whole document (language, charset, title), as mail clients and screen readers expect;
    // inline styles only, since most clients drop a <style> element.
    return [
      '<!doctype html>',
      `<html lang="${escapeHtml(tag)}">`,
      '<head>',
      '<meta charset="utf-8">',
      '<meta name="viewport" content="width=device-width, initial-scale=1">',
      `<title>${escapeHtml(t.mailTitle(ctx.resourceName))}</title>`,
      '</head>',
      '<body style="font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;color:#1a1a1a">',
      `<p>${escapeHtml(t.mailIntro(ctx.resourceName, ctx.appName))}</p>`,
      `<p style="font-family:Consolas,Menlo,monospace;font-size:28px;font-weight:bold;letter-spacing:4px">${escapeHtml(ctx.code)}</p>`,
      `<p>${escapeHtml(t.mailDetails(ctx.tokenName, expiry(ctx, tag)))}</p>`,
      `<p style="color:#555">${escapeHtml(t.mailWarning)}</p>`,
      '</body>',
      '</html>',
    ].join('\n');
  },
};

/** The defaults with the given functions swapped in; a missing or undefined one keeps the default. */
export function resolveTemplates(overrides: Partial<MailTemplates> = {}): MailTemplates {
  return {
    subject: overrides.subject ?? defaultTemplates.subject,
    text: overrides.text ?? defaultTemplates.text,
    html: overrides.html ?? defaultTemplates.html,
  };
}

/**
 * Hides most of a mail address's local part, so a page or API answer tells the user where the
 * code went without handing the full address to whoever looks: `alice@example.com` becomes
 * `a***e@example.com`; a local part of up to 3 characters keeps only its first one (`a***@x.org`),
 * since showing two of three would show nearly all.
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  // Code points, not UTF-16 units, so an accented or emoji first letter is not split in half.
  const local = Array.from(email.slice(0, at));
  const domain = email.slice(at);
  const first = local[0] ?? '';
  const last = local[local.length - 1] ?? '';
  return local.length <= 3 ? `${first}***${domain}` : `${first}***${last}${domain}`;
}

/** How protectimus-mail sends codes. */
export interface MailOptions {
  /** `smtp://127.0.0.1:1025`, nodemailer SMTP options, or a ready nodemailer transporter. */
  transport: TransportSetting;
  /** Sender, e.g. `Security <no-reply@example.com>`. */
  from: string;
  /** Replace some or all of the default wording. */
  templates?: Partial<MailTemplates>;
  /** Named in the default subject and text. */
  appName?: string;
}

/** One code mail to send. */
export interface CodeMail {
  to: string;
  code: string;
  tokenName: string;
  resourceName: string;
  minutesValid: number;
  /**
   * The mail's language, a BCP 47 tag the instance serves: the user's `locale`, else the page's,
   * else `en` (docs/design.md, "Languages"). Absent: `en`.
   */
  locale?: string;
  /** That locale's sentences, with the app's `locales` merged in. Absent: the built-in ones of `locale`. */
  messages?: Messages;
}

/** What sends a code; `Mailer` is the nodemailer one, `DevMailSink` the development one. */
export interface CodeSender {
  send(message: CodeMail): Promise<void>;
}

const LINE_BREAK = /[\r\n]/;

function checkHeaderValue(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalidInput(field, `${field} must be a mail address`);
  // A line break in an address would let its text start new headers (header injection).
  if (LINE_BREAK.test(value)) throw invalidInput(field, `${field} must not contain line breaks`);
  return value;
}

/** Says what went wrong in terms an operator can act on, with the code cut out wherever it shows. */
function describeFailure(err: unknown, code: string): string {
  const e = (err ?? {}) as { code?: unknown; responseCode?: unknown; message?: unknown };
  const parts = [e.code, e.responseCode, e.message].filter((p) => typeof p === 'string' || typeof p === 'number');
  const text = parts.map(String).join(' ') || 'unknown error';
  return code === '' ? text : text.split(code).join('[code]');
}

/** What the templates are given of one mail. */
function templateContext(mail: CodeMail, appName: string | undefined): MailTemplateContext {
  const locale = builtInCatalogue.get(mail.locale);
  return {
    locale: mail.messages !== undefined && mail.locale !== undefined ? mail.locale : locale.tag,
    messages: mail.messages ?? locale.messages,
    code: mail.code,
    tokenName: mail.tokenName,
    resourceName: mail.resourceName,
    minutesValid: mail.minutesValid,
    ...(appName !== undefined ? { appName } : {}),
  };
}

/** Sends code mails through nodemailer; every failure becomes `DELIVERY_FAILED`. */
export class Mailer {
  private readonly transport: OpenedTransport;
  private readonly templates: MailTemplates;
  private readonly from: string;
  private readonly appName: string | undefined;
  private closed = false;

  constructor(options: MailOptions) {
    this.from = checkHeaderValue('from', options.from);
    this.templates = resolveTemplates(options.templates);
    this.appName = options.appName;
    this.transport = openTransport(options.transport);
  }

  /** Mails the code; rejects with `INVALID_INPUT` for a bad address, `DELIVERY_FAILED` for the rest. */
  async send(mail: CodeMail): Promise<void> {
    const to = checkHeaderValue('to', mail.to);
    const ctx = templateContext(mail, this.appName);
    let info: { rejected?: unknown[] } | undefined;
    try {
      info = (await this.transport.transporter.sendMail({
        from: this.from,
        to,
        // A custom template could put a line break in the subject; keep it one header line.
        subject: this.templates.subject(ctx).replace(/[\r\n]+/g, ' '),
        text: this.templates.text(ctx),
        html: this.templates.html(ctx),
        // Asks mail servers not to answer with out-of-office replies.
        headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
      })) as { rejected?: unknown[] } | undefined;
    } catch (err) {
      // The cause is left off on purpose: a server's reply may quote the message, code included.
      throw new ProtectimusError('DELIVERY_FAILED', `The code mail could not be sent: ${describeFailure(err, mail.code)}`);
    }
    if (Array.isArray(info?.rejected) && info.rejected.length > 0) {
      throw new ProtectimusError('DELIVERY_FAILED', 'The code mail could not be sent: the recipient was refused');
    }
  }

  /** Closes the connection pool of a transporter this mailer built; a passed-in one is the caller's. */
  close(): void {
    if (this.closed || !this.transport.owned) return;
    this.closed = true;
    this.transport.transporter.close();
  }
}

// The development mail sink: what `protectimusFromEnv` uses outside production when no SMTP_URL is
// set, so that an app with nothing configured works at once (docs/design.md, "Configuration").

function production(): boolean {
  return process.env.NODE_ENV === 'production';
}

/** One code mail the development sink kept, code included: showing it is the sink's whole point. */
export interface DevMail {
  to: string;
  subject: string;
  code: string;
  tokenName: string;
  resourceName: string;
  /** Epoch ms. */
  sentAt: number;
  /** Epoch ms, from the whole minutes the mail says the code works. */
  expiresAt: number;
}

/** Options of `DevMailSink`. */
export interface DevMailSinkOptions {
  /** Mails kept in memory for the dev inbox, newest first (1..1000). Default 50. */
  keep?: number;
  /** Where each mail's block of lines goes; `false` for nowhere. Default `console.log`. */
  log?: ((block: string) => void) | false;
  /** The subject's wording, as for `Mailer`. */
  templates?: Partial<MailTemplates>;
  /** Named in the default subject. */
  appName?: string;
  /** Time source of `sentAt`. Default: the wall clock. */
  clock?: Clock;
}

// A name or a subject goes to a terminal: no control character may move its cursor or recolour it.
// eslint-disable-next-line no-control-regex -- control characters are what it must find
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * A `CodeSender` for development that sends nothing: each mail is printed as one block on the
 * console (to, subject, code, expiry) and kept in memory for the dev inbox (`devInbox()`,
 * `protectimusDevInbox()`). Refuses to exist, and to deliver, when NODE_ENV=production: a code on a
 * console or a page is for a developer's machine only.
 */
export class DevMailSink implements CodeSender {
  private readonly mails: DevMail[] = [];
  private readonly keep: number;
  private readonly log: ((block: string) => void) | false;
  private readonly templates: MailTemplates;
  private readonly appName: string | undefined;
  private readonly clock: Clock;

  constructor(options: DevMailSinkOptions = {}) {
    if (production()) throw new Error('protectimus-mail: the development mail sink shows every code and is refused when NODE_ENV=production; set SMTP_URL (or pass `mail`).');
    const keep = options.keep ?? 50;
    if (!(Number.isInteger(keep) && keep >= 1 && keep <= 1000)) throw invalidInput('keep', 'keep must be a whole number from 1 to 1000');
    this.keep = keep;
    // The console is where a development sink shows its mails.
    this.log = options.log ?? ((block) => console.log(block));
    this.templates = resolveTemplates(options.templates);
    this.appName = options.appName;
    this.clock = options.clock ?? { now: () => Date.now() };
  }

  /** Keeps the mail and prints its block; `INVALID_INPUT` for a bad address, as `Mailer`. */
  send(mail: CodeMail): Promise<void> {
    // Checked again here: NODE_ENV set to production after the sink was made must not print codes.
    if (production()) return Promise.reject(new ProtectimusError('DELIVERY_FAILED', 'The development mail sink delivers nothing when NODE_ENV=production'));
    let to: string;
    try {
      to = checkHeaderValue('to', mail.to);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const ctx = templateContext(mail, this.appName);
    const sentAt = this.clock.now();
    const entry: DevMail = {
      to,
      subject: this.templates.subject(ctx).replace(/[\r\n]+/g, ' '),
      code: mail.code,
      tokenName: mail.tokenName,
      resourceName: mail.resourceName,
      sentAt,
      expiresAt: sentAt + mail.minutesValid * 60_000,
    };
    this.mails.unshift(entry);
    if (this.mails.length > this.keep) this.mails.length = this.keep;
    if (this.log) this.log(devMailBlock(entry, mail.minutesValid));
    return Promise.resolve();
  }

  /** The mails kept, newest first. */
  list(): DevMail[] {
    return this.mails.map((m) => ({ ...m }));
  }

  /** Nothing to close; here so an instance can close whatever sender it made. */
  close(): void {}
}

/** The console block of one mail: a frame, then to, subject, code and expiry, one per line. */
function devMailBlock(mail: DevMail, minutesValid: number): string {
  const clean = (s: string): string => s.replace(CONTROL, '?');
  return [
    '+--- protectimus-mail dev mail (not sent: no SMTP_URL; development only) ---',
    `| to:       ${clean(mail.to)}`,
    `| subject:  ${clean(mail.subject)}`,
    `| code:     ${mail.code}`,
    `| expires:  in ${minutes(minutesValid)}, at ${new Date(mail.expiresAt).toISOString()}`,
    '+---',
  ].join('\n');
}

/** What the dev inbox reads of a request. */
export interface DevInboxRequest {
  method: string;
  /** The Accept header: JSON when it ranks `application/json` above HTML, else the page. */
  accept?: string | undefined;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * The dev inbox's answer: the sink's mails newest first, as a page (escaped, strict CSP, no
 * script, `no-store`) or as JSON `{"mails":[{to,subject,code,tokenName,resourceName,sentAt,expiresAt}]}`.
 * 404 in production and for an instance that mails through SMTP (no sink); 405 for a method other
 * than GET and HEAD.
 */
export function devInboxAnswer(sink: DevMailSink | null, request: DevInboxRequest): Answer {
  const asJson = prefersJson(request.accept);
  if (production() || sink === null) {
    const why = production() ? 'There is no dev inbox in production.' : 'This instance mails its codes through SMTP: they are in the real inboxes.';
    return asJson ? json(404, { error: 'not_found' }, {}, 'guard') : page(404, plainPage('Not found', html`<h1>No dev inbox</h1>\n<p>${why}</p>`), { csp: PAGE_CSP, surface: 'guard' });
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') return json(405, { error: 'method_not_allowed' }, { Allow: 'GET, HEAD' }, 'guard');
  const mails = sink.list();
  if (asJson) {
    return json(200, { mails: mails.map((m) => ({ to: m.to, subject: m.subject, code: m.code, tokenName: m.tokenName, resourceName: m.resourceName, sentAt: iso(m.sentAt), expiresAt: iso(m.expiresAt) })) }, {}, 'guard');
  }
  const items = mails.map(
    (m) => html`<li>
<p><strong>${m.code}</strong> for &ldquo;${m.resourceName}&rdquo;</p>
<p class="muted">To ${m.to} (token &ldquo;${m.tokenName}&rdquo;), ${iso(m.sentAt)}; expires ${iso(m.expiresAt)}</p>
<p class="muted">${m.subject}</p>
</li>`,
  );
  const body = html`<h1>Dev inbox</h1>
<p class="notice">Development only: the codes this process mailed, newest first. Nothing was sent; set SMTP_URL to mail them.</p>
${mails.length === 0 ? html`<p>No mail yet.</p>` : html`<ol reversed>${items}</ol>`}`;
  return page(200, plainPage('Dev inbox', body), { csp: PAGE_CSP, surface: 'guard' });
}
