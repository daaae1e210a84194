/**
 * @protectimus-mail/express: the mail-token second factor for Express 5. `protectimusMail()`
 * guards routes with the protocol of `@protectimus-mail/core`; `ProtectimusMailStrategy` checks a
 * mailed code as a Passport strategy; `protectimusAdmin()` serves the admin API and panel.
 */
export { protectimusMail } from './guard';
export type { ProtectimusMailOptions } from './guard';
export { protectimusDevInbox } from './dev-inbox';
export type { ProtectimusDevInboxOptions } from './dev-inbox';
export { protectimusAdmin } from './admin';
export type { ProtectimusAdminOptions } from './admin';
// The strategy is framework-free (it reads only body, user and ip), so it lives in core and both
// adapters hand it out.
export { ProtectimusMailStrategy, defaultProtectimus } from '@protectimus-mail/core';
export type { ProtectimusMailStrategyOptions, ProtectimusMailVerify, ProtectimusMailAuthInfo, ProtectimusMailChallenge, ProtectimusMailOtpRequired } from '@protectimus-mail/core';
export type { LoginOf } from './binding';
// The guard's own test of which requests are in an area, for gates of the app's own in front of it.
export { pathArea } from '@protectimus-mail/core';
export type { PathArea } from '@protectimus-mail/core';
