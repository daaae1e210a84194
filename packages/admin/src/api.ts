import {
  isProtectimusError,
  type AdminActions,
  type CreateMailTokenInput,
  type CreateResourceInput,
  type CreateUserInput,
  type EventQuery,
  type ListQuery,
  type MailToken,
  type Protectimus,
  type ProtectimusEvent,
  type Resource,
  type UpdateMailTokenInput,
  type UpdateResourceInput,
  type UpdateUserInput,
  type User,
} from '@protectimus-mail/core';
import {
  checkCsrf,
  csrfToken,
  fields,
  filteredPage,
  invalidInput,
  isEventType,
  json,
  mediaType,
  noContent,
  parseBody,
  WebRefusal,
  type Answer,
} from '@protectimus-mail/core/adapter';
import { importUsers, parseCsv } from './import';
import { importCsv, isResourcesHeader } from './import-resources';
import type { AdminRequest } from './runner';

// The admin JSON API (docs/design.md, "Admin"): its routes, what they read from the request
// (bodies, queries) and how they show the model's records.

// ---- Routes ----

/** One API request, matched to its route. */
interface ApiCall {
  pm: Protectimus;
  /** The instance's admin operations, each change recorded under the request's `actor`. */
  admin: AdminActions;
  req: AdminRequest;
  /** The `:name` parts of the route, URL-decoded. */
  params: Record<string, string>;
}

type ApiMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** A route under `api/`: `tokens/:id/block`. */
interface ApiRoute {
  method: ApiMethod;
  path: string;
  run(call: ApiCall): Promise<Answer>;
}

type RouteMatch = { route: ApiRoute; params: Record<string, string> } | { allow: ApiMethod[] } | null;

/** The path's segments, URL-decoded; empty ones (a trailing slash) dropped. */
export function segmentsOf(path: string): string[] {
  return path
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        throw invalidInput('path', 'the address is not valid URL encoding');
      }
    });
}

function matchPath(pattern: string, segments: readonly string[]): Record<string, string> | null {
  const parts = pattern.split('/');
  if (parts.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (const [i, part] of parts.entries()) {
    const seg = segments[i] ?? '';
    if (part.startsWith(':')) params[part.slice(1)] = seg;
    else if (part !== seg) return null;
  }
  return params;
}

/** The route for `method` at `segments`; or the methods the path takes (405); or null (404). */
function matchRoute(routes: readonly ApiRoute[], method: string, segments: readonly string[]): RouteMatch {
  const allow: ApiMethod[] = [];
  for (const route of routes) {
    const params = matchPath(route.path, segments);
    if (!params) continue;
    if (route.method === method) return { route, params };
    allow.push(route.method);
  }
  return allow.length ? { allow } : null;
}

/** The admin API's 404 for an address it does not have (also any other spelling of the mount point). */
export const routeNotFound = (): WebRefusal => new WebRefusal('NOT_FOUND', 'no such address in the admin API');
/** The admin API's 405, with the methods the address takes. */
export const methodNotAllowed = (allow: string[]): WebRefusal =>
  new WebRefusal('METHOD_NOT_ALLOWED', `use ${allow.join(', ')} here`, { Allow: allow.join(', ') });
/** The admin API's 403 for a change without the session's `X-CSRF-Token`. */
const csrfFailed = (): WebRefusal => new WebRefusal('CSRF_FAILED');

// ---- Bodies ----

/** JSON bodies of the admin API are small objects; this is far above any of them. */
const JSON_LIMIT = 64 * 1024;
/** A users CSV: some thousands of rows. */
const CSV_LIMIT = 256 * 1024;

/** The body as text, when the app's parser left it as text or bytes (express.text, express.raw). */
function parsedText(body: unknown): string | undefined {
  if (typeof body === 'string') return body;
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  return undefined;
}

async function rawText(req: AdminRequest, limit: number): Promise<string> {
  const text = parsedText(req.body);
  if (text !== undefined) {
    if (Buffer.byteLength(text) > limit) throw invalidInput('body', 'body too large');
    return text;
  }
  return req.readRawBody ? req.readRawBody(limit) : '';
}

function asObject(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Buffer.isBuffer(value)) {
    throw invalidInput('body', 'the body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

async function jsonObject(req: AdminRequest, limit: number, optional: boolean): Promise<Record<string, unknown>> {
  // An app-wide express.json() (or koa bodyparser) already parsed it.
  if (req.body !== undefined && parsedText(req.body) === undefined) return asObject(req.body);
  const raw = await rawText(req, limit);
  if (raw.trim() === '') {
    if (optional) return {};
    throw invalidInput('body', 'the body is empty; send a JSON object');
  }
  return asObject(parseBody('application/json', raw));
}

/**
 * The JSON object a route takes. The type must be `application/json`: with the CSRF header this
 * is a second reason a cross-site form cannot reach the API. When `optional` (block takes an
 * optional `{minutes}`), an empty body is `{}`, also with no Content-Type at all.
 */
async function readJson(req: AdminRequest, optional = false): Promise<Record<string, unknown>> {
  const type = mediaType(req.headers.contentType);
  if (type === 'application/json') return jsonObject(req, JSON_LIMIT, optional);
  if (optional && type === '' && (await rawText(req, JSON_LIMIT)).trim() === '') return {};
  throw invalidInput('body', 'send the body as application/json');
}

/** A CSV upload: `text/csv` as is, or JSON `{ "csv": "..." }`. */
async function readCsv(req: AdminRequest): Promise<string> {
  const type = mediaType(req.headers.contentType);
  if (type === 'text/csv') return rawText(req, CSV_LIMIT);
  if (type === 'application/json') {
    // Room for the JSON quoting around a file of the CSV limit.
    const body = await jsonObject(req, CSV_LIMIT + 4096, false);
    if (Object.keys(body).length !== 1 || typeof body.csv !== 'string') throw invalidInput('csv', 'send { "csv": "<the file>" }');
    if (Buffer.byteLength(body.csv) > CSV_LIMIT) throw invalidInput('body', 'body too large');
    return body.csv;
  }
  throw invalidInput('body', 'send the file as text/csv, or as JSON { "csv": "..." }');
}

// ---- Queries ----

type Query = Record<string, string>;

function has(query: Query, name: string): boolean {
  return Object.hasOwn(query, name) && query[name] !== '';
}

/** A whole number from the query; the model checks its range. */
function count(query: Query, name: string): number | undefined {
  if (!has(query, name)) return undefined;
  const text = query[name] ?? '';
  if (!/^\d{1,7}$/.test(text)) throw invalidInput(name, `${name} must be a whole number`);
  return Number(text);
}

function text(query: Query, name: string, max: number): string | undefined {
  if (!has(query, name)) return undefined;
  const value = query[name] ?? '';
  if (value.length > max) throw invalidInput(name, `${name} must be at most ${max} characters`);
  return value;
}

/** `?q=&cursor=&limit=` of the lists. */
function listQuery(query: Query): ListQuery {
  const out: ListQuery = {};
  const q = text(query, 'q', 100);
  if (q !== undefined) out.q = q;
  const cursor = text(query, 'cursor', 400);
  if (cursor !== undefined) out.cursor = cursor;
  const limit = count(query, 'limit');
  if (limit !== undefined) out.limit = limit;
  return out;
}

/** A filter that takes one of `choices`, or undefined when absent. */
function choice<T extends string>(query: Query, name: string, choices: readonly T[]): T | undefined {
  if (!has(query, name)) return undefined;
  const value = query[name] ?? '';
  if (!(choices as readonly string[]).includes(value)) throw invalidInput(name, `${name} must be one of ${choices.join(', ')}`);
  return value as T;
}

/** `?type&login&resourceId&tokenId&limit&before` of the event log. */
function eventQuery(query: Query): EventQuery {
  const out: EventQuery = {};
  const type = text(query, 'type', 40);
  if (type !== undefined) {
    if (!isEventType(type)) throw invalidInput('type', 'type is not an event type');
    out.type = type;
  }
  for (const name of ['login', 'resourceId', 'tokenId'] as const) {
    const value = text(query, name, 64);
    if (value !== undefined) out[name] = value;
  }
  const before = text(query, 'before', 64);
  if (before !== undefined) {
    if (!/^[0-9A-Za-z_:-]+$/.test(before)) throw invalidInput('before', 'before must be an event id');
    out.before = before;
  }
  const limit = count(query, 'limit');
  if (limit !== undefined) {
    if (limit < 1 || limit > 500) throw invalidInput('limit', 'limit must be a whole number from 1 to 500');
    out.limit = limit;
  }
  return out;
}

// ---- Views of the model's records ----

/** A token as the admin API shows it: the model's view (never a secret, counter or PIN) and its user's login. */
export interface AdminToken extends MailToken {
  userLogin: string | null;
}

/** A token named in a user's row. */
export interface TokenBrief {
  id: string;
  name: string;
  blocked: MailToken['blocked'];
}

/** A user as the admin API shows it: the model's view and the tokens they own. */
export interface AdminUser extends User {
  tokens: TokenBrief[];
}

/** Null for a record deleted while the page was being read, rather than failing the page. */
async function unlessGone<T>(read: Promise<T>, gone: T): Promise<T> {
  try {
    return await read;
  } catch (err) {
    if (isProtectimusError(err, 'NOT_FOUND')) return gone;
    throw err;
  }
}

/** Adds the owners' logins, reading each owner once. */
async function adminTokens(pm: Protectimus, tokens: readonly MailToken[]): Promise<AdminToken[]> {
  const owners = [...new Set(tokens.map((t) => t.userId).filter((id): id is string => id !== null))];
  const logins = new Map(await Promise.all(owners.map(async (id) => [id, await unlessGone(pm.users.get(id).then((u) => u.login), null)] as const)));
  return tokens.map((t) => ({ ...t, userLogin: t.userId === null ? null : (logins.get(t.userId) ?? null) }));
}

async function adminToken(pm: Protectimus, token: MailToken): Promise<AdminToken> {
  return (await adminTokens(pm, [token]))[0] as AdminToken;
}

/** Adds each user's tokens. */
async function adminUsers(pm: Protectimus, users: readonly User[]): Promise<AdminUser[]> {
  return Promise.all(
    users.map(async (u) => {
      const tokens = await unlessGone(pm.users.tokensOf(u.id), []);
      return { ...u, tokens: tokens.map(({ id, name, blocked }) => ({ id, name, blocked })) };
    }),
  );
}

async function adminUser(pm: Protectimus, user: User): Promise<AdminUser> {
  return (await adminUsers(pm, [user]))[0] as AdminUser;
}

/** `{ minutes? }` of a block: omitted or null blocks until an administrator unblocks. */
function blockOptions(body: Record<string, unknown>): { minutes?: number } {
  const f = fields(body, ['minutes'], 'body');
  // The model checks the range (1 minute to a year).
  return f.minutes === undefined || f.minutes === null ? {} : { minutes: f.minutes as number };
}

// ---- Statistics ----

/** Codes in one clock hour. */
export interface HourStats {
  /** ISO start of the hour. */
  hour: string;
  sent: number;
  verified: number;
  failed: number;
}

const HOUR = 3_600_000;
/** Event-log pages read at most (500 entries each): the log is capped anyway (10000 by default). */
const MAX_PAGES = 40;

/**
 * Codes sent, verified and failed per hour over the last 24 hours (the current hour last),
 * counted from the audit log (`otp.sent`, `otp.verified`, `otp.failed`), newest first until the
 * window's start.
 */
async function hourlyStats(pm: Protectimus): Promise<{ hours: HourStats[] }> {
  const current = Math.floor(pm.clock.now() / HOUR) * HOUR;
  const start = current - 23 * HOUR;
  const hours: HourStats[] = Array.from({ length: 24 }, (_, i) => ({ hour: new Date(start + i * HOUR).toISOString(), sent: 0, verified: 0, failed: 0 }));
  let before: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { items, next } = await pm.events.list({ limit: 500, ...(before ? { before } : {}) });
    for (const event of items) {
      const at = Date.parse(event.at);
      if (at < start) return { hours };
      const bucket = hours[Math.floor((at - start) / HOUR)];
      if (!bucket) continue;
      if (event.type === 'otp.sent') bucket.sent++;
      else if (event.type === 'otp.verified') bucket.verified++;
      else if (event.type === 'otp.failed') bucket.failed++;
    }
    if (next === null) break;
    before = next;
  }
  return { hours };
}

// ---- The routes of each page ----

/**
 * The token fields of the "Protectimus MAIL" form. `type` may say `'mail'`, the one kind there
 * is, so clients can name it as the panel's "Software tokens -> Protectimus MAIL" does.
 */
function mailTokenInput(body: Record<string, unknown>): CreateMailTokenInput {
  const { type, ...rest } = body;
  if (type !== undefined && type !== 'mail') throw invalidInput('type', "type must be 'mail': the only token kind here is Protectimus MAIL");
  return rest as unknown as CreateMailTokenInput;
}

/**
 * `?owner=none|any&blocked=true|false&assignableTo=<resource>`, on top of the text search.
 * `assignableTo` (a resource id or name; unknown: 404) keeps the tokens "Assign -> Token with
 * User" would accept there: with a user who has no token on the resource yet, and not pending
 * confirmation. The user's resource assignments are read once, before the list.
 */
async function tokenFilter(admin: AdminActions, query: Record<string, string>): Promise<((t: MailToken) => boolean) | null> {
  const owner = choice(query, 'owner', ['none', 'any'] as const);
  const blocked = choice(query, 'blocked', ['true', 'false'] as const);
  const target = text(query, 'assignableTo', 64);
  const taken = target === undefined ? null : new Set((await admin.resources.assignments(target)).map((a) => a.userId));
  if (owner === undefined && blocked === undefined && taken === null) return null;
  return (t) =>
    (owner === undefined || (owner === 'none') === (t.userId === null)) &&
    (blocked === undefined || (blocked === 'true') === (t.blocked !== null)) &&
    (taken === null || (t.userId !== null && t.confirmedAt !== null && !taken.has(t.userId)));
}

/** Names longer are cut; the audit log shows a name, not a document. */
const ACTOR_MAX = 100;

/**
 * The request's `actor` as `pm.as` takes it: control characters dropped, trimmed, cut at 100
 * characters (never inside a surrogate pair); null when nothing is left or it is not a string.
 */
function actorName(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  // eslint-disable-next-line no-control-regex
  let name = value.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  if (name.length > ACTOR_MAX) name = name.slice(0, ACTOR_MAX).replace(/[\ud800-\udbff]$/, '').trim();
  return name === '' ? null : name;
}

/**
 * Entries written before events carried their token's name get it from the directory, each token
 * read once; a token since deleted stays by its id.
 */
async function withTokenNames(pm: Protectimus, items: ProtectimusEvent[]): Promise<ProtectimusEvent[]> {
  const missing = [...new Set(items.filter((e) => e.tokenId !== undefined && e.tokenName === undefined).map((e) => e.tokenId as string))];
  if (missing.length === 0) return items;
  const nameOf = async (id: string): Promise<string | null> => {
    try {
      return (await pm.tokens.get(id)).name;
    } catch (err) {
      // Gone, or an id no token could have (a listener's own entry): shown by its id.
      if (isProtectimusError(err, 'NOT_FOUND') || isProtectimusError(err, 'INVALID_INPUT')) return null;
      throw err;
    }
  };
  const names = new Map(await Promise.all(missing.map(async (id) => [id, await nameOf(id)] as const)));
  return items.map((e) => {
    const name = e.tokenId === undefined || e.tokenName !== undefined ? null : (names.get(e.tokenId) ?? null);
    return name === null ? e : { ...e, tokenName: name };
  });
}

/** What `recordRoutes` needs of one kind of record: its operations and how the API shows one. */
interface RecordKind<T> {
  /** `tokens`, `users` or `resources`: the path under `api/`. */
  path: string;
  get(admin: AdminActions, id: string): Promise<T>;
  update(admin: AdminActions, id: string, body: Record<string, unknown>): Promise<T>;
  remove(admin: AdminActions, id: string): Promise<void>;
  /** Tokens and users: blocked and unblocked by an administrator. */
  block?: {
    block(admin: AdminActions, id: string, options: { minutes?: number }): Promise<T>;
    unblock(admin: AdminActions, id: string): Promise<T>;
  };
  show(pm: Protectimus, record: T): Promise<unknown> | unknown;
}

/** `<path>/:id` (GET, PATCH, DELETE), and `/block`, `/unblock` where the kind has them: one shape for every record. */
function recordRoutes<T>(kind: RecordKind<T>): ApiRoute[] {
  const one = `${kind.path}/:id`;
  const routes: ApiRoute[] = [
    { method: 'GET', path: one, run: async ({ pm, admin, params }) => json(200, await kind.show(pm, await kind.get(admin, params.id ?? ''))) },
    { method: 'PATCH', path: one, run: async ({ pm, admin, req, params }) => json(200, await kind.show(pm, await kind.update(admin, params.id ?? '', await readJson(req)))) },
    {
      method: 'DELETE',
      path: one,
      run: async ({ admin, params }) => {
        await kind.remove(admin, params.id ?? '');
        return noContent();
      },
    },
  ];
  const block = kind.block;
  if (block) {
    routes.push(
      { method: 'POST', path: `${one}/block`, run: async ({ pm, admin, req, params }) => json(200, await kind.show(pm, await block.block(admin, params.id ?? '', blockOptions(await readJson(req, true))))) },
      { method: 'POST', path: `${one}/unblock`, run: async ({ pm, admin, params }) => json(200, await kind.show(pm, await block.unblock(admin, params.id ?? ''))) },
    );
  }
  return routes;
}

/** The Tokens page's API. */
const tokenRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: 'tokens',
    async run({ pm, admin, req }) {
      const page = await filteredPage((q) => admin.tokens.list(q), listQuery(req.query), await tokenFilter(admin, req.query), (t) => t.name);
      return json(200, { items: await adminTokens(pm, page.items), next: page.next });
    },
  },
  {
    method: 'POST',
    path: 'tokens',
    async run({ pm, admin, req }) {
      return json(201, await adminToken(pm, await admin.tokens.createMail(mailTokenInput(await readJson(req)))));
    },
  },
  ...recordRoutes<MailToken>({
    path: 'tokens',
    get: (admin, id) => admin.tokens.get(id),
    update: (admin, id, body) => admin.tokens.update(id, mailTokenInput(body) as UpdateMailTokenInput),
    remove: (admin, id) => admin.tokens.remove(id),
    block: { block: (admin, id, options) => admin.tokens.block(id, options), unblock: (admin, id) => admin.tokens.unblock(id) },
    show: adminToken,
  }),
];

function userFilter(query: Record<string, string>): ((u: User) => boolean) | null {
  const blocked = choice(query, 'blocked', ['true', 'false'] as const);
  return blocked === undefined ? null : (u) => (blocked === 'true') === (u.blocked !== null);
}

/** The Users page's API, with "Assign Token: New / Existing" and the CSV import. */
const userRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: 'users',
    async run({ pm, admin, req }) {
      const page = await filteredPage((q) => admin.users.list(q), listQuery(req.query), userFilter(req.query), (u) => u.login);
      return json(200, { items: await adminUsers(pm, page.items), next: page.next });
    },
  },
  {
    method: 'POST',
    path: 'users',
    async run({ pm, admin, req }) {
      return json(201, await adminUser(pm, await admin.users.create((await readJson(req)) as unknown as CreateUserInput)));
    },
  },
  {
    // Before `users/:id`'s methods are looked at, so "import" is never taken for an id.
    method: 'POST',
    path: 'users/import',
    async run({ admin, req }) {
      const csv = await readCsv(req);
      // A resources file here would make users of its header and rows; `POST import` takes it.
      const first = parseCsv(csv).records[0];
      if (first && isResourcesHeader(first.cells)) throw invalidInput('csv', 'this is a resources CSV (its header starts with resource or name): POST it to import');
      return json(200, await importUsers(admin, csv));
    },
  },
  ...recordRoutes<User>({
    path: 'users',
    get: (admin, id) => admin.users.get(id),
    update: (admin, id, body) => admin.users.update(id, body as UpdateUserInput),
    remove: (admin, id) => admin.users.remove(id),
    block: { block: (admin, id, options) => admin.users.block(id, options), unblock: (admin, id) => admin.users.unblock(id) },
    show: adminUser,
  }),
  {
    method: 'GET',
    path: 'users/:id/tokens',
    async run({ pm, admin, params }) {
      return json(200, { items: await adminTokens(pm, await admin.users.tokensOf(params.id ?? '')) });
    },
  },
  {
    // "Assign Token": `{tokenId}` gives an existing unowned token (200); `{token:{...}}` makes a new one (201).
    method: 'POST',
    path: 'users/:id/tokens',
    async run({ pm, admin, req, params }) {
      const body = await readJson(req);
      const keys = Object.keys(body);
      if (keys.length !== 1 || (keys[0] !== 'tokenId' && keys[0] !== 'token')) {
        throw invalidInput('body', 'send { "tokenId": "<existing token>" } or { "token": { <a new mail token> } }');
      }
      const userId = params.id ?? '';
      if (keys[0] === 'tokenId') return json(200, await adminToken(pm, await admin.users.assignToken(userId, body.tokenId as string)));
      const token = body.token;
      if (typeof token !== 'object' || token === null || Array.isArray(token)) throw invalidInput('token', 'token must be an object');
      return json(201, await adminToken(pm, await admin.users.createAndAssignToken(userId, mailTokenInput(token as Record<string, unknown>))));
    },
  },
  {
    method: 'DELETE',
    path: 'users/:id/tokens/:tokenId',
    async run({ admin, params }) {
      await admin.users.unassignToken(params.id ?? '', params.tokenId ?? '');
      return noContent();
    },
  },
  {
    // Remembered devices (docs/design.md, "Remember this device"): those that still hold.
    method: 'GET',
    path: 'users/:id/devices',
    async run({ admin, params }) {
      return json(200, { items: await admin.devices.list(params.id ?? '') });
    },
  },
  {
    method: 'DELETE',
    path: 'users/:id/devices',
    async run({ admin, params }) {
      return json(200, { forgotten: await admin.devices.forgetAll(params.id ?? '') });
    },
  },
  {
    method: 'DELETE',
    path: 'users/:id/devices/:deviceId',
    async run({ admin, params }) {
      await admin.devices.forget(params.id ?? '', params.deviceId ?? '');
      return noContent();
    },
  },
];

/** The Resources page's API, with "Assign -> Token with User". `:id` may be the id or the name. */
const resourceRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: 'resources',
    async run({ admin, req }) {
      return json(200, await admin.resources.list(listQuery(req.query)));
    },
  },
  {
    method: 'POST',
    path: 'resources',
    async run({ admin, req }) {
      return json(201, await admin.resources.create((await readJson(req)) as unknown as CreateResourceInput));
    },
  },
  ...recordRoutes<Resource>({
    path: 'resources',
    get: (admin, id) => admin.resources.get(id),
    update: (admin, id, body) => admin.resources.update(id, body as UpdateResourceInput),
    remove: (admin, id) => admin.resources.remove(id),
    show: (_pm, resource) => resource,
  }),
  {
    method: 'GET',
    path: 'resources/:id/assignments',
    async run({ admin, params }) {
      return json(200, { items: await admin.resources.assignments(params.id ?? '') });
    },
  },
  {
    method: 'POST',
    path: 'resources/:id/assignments',
    async run({ admin, req, params }) {
      const f = fields(await readJson(req), ['tokenId'], 'body');
      return json(201, await admin.resources.assignTokenWithUser(params.id ?? '', f.tokenId as string));
    },
  },
  {
    method: 'DELETE',
    path: 'resources/:id/assignments/:tokenId',
    async run({ admin, params }) {
      await admin.resources.unassign(params.id ?? '', params.tokenId ?? '');
      return noContent();
    },
  },
];

/** The event log, its hourly chart, and the session's CSRF token. */
const eventRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: 'events',
    async run({ pm, req }) {
      const page = await pm.events.list(eventQuery(req.query));
      return json(200, { items: await withTokenNames(pm, page.items), next: page.next });
    },
  },
  {
    method: 'GET',
    path: 'stats/hourly',
    async run({ pm }) {
      return json(200, await hourlyStats(pm));
    },
  },
  {
    // Readable only by this origin's scripts (no CORS), so handing it out does not help a forger.
    method: 'GET',
    path: 'csrf',
    async run({ req }) {
      return json(200, { csrf: csrfToken(req.session) });
    },
  },
];

/** The CSV import of either kind, told apart by the file's header (docs/design.md, "CSV import"). */
const importRoutes: ApiRoute[] = [
  {
    method: 'POST',
    path: 'import',
    async run({ admin, req }) {
      return json(200, await importCsv(admin, await readCsv(req)));
    },
  },
];

const API_ROUTES: readonly ApiRoute[] = [...tokenRoutes, ...userRoutes, ...resourceRoutes, ...eventRoutes, ...importRoutes];

/** Methods that change something: each must carry the session's CSRF token. */
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** One request under `api/`, by its path's segments after `api`: routed, its CSRF token checked, run. */
export async function apiResponse(pm: Protectimus, req: AdminRequest, method: string, segments: readonly string[]): Promise<Answer> {
  // HEAD is a GET whose body the server drops.
  const match = matchRoute(API_ROUTES, method === 'HEAD' ? 'GET' : method, segments);
  if (!match) throw routeNotFound();
  if ('allow' in match) throw methodNotAllowed(match.allow);
  if (MUTATING.has(method) && !checkCsrf(req.session, req.headers.csrf)) throw csrfFailed();
  return match.route.run({ pm, admin: pm.as(actorName(req.actor)), req, params: match.params });
}
