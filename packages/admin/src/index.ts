/**
 * @protectimus-mail/admin: the administration of protectimus-mail (docs/design.md, "Admin"): the
 * JSON API over Tokens, Users, Resources and the event log, the CSV import of users and resources, and the
 * panel, for one framework-neutral request. Built on `@protectimus-mail/core`'s public API and its
 * `/adapter` subpath only.
 *
 * Apps mount it through their framework's adapter (`protectimusAdmin` of `@protectimus-mail/express`
 * or `@protectimus-mail/koa`); a binding of your own uses `adminRunner`, or `handleAdmin` directly.
 * Every name here is described in the package's README.
 */

/**
 * `adminRunner(options, binding)`: the admin router's run for one request of a framework's type
 * `R`; refuses to exist without `authorize`, never rejects. Its options (`protectimus`,
 * `authorize`, `onError`) and what a binding tells it (the session, the neutral request).
 */
export { adminRunner } from './runner';
export type { CommonAdminOptions, AdminBinding } from './runner';
/**
 * `handleAdmin(pm, request, options)`: the JSON API and the panel for one framework-neutral
 * request, already authorized or not by the binding; answers an `Answer` of core's adapter and
 * never throws. The request it takes, its headers, and its options (`onError`).
 */
export { handleAdmin } from './runner';
export type { AdminRequest, AdminHeaders, AdminOptions } from './runner';
/**
 * `importUsers(pm | pm.as(actor), csv)`: the CSV import of `POST users/import` as a function
 * (`importCsv` runs it for a users file), and what it reports.
 */
export { importUsers } from './import';
export type { ImportResult, ImportError } from './import';
/**
 * `importCsv(pm | pm.as(actor), csv)`: the import of `POST import`, the panel and the command
 * line: a resources CSV (header `resource,...`) goes to `importResources`, any other file to
 * `importUsers`; and what each reports.
 */
export { importCsv, importResources } from './import-resources';
export type { CsvImportResult, ResourceImportResult } from './import-resources';
