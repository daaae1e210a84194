/**
 * @protectimus-mail/core: a second factor by one-time passwords mailed to a user's mail token,
 * with the Protectimus administration model (Tokens, Users, Resources), Redis and memory stores,
 * and the framework-neutral HTTP protocol that the Express and Koa adapters bind.
 */
export { createProtectimus, Protectimus } from './protectimus';
export type { ProtectimusOptions } from './protectimus';
export { protectimusFromEnv } from './env';
export { ProtectimusError, isProtectimusError, HTTP_STATUS } from './errors';
export type { ErrorCode, ErrorDetails } from './errors';
export type { Clock } from './clock';
export { systemClock } from './clock';
export type { OtpSettings, CodeSender } from './context';
export type { PrepareInput, PrepareResult, AuthenticateInput, AuthenticateResult } from './challenge-types';
export type { MailToken, User, Resource, Assignment, Block, BlockReason, PinPosition, OtpLength, Page, ListQuery } from './model';
export type { CreateMailTokenInput, UpdateMailTokenInput } from './tokens';
export type { ResealReport } from './rekey';
export type { CreateUserInput, UpdateUserInput } from './users';
export type { CreateResourceInput, UpdateResourceInput, AssignmentView } from './resources';
export type { EventType, ProtectimusEvent, EventLog } from './events';
export { eventLog } from './events';
export type { EventListener, EventQuery } from './audit';
export { parseTyped } from './pin';
export { escapeHtml } from './html/escape';
export { ProtectimusMailStrategy } from './strategy';
export type { ProtectimusMailStrategyOptions, ProtectimusMailAuthInfo, ProtectimusMailChallenge, StrategyRequest, StrategyLoginOf } from './strategy';
export { MemoryStore } from './stores/memory';
export type { MemoryStoreOptions } from './stores/memory';
export { RedisStore } from './stores/redis';
export type { RedisStoreOptions } from './stores/redis';
export type { Store } from './stores/store';
export * from './mail';
export * from './http';
export * from './admin';
