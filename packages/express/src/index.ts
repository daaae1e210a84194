/**
 * @protectimus-mail/express: the mail-token second factor for Express 5. `protectimusMail()`
 * guards routes with the protocol of `@protectimus-mail/core`; `ProtectimusMailStrategy` checks a
 * mailed code as a Passport strategy.
 */
export { protectimusMail } from './guard';
export type { ProtectimusMailOptions } from './guard';
export { ProtectimusMailStrategy } from './strategy';
export type { ProtectimusMailStrategyOptions, ProtectimusMailAuthInfo, ProtectimusMailChallenge } from './strategy';
export { defaultProtectimus } from '@protectimus-mail/core';
export type { LoginOf } from './login';
