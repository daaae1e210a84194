import nodemailer from 'nodemailer';
import type { TransportConfig, Transporter } from 'nodemailer';

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
