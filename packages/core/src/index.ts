/**
 * @protectimus-mail/core: a second factor by one-time passwords mailed to a user's mail token,
 * with the Protectimus administration model (Tokens, Users, Resources), Redis and memory stores,
 * and the framework-neutral HTTP protocol that the Express and Koa adapters bind.
 */
export { createProtectimus, Protectimus } from './protectimus';
export type { ProtectimusOptions } from './protectimus';
export { protectimusFromEnv } from './protectimus';
export { ProtectimusError, isProtectimusError, HTTP_STATUS } from './errors';
export type { ErrorCode, ErrorDetails } from './errors';
export type { Clock } from './protectimus';
export { systemClock } from './protectimus';
export type { OtpSettings } from './protectimus';
export type { CodeSender } from './mail';
export type { PrepareInput, PrepareResult, AuthenticateInput, AuthenticateResult } from './challenge';
export type { MailToken, User, Resource, Assignment, Block, BlockReason, PinPosition, OtpLength, Page, ListQuery } from './model';
export type { CreateMailTokenInput, UpdateMailTokenInput } from './directory/tokens';
export type { ResealReport } from './secrets';
export type { CreateUserInput, UpdateUserInput } from './directory/users';
export type { CreateResourceInput, UpdateResourceInput, AssignmentView } from './directory/resources';
export type { EventType, ProtectimusEvent, EventLog } from './audit';
export { eventLog } from './audit';
export type { EventListener, EventQuery } from './audit';
export { parseTyped } from './challenge';
export { escapeHtml } from './html/escape';
export { ProtectimusMailStrategy } from './strategy';
export type { ProtectimusMailStrategyOptions, ProtectimusMailAuthInfo, ProtectimusMailChallenge, StrategyRequest, StrategyLoginOf } from './strategy';
export { MemoryStore } from './stores/memory';
export type { MemoryStoreOptions } from './stores/memory';
export { RedisStore } from './stores/redis';
export type { RedisStoreOptions } from './stores/redis';
export type { Store } from './stores/store';
export { Mailer, defaultTemplates, resolveTemplates, maskEmail, SMTP_TIMEOUTS } from './mail';
export type { MailOptions, CodeMail, MailTemplates, MailTemplateContext, TransportSetting } from './mail';
export * from './http';
export * from './admin';
