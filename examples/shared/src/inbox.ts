import type { AddressInfo } from 'node:net';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** One mail the dev inbox received. */
export interface ReceivedMail {
  id: number;
  to: string;
  from: string;
  subject: string;
  text: string;
  receivedAt: Date;
}

export interface DevInboxOptions {
  /** 0 picks a free port. */
  port?: number;
  /** Older mails are dropped past this many, so a long-running demo does not grow without end. */
  keep?: number;
}

/** Code mails are a few kilobytes; anything far bigger is not ours. */
const MAX_MAIL_BYTES = 1024 * 1024;

function addressText(value: AddressObject | AddressObject[] | undefined): string {
  if (value === undefined) return '';
  return (Array.isArray(value) ? value : [value]).map((a) => a.text).join(', ');
}

/**
 * A development inbox: an SMTP server on loopback that keeps what it is sent in memory, so the
 * demo works with no mail setup and the codes can be read in `/dev/inbox`.
 */
export class DevInbox {
  private readonly mails: ReceivedMail[] = [];
  private nextId = 1;
  private readonly server: SMTPServer;
  private boundPort = 0;

  private constructor(private readonly keep: number) {
    this.server = new SMTPServer({
      // Loopback only and no TLS: nothing leaves the machine, and nodemailer must not try STARTTLS
      // against a server that has no certificate worth trusting.
      disabledCommands: ['STARTTLS', 'AUTH'],
      authOptional: true,
      size: MAX_MAIL_BYTES,
      logger: false,
      banner: 'protectimus-mail example dev inbox',
      onData: (stream, session, callback) => {
        const rcptTo = session.envelope.rcptTo.map((r) => r.address).join(', ');
        simpleParser(stream)
          .then((parsed) => {
            if (stream.sizeExceeded) throw Object.assign(new Error('Message too big for the dev inbox'), { responseCode: 552 });
            this.add({
              to: addressText(parsed.to) || rcptTo,
              from: addressText(parsed.from),
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
            });
            // Accepting only once the mail is stored means that when `prepare` resolves, the
            // inbox already shows the code.
            callback();
          })
          .catch((err: Error) => callback(err));
      },
    });
  }

  /** Starts the SMTP server on 127.0.0.1. */
  static async start(options: DevInboxOptions = {}): Promise<DevInbox> {
    const inbox = new DevInbox(options.keep ?? 100);
    const { server } = inbox.server;
    inbox.boundPort = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      inbox.server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
    return inbox;
  }

  get port(): number {
    return this.boundPort;
  }

  /** Where protectimus-mail should send: `smtp://127.0.0.1:<port>`. */
  get smtpUrl(): string {
    return `smtp://127.0.0.1:${this.boundPort}`;
  }

  private add(mail: Omit<ReceivedMail, 'id' | 'receivedAt'>): void {
    this.mails.push({ ...mail, id: this.nextId++, receivedAt: new Date() });
    if (this.mails.length > this.keep) this.mails.splice(0, this.mails.length - this.keep);
  }

  /** The mails received, newest first. */
  list(): ReceivedMail[] {
    return [...this.mails].reverse();
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
