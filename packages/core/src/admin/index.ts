export { handleAdmin } from './handle';
export type { AdminRequest, AdminResponse, AdminHeaders, AdminOptions } from './types';
export type { AdminToken, AdminUser, TokenBrief } from './views';
export type { ImportResult, ImportError } from './import-users';
export type { HourStats } from './stats';
export { ADMIN_CSP } from './responses';
export { JSON_LIMIT as ADMIN_JSON_LIMIT, CSV_LIMIT as ADMIN_CSV_LIMIT } from './payload';
export { assertAuthorize, flatQuery, adminInternalError, ADMIN_NO_SESSION } from './adapter';
