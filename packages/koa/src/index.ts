/**
 * @protectimus-mail/koa: the mail-token second factor for Koa 3. `protectimusMail()` guards
 * routes with the protocol of `@protectimus-mail/core`, answering exactly as the Express adapter;
 * `ProtectimusMailStrategy` checks a mailed code under koa-passport; `protectimusAdmin()` serves the
 * admin API and panel.
 */
export { protectimusMail } from './guard';
export type { ProtectimusMailOptions, LoginOf } from './guard';
export type { MountPath } from './mount';
export { protectimusDevInbox } from './dev-inbox';
export type { ProtectimusDevInboxOptions } from './dev-inbox';
export { protectimusAdmin } from './admin';
export type { ProtectimusAdminOptions } from './admin';
// The Passport strategy is core's: koa-passport runs it unchanged.
export { ProtectimusMailStrategy, defaultProtectimus } from '@protectimus-mail/core';
export type { ProtectimusMailStrategyOptions, ProtectimusMailVerify, ProtectimusMailAuthInfo, ProtectimusMailChallenge, ProtectimusMailOtpRequired } from '@protectimus-mail/core';
// The guard's own test of which requests are in an area, for gates of the app's own in front of it.
export { pathArea } from '@protectimus-mail/core';
export type { PathArea } from '@protectimus-mail/core';
