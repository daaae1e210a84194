/**
 * @protectimus-mail/fastify: the mail-token second factor for Fastify 5. `protectimusMail` is a
 * plugin that guards routes with the protocol of `@protectimus-mail/core`, answering exactly as the
 * Express and Koa adapters; `ProtectimusMailStrategy` checks a mailed code under @fastify/passport;
 * `protectimusAdmin` serves the admin API and panel.
 */
export { protectimusMail } from './guard';
export type { ProtectimusMailOptions } from './guard';
export type { LoginOf } from './binding';
export { protectimusDevInbox } from './dev-inbox';
export type { ProtectimusDevInboxOptions } from './dev-inbox';
export { protectimusAdmin } from './admin';
export type { ProtectimusAdminOptions } from './admin';
// The Passport strategy is core's: @fastify/passport runs it unchanged.
export { ProtectimusMailStrategy, defaultProtectimus } from '@protectimus-mail/core';
export type { ProtectimusMailStrategyOptions, ProtectimusMailVerify, ProtectimusMailAuthInfo, ProtectimusMailChallenge, ProtectimusMailOtpRequired } from '@protectimus-mail/core';
// The guard's own test of which requests are in an area, for gates of the app's own in front of it.
export { pathArea } from '@protectimus-mail/core';
export type { PathArea } from '@protectimus-mail/core';
