import net from 'node:net';
import type { AddressInfo } from 'node:net';
import nodemailer from 'nodemailer';
import { escapeHtml } from '../src/web/html';
import { en } from '../src/locales/en';
import { uk } from '../src/locales/uk';
import { Mailer, maskEmail, defaultTemplates, resolveTemplates, SMTP_TIMEOUTS, openTransport } from '../src/mail';
import { refusal } from './support/refusal';
import { startSmtp, type TestSmtp } from './support/smtp';

const FROM = 'Security <no-reply@example.com>';
const mail = (over: Partial<Parameters<Mailer['send']>[0]> = {}) => ({
  to: 'alice@example.com',
  code: '493817',
  tokenName: 'Alice mail',
  resourceName: 'billing',
  minutesValid: 5,
  ...over,
});

/** What the templates get of `mail(over)`: the English locale, as a mail without one has. */
const ctx = (over: Partial<Parameters<Mailer['send']>[0]> = {}) => ({ ...mail(over), locale: 'en', messages: en });


/** A port nothing listens on: bind one, note it, let it go. */
async function deadPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('Mailer over real SMTP', () => {
  let smtp: TestSmtp;
  let mailer: Mailer;

  beforeAll(async () => {
    smtp = await startSmtp();
    mailer = new Mailer({ transport: smtp.url, from: FROM, appName: 'Acme' });
  });
  afterAll(async () => {
    mailer.close();
    await smtp.close();
  });
  afterEach(() => smtp.refuseAll(false));

  it('delivers subject, text and HTML with the code, token, resource and lifetime', async () => {
    await mailer.send(mail());
    const got = await smtp.waitForMail('alice@example.com');
    expect(got.from?.text).toContain('no-reply@example.com');
    expect(got.subject).toContain('493817');
    expect(got.subject).toContain('billing');
    expect(got.subject).toContain('Acme');
    for (const part of [got.text ?? '', String(got.html)]) {
      expect(part).toContain('493817');
      expect(part).toContain('Alice mail');
      expect(part).toContain('billing');
      expect(part).toContain('5 minutes');
    }
    expect(got.subject).toBe('493817 is your Acme code to sign in to billing');
    expect(got.text).toContain('Your code to sign in to billing on Acme is:');
    expect(got.headers.get('auto-submitted')).toBe('auto-generated');
    expect(smtp.codeFrom(got)).toBe('493817');
  });

  it('sends a whole HTML document: language, charset, title', async () => {
    await mailer.send(mail({ to: 'doc@example.com' }));
    const html = String((await smtp.waitForMail('doc@example.com')).html);
    expect(html).toMatch(/^<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">/);
    expect(html).toContain('<title>Your code to sign in to billing</title>');
    expect(html).toContain('</head>\n<body');
    expect(html.trimEnd().endsWith('</body>\n</html>')).toBe(true);
  });

  it('escapes hostile values in the HTML part and keeps them readable in the text part', async () => {
    const hostile = `<b>&"'`;
    await mailer.send(mail({ to: 'esc@example.com', tokenName: hostile, resourceName: '<script>alert(1)</script>' }));
    const got = await smtp.waitForMail('esc@example.com');
    const html = String(got.html);
    expect(html).toContain('&lt;b&gt;&amp;&quot;&#39;');
    expect(html).not.toContain('<b>&');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>');
    expect(got.text).toContain(hostile);
  });

  it('uses overridden templates, keeping the defaults for the rest', async () => {
    const custom = new Mailer({
      transport: smtp.url,
      from: FROM,
      templates: { subject: (c) => `Code for ${c.tokenName}` },
    });
    try {
      await custom.send(mail({ to: 'custom@example.com' }));
      const got = await smtp.waitForMail('custom@example.com');
      expect(got.subject).toBe('Code for Alice mail');
      expect(got.text).toBe(defaultTemplates.text(ctx()));
    } finally {
      custom.close();
    }
  });

  it('keeps a subject with line breaks on one header line', async () => {
    const custom = new Mailer({ transport: smtp.url, from: FROM, templates: { subject: () => 'a\r\nBcc: evil@example.com' } });
    try {
      await custom.send(mail({ to: 'subject@example.com' }));
      const got = await smtp.waitForMail('subject@example.com');
      expect(got.subject).toBe('a Bcc: evil@example.com');
      expect(got.bcc).toBeUndefined();
    } finally {
      custom.close();
    }
  });

  it.each(['rcpt', 'data'] as const)('turns a 550 at %s into DELIVERY_FAILED without the code', async (at) => {
    smtp.refuseNext(1, at);
    const err = await refusal(mailer.send(mail({ to: 'refused@example.com', code: '55501234' })));
    expect(err.code).toBe('DELIVERY_FAILED');
    expect(err.status).toBe(502);
    expect(err.message).not.toContain('55501234');
    expect(err.cause).toBeUndefined();
    // the next one goes through again
    await mailer.send(mail({ to: 'after@example.com' }));
    await smtp.waitForMail('after@example.com');
  });

  it('works with a ready transporter, and leaves closing it to its owner', async () => {
    const transporter = nodemailer.createTransport({ url: smtp.url });
    const close = jest.spyOn(transporter, 'close');
    const m = new Mailer({ transport: transporter, from: FROM });
    await m.send(mail({ to: 'passed@example.com' }));
    await smtp.waitForMail('passed@example.com');
    m.close();
    expect(close).not.toHaveBeenCalled();
    transporter.close();
  });

  it('closes a transporter it built', () => {
    const m = new Mailer({ transport: { host: '127.0.0.1', port: smtp.port, pool: true }, from: FROM });
    const close = jest.spyOn((m as unknown as { transport: { transporter: { close(): void } } }).transport.transporter, 'close');
    m.close();
    m.close();
    expect(close).toHaveBeenCalledTimes(1);
  });
});

describe('Mailer failures', () => {
  it('fails fast with DELIVERY_FAILED when nothing listens on the port', async () => {
    const port = await deadPort();
    const m = new Mailer({ transport: `smtp://127.0.0.1:${port}`, from: FROM });
    const started = Date.now();
    const err = await refusal(m.send(mail()));
    expect(err.code).toBe('DELIVERY_FAILED');
    expect(err.message).not.toContain('493817');
    expect(Date.now() - started).toBeLessThan(3000);
    m.close();
  });

  it('gives up on a server that accepts but never greets', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const { port } = silent.address() as AddressInfo;
    const m = new Mailer({ transport: { host: '127.0.0.1', port, greetingTimeout: 300 }, from: FROM });
    const started = Date.now();
    const err = await refusal(m.send(mail()));
    expect(err.code).toBe('DELIVERY_FAILED');
    expect(Date.now() - started).toBeLessThan(3000);
    m.close();
    sockets.forEach((s) => s.destroy());
    await new Promise<void>((r) => silent.close(() => r()));
  });

  it.each(['alice@example.com\r\nBcc: evil@example.com', 'alice@example.com\nX: y', 'a@b.c\r'])(
    'refuses a recipient with a line break: %j',
    async (to) => {
      const m = new Mailer({ transport: { jsonTransport: true }, from: FROM });
      const err = await refusal(m.send(mail({ to })));
      expect(err.code).toBe('INVALID_INPUT');
      expect(err.field).toBe('to');
    },
  );

  it('refuses a sender with a line break', () => {
    expect(() => new Mailer({ transport: { jsonTransport: true }, from: 'x@example.com\r\nBcc: e@example.com' })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', field: 'from' }),
    );
  });
});

describe('openTransport', () => {
  const optionsOf = (setting: Parameters<typeof openTransport>[0]) =>
    (openTransport(setting).transporter as unknown as { transporter: { options: Record<string, unknown> } }).transporter.options;

  it('gives a URL short timeouts unless its query names its own', () => {
    expect(optionsOf('smtp://127.0.0.1:1025')).toMatchObject({ ...SMTP_TIMEOUTS, host: '127.0.0.1', port: 1025 });
    expect(optionsOf('smtp://127.0.0.1:1025?connectionTimeout=100')).toMatchObject({ connectionTimeout: 100 });
  });

  it('lets an options object override the timeouts', () => {
    expect(optionsOf({ host: 'mail.example.com', socketTimeout: 1234 })).toMatchObject({ socketTimeout: 1234, greetingTimeout: 5000 });
  });
});

describe('templates', () => {
  it('merges a partial override with the defaults', () => {
    const html = () => '<p>mine</p>';
    const t = resolveTemplates({ html });
    expect(t.html).toBe(html);
    expect(t.text).toBe(defaultTemplates.text);
    expect(t.subject).toBe(defaultTemplates.subject);
    expect(resolveTemplates({ subject: undefined }).subject).toBe(defaultTemplates.subject);
  });

  it('says 1 minute, not 1 minutes', () => {
    expect(defaultTemplates.text(ctx({ minutesValid: 1 }))).toContain('1 minute.');
  });

  it('writes the mail in the context’s language, and in English for a context made without one', () => {
    const ukrainian = { ...mail({ minutesValid: 1 }), locale: 'uk', messages: uk };
    expect(defaultTemplates.subject(ukrainian)).toBe('493817 — ваш код для входу в billing');
    expect(defaultTemplates.text(ukrainian)).toContain('перестане діяти через 1 хвилину.');
    expect(defaultTemplates.html(ukrainian)).toContain('<html lang="uk">');
    const old = mail() as unknown as Parameters<typeof defaultTemplates.text>[0];
    expect(defaultTemplates.text(old)).toBe(defaultTemplates.text(ctx()));
    expect(defaultTemplates.html(old)).toContain('<html lang="en">');
  });
});

describe('maskEmail', () => {
  it.each([
    ['alice@example.com', 'a***e@example.com'],
    ['bob@example.com', 'b***@example.com'],
    ['al@example.com', 'a***@example.com'],
    ['a@example.com', 'a***@example.com'],
    ['john.smith@mail.example.org', 'j***h@mail.example.org'],
    ['"a@b"@example.com', '"***"@example.com'],
    ['élodie@example.fr', 'é***e@example.fr'],
    ['no-at-sign', '***'],
    ['@example.com', '***'],
  ])('%s -> %s', (input, masked) => {
    expect(maskEmail(input)).toBe(masked);
  });
});

describe('escapeHtml', () => {
  it('escapes the five HTML specials and the backtick', () => {
    expect(escapeHtml(`<a href="x" title='y'>&\``)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&#96;');
  });
  it('prints null and undefined as nothing', () => {
    expect(escapeHtml(undefined)).toBe('');
    expect(escapeHtml(null)).toBe('');
    expect(escapeHtml(6)).toBe('6');
  });
});
