import { escapeHtml } from '../web/html';

/** What a template may show. The code is the only secret; it goes in the mail and nowhere else. */
export interface MailTemplateContext {
  code: string;
  tokenName: string;
  resourceName: string;
  /** Whole minutes the code works. */
  minutesValid: number;
  /** The app's name, when the integrator gave one. */
  appName?: string;
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

/** The built-in wording: short and plain, with the code standing out. */
export const defaultTemplates: MailTemplates = {
  // The code leads the subject so phones can offer it from the notification.
  subject: (ctx) => `${ctx.code} is your ${ctx.appName ? `${ctx.appName} ` : ''}code for ${ctx.resourceName}`,

  text: (ctx) =>
    [
      `Your one-time code${ctx.appName ? ` for ${ctx.appName}` : ''} is:`,
      '',
      `    ${ctx.code}`,
      '',
      `Use it to open "${ctx.resourceName}". It is for your token "${ctx.tokenName}",`,
      `works once, and expires in ${minutes(ctx.minutesValid)}.`,
      '',
      'If you did not just try to sign in, do not share this code; someone may know your password.',
      '',
    ].join('\n'),

  html: (ctx) => {
    const app = ctx.appName ? ` for ${escapeHtml(ctx.appName)}` : '';
    return [
      '<!doctype html>',
      '<html><body style="font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;color:#1a1a1a">',
      `<p>Your one-time code${app} is:</p>`,
      `<p style="font-family:Consolas,Menlo,monospace;font-size:28px;font-weight:bold;letter-spacing:4px">${escapeHtml(ctx.code)}</p>`,
      `<p>Use it to open &ldquo;${escapeHtml(ctx.resourceName)}&rdquo;. It is for your token &ldquo;${escapeHtml(ctx.tokenName)}&rdquo;, `,
      `works once, and expires in ${escapeHtml(minutes(ctx.minutesValid))}.</p>`,
      '<p style="color:#555">If you did not just try to sign in, do not share this code; someone may know your password.</p>',
      '</body></html>',
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
