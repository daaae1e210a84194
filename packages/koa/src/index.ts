/**
 * @protectimus-mail/koa: the mail-token second factor for Koa 3. `protectimusMail()` guards
 * routes with the protocol of `@protectimus-mail/core`, answering exactly as the Express adapter.
 */
export { protectimusMail } from './guard';
export type { ProtectimusMailOptions, LoginOf } from './guard';
export type { MountPath } from './mount';
export { defaultProtectimus } from '@protectimus-mail/core';
