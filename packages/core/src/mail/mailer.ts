import { ProtectimusError, invalidInput } from '../errors';
import type { MailTemplates } from './templates';
import { resolveTemplates } from './templates';
import type { OpenedTransport, TransportSetting } from './transport';
import { openTransport } from './transport';

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
    const ctx = {
      code: mail.code,
      tokenName: mail.tokenName,
      resourceName: mail.resourceName,
      minutesValid: mail.minutesValid,
      ...(this.appName !== undefined ? { appName: this.appName } : {}),
    };
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
