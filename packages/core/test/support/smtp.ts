import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import type { ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** Where a refused message is turned away. */
export type RefuseAt = 'rcpt' | 'data';

/** A real SMTP server on 127.0.0.1 that keeps what it receives, for round-trip tests. */
export interface TestSmtp {
  /** `smtp://127.0.0.1:<port>`. */
  url: string;
  port: number;
  /** Every accepted message, parsed, in arrival order. */
  messages: ParsedMail[];
  /**
   * The next message for `to` not handed out by an earlier call (already here or still to come);
   * rejects after `timeoutMs`.
   */
  waitForMail(to: string, timeoutMs?: number): Promise<ParsedMail>;
  /** The 6 or 8 digits of the code in a mail's text part. */
  codeFrom(mail: ParsedMail): string;
  /** Answer 550 to the next `n` messages. */
  refuseNext(n: number, at?: RefuseAt): void;
  /** Answer 550 to every message until called with false. */
  refuseAll(on: boolean, at?: RefuseAt): void;
  close(): Promise<void>;
}

interface Received {
  rcpt: string[];
  mail: ParsedMail;
  taken: boolean;
}

interface Waiter {
  to: string;
  resolve(mail: ParsedMail): void;
}

/** Starts the server on a free port; close it in `afterAll`. */
export async function startSmtp(opts: { refuseAt?: RefuseAt } = {}): Promise<TestSmtp> {
  const received: Received[] = [];
  const messages: ParsedMail[] = [];
  let waiters: Waiter[] = [];
  let refuseCount = 0;
  let refuseAlways = false;
  let refuseAt: RefuseAt = opts.refuseAt ?? 'rcpt';

  const refusing = (): boolean => refuseAlways || refuseCount > 0;
  const refusal = (): Error => {
    if (refuseCount > 0) refuseCount -= 1;
    return Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 });
  };

  const deliver = (item: Received): void => {
    received.push(item);
    messages.push(item.mail);
    const waiter = waiters.find((w) => item.rcpt.includes(w.to));
    if (waiter) {
      item.taken = true;
      waiters = waiters.filter((w) => w !== waiter);
      waiter.resolve(item.mail);
    }
  };

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    closeTimeout: 1000,
    onRcptTo(_address, _session, callback) {
      if (refuseAt === 'rcpt' && refusing()) return callback(refusal());
      callback();
    },
    onData(stream, session, callback) {
      const rcpt = session.envelope.rcptTo.map((a) => a.address.toLowerCase());
      if (refuseAt === 'data' && refusing()) {
        const err = refusal();
        stream.on('end', () => callback(err));
        stream.resume();
        return;
      }
      simpleParser(stream)
        .then((mail) => {
          deliver({ rcpt, mail, taken: false });
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;

  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    waitForMail(to, timeoutMs = 5000) {
      const want = to.toLowerCase();
      const ready = received.find((r) => !r.taken && r.rcpt.includes(want));
      if (ready) {
        ready.taken = true;
        return Promise.resolve(ready.mail);
      }
      return new Promise<ParsedMail>((resolve, reject) => {
        const waiter: Waiter = {
          to: want,
          resolve: (mail) => {
            clearTimeout(timer);
            resolve(mail);
          },
        };
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== waiter);
          reject(new Error(`no mail for ${to} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    codeFrom(mail) {
      const found = /\b(\d{6}|\d{8})\b/.exec(mail.text ?? '');
      if (!found?.[1]) throw new Error('no code in the mail');
      return found[1];
    },
    refuseNext(n, at) {
      refuseCount = n;
      if (at) refuseAt = at;
    },
    refuseAll(on, at) {
      refuseAlways = on;
      if (at) refuseAt = at;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
