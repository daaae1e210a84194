export { Mailer } from './mailer';
export type { MailOptions, CodeMail } from './mailer';
export { defaultTemplates, resolveTemplates } from './templates';
export type { MailTemplates, MailTemplateContext } from './templates';
export { maskEmail } from './mask';
export { SMTP_TIMEOUTS } from './transport';
export type { TransportSetting } from './transport';
