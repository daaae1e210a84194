/**
 * @protectimus-mail/core: a second factor by one-time passwords mailed to a user's mail token,
 * with the Protectimus administration model (Tokens, Users, Resources), Redis and memory stores,
 * and the framework-neutral HTTP protocol that the Express and Koa adapters bind.
 *
 * This is what an app uses; what only a framework binding needs is in
 * `@protectimus-mail/core/adapter`. Every name here is described in the package's README.
 */

// The instance.
/** `createProtectimus(options)`: the model, the rules, the store and the mail, as one `Protectimus`. */
export { createProtectimus, Protectimus } from './protectimus';
/** The options of `createProtectimus`: store, mail, secret, otp settings, log sizes, clock. */
export type { ProtectimusOptions } from './protectimus';
/**
 * `protectimusFromEnv()`: an instance from `SMTP_URL`, `MAIL_FROM`, `REDIS_URL`, `REDIS_PREFIX`,
 * `PROTECTIMUS_SECRET`; development defaults for what is missing, none in production.
 */
export { protectimusFromEnv } from './protectimus';
/** `defaultProtectimus()`: the one instance every guard, admin router and strategy left without `protectimus` shares. */
export { defaultProtectimus } from './protectimus';
/** The time source (`{ now() }`, epoch ms) an instance may be given, and the code settings (`ttl`, `maxAttempts`, ...). */
export type { Clock } from './protectimus';
export type { OtpSettings } from './protectimus';
/** `pm.as(actor)`: the admin operations with every change recorded under an administrator's name. */
export type { AdminActions } from './protectimus';
export type { CodeSender } from './mail';

// Errors.
/** Every refusal: a stable `code`, an HTTP `status`, a message, and `attemptsLeft`, `retryAfter` or `field` where they apply. */
export { ProtectimusError, isProtectimusError } from './errors';
export type { ErrorCode, ErrorDetails, RateLimitReason } from './errors';

// Rules and model.
/** The input and result of `prepare` (mail a code) and `authenticate` (check one). */
export type { PrepareInput, PrepareResult, AuthenticateInput, AuthenticateResult } from './challenge';
/** What the model's operations take and give. */
export type { MailToken, User, Resource, Assignment, Block, BlockReason, PinPosition, OtpLength, Page, ListQuery, Enrollment } from './model';
export type { CreateMailTokenInput, UpdateMailTokenInput } from './directory/tokens';
export type { CreateUserInput, UpdateUserInput } from './directory/users';
export type { CreateResourceInput, UpdateResourceInput, AssignmentView } from './directory/resources';
/** What `prepare({ enroll })` and the guard's `enroll` take of an app's user: `{ email, name? }`. */
export type { Enrollee } from './directory/enrollment';
/** A resource's time windows: a time zone and opening hours per weekday (docs/design.md, "Time windows"). */
export type { Schedule, Weekday, TimeRange } from './schedule';
/** The compact text form of a schedule, `Europe/Kyiv mon-fri 08:00-19:00; sat 10:00-14:00`, both ways. */
export { parseSchedule, formatSchedule } from './schedule';
/** `pm.devices`: users' remembered devices (`list`, `forget`, `forgetAll`), and a device as listed. */
export type { Devices, RememberedDevice } from './devices';
/** `deviceCookieName(resource)`: the name of a guard's remembered-device cookie (`pm_device_<resource>`). */
export { deviceCookieName } from './guard/device-cookie';
/** What `pm.tokens.reseal()` reports while the server secret rotates. */
export type { ResealReport } from './secrets';

// Audit.
/** The audit events, as `pm.on(type, listener)` hears them and `pm.events.list(query)` reads them. */
export type { EventType, ProtectimusEvent } from './audit';
export type { EventListener, EventQuery } from './audit';

// Metrics.
/**
 * `protectimusMetrics(pm, { registry })`: Prometheus counters, histograms and the store gauge of
 * an instance, through prom-client (an optional peer dependency, loaded only by this call).
 */
export { protectimusMetrics } from './metrics';
export type { ProtectimusMetrics, ProtectimusMetricsOptions } from './metrics';

// Stores.
/** `MemoryStore`: one process, the default. `RedisStore`: ioredis 5, standalone or Cluster. */
export { MemoryStore } from './stores/memory';
export type { MemoryStoreOptions } from './stores/memory';
export { RedisStore } from './stores/redis';
export type { RedisStoreOptions } from './stores/redis';
/** The contract a store keeps, for one of your own. */
export type { Store } from './stores/store';

// Mail.
/** `mail` of `createProtectimus`: the nodemailer transport, `from`, and templates to override. */
export type { MailOptions } from './mail';
export type { TransportSetting } from './mail';
/** The default subject, text and HTML of the code mail, to reuse parts of. */
export { defaultTemplates } from './mail';
export type { MailTemplates, MailTemplateContext } from './mail';
/**
 * Development only (refused when NODE_ENV=production): `DevMailSink`, the `CodeSender` that
 * prints each code on the console and keeps it; `devInbox()`, the page (or JSON) listing what it
 * kept, framework-neutral (the adapters bind it as `protectimusDevInbox()`).
 */
export { DevMailSink } from './mail';
export type { DevMailSinkOptions, DevMail, DevInboxRequest } from './mail';
export { devInbox } from './protectimus';
export type { DevInboxOptions } from './protectimus';

// Languages.
/**
 * The end user's languages (docs/design.md, "Languages"): `Messages`, every sentence of the pages
 * and the code mail (English the reference); `LocaleStrings`, the `locales` option; `plural`
 * (Intl.PluralRules) for an app's own counted sentences; `formatIn`, `formatDuration` and
 * `formatDateTime`, the Intl formatting the pages and the mail use.
 */
export type { Messages, LocaleStrings, PluralForms } from './locale';
export { plural, formatIn, formatDuration, formatDateTime } from './locale';

// Passport.
/** The strategy `'protectimus-mail'`: a mailed code as a Passport (or koa-passport) strategy. */
export { ProtectimusMailStrategy } from './strategy';
export type { ProtectimusMailStrategyOptions, ProtectimusMailVerify, ProtectimusMailAuthInfo, ProtectimusMailChallenge, ProtectimusMailOtpRequired, StrategyRequest, StrategyLoginOf } from './strategy';

// Web helpers an app's own pages use as the guard does.
/** Seconds a guard's verification lasts by default (8 hours), for an app's own session lifetime. */
export { DEFAULT_VERIFIED_FOR } from './guard/protocol';
/** `pathArea('/billing')`: which request targets are in a guarded area, under every spelling. */
export { pathArea } from './guard/path-area';
export type { PathArea } from './guard/path-area';
/** `safeReturnTo(url)`: a path on this site to send a user back to, or null. `prefersHtml(accept)`: a page rather than JSON. */
export { safeReturnTo, prefersHtml } from './web/request';
/**
 * `escapeHtml(value)`, and the tagged template `html` that escapes every value but `SafeHtml`:
 * what a guard's `page.layout` uses to escape what it puts in the page.
 */
export { escapeHtml, html, SafeHtml } from './web/html';
/** The guard's `page` option (brand, cancel and sign-out links, the app's `layout`, `styleSrc`), and what a layout is given. */
export type { PageOptions, PageLayout, LayoutParts } from './guard/pages';
