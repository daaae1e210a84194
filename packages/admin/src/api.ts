import { invalidInput } from '../errors';
import type { User } from '../model';
import type { CreateUserInput, UpdateUserInput } from '../directory/users';
import { mailTokenInput } from './api-tokens';
import { blockOptions } from './block';
import { filteredPage } from '../directory/paging';
import { importUsers } from './import-users';
import { readCsv, readJson } from './payload';
import { choice, listQuery } from './query';
import { json, noContent } from '../web/answer';
import type { ApiRoute } from './routes';
import { adminToken, adminTokens, adminUser, adminUsers } from './views';

function userFilter(query: Record<string, string>): ((u: User) => boolean) | null {
  const blocked = choice(query, 'blocked', ['true', 'false'] as const);
  return blocked === undefined ? null : (u) => (blocked === 'true') === (u.blocked !== null);
}

/** The Users page's API, with "Assign Token: New / Existing" and the CSV import. */
export const userRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: 'users',
    async run({ pm, req }) {
      const page = await filteredPage((q) => pm.users.list(q), listQuery(req.query), userFilter(req.query), (u) => u.login);
      return json(200, { items: await adminUsers(pm, page.items), next: page.next });
    },
  },
  {
    method: 'POST',
    path: 'users',
    async run({ pm, req }) {
      return json(201, await adminUser(pm, await pm.users.create((await readJson(req)) as unknown as CreateUserInput)));
    },
  },
  {
    // Before `users/:id`'s methods are looked at, so "import" is never taken for an id.
    method: 'POST',
    path: 'users/import',
    async run({ pm, req }) {
      return json(200, await importUsers(pm, await readCsv(req)));
    },
  },
  {
    method: 'GET',
    path: 'users/:id',
    async run({ pm, params }) {
      return json(200, await adminUser(pm, await pm.users.get(params.id ?? '')));
    },
  },
  {
    method: 'PATCH',
    path: 'users/:id',
    async run({ pm, req, params }) {
      return json(200, await adminUser(pm, await pm.users.update(params.id ?? '', (await readJson(req)) as UpdateUserInput)));
    },
  },
  {
    method: 'DELETE',
    path: 'users/:id',
    async run({ pm, params }) {
      await pm.users.remove(params.id ?? '');
      return noContent();
    },
  },
  {
    method: 'POST',
    path: 'users/:id/block',
    async run({ pm, req, params }) {
      return json(200, await adminUser(pm, await pm.users.block(params.id ?? '', blockOptions(await readJson(req, true)))));
    },
  },
  {
    method: 'POST',
    path: 'users/:id/unblock',
    async run({ pm, params }) {
      return json(200, await adminUser(pm, await pm.users.unblock(params.id ?? '')));
    },
  },
  {
    method: 'GET',
    path: 'users/:id/tokens',
    async run({ pm, params }) {
      return json(200, { items: await adminTokens(pm, await pm.users.tokensOf(params.id ?? '')) });
    },
  },
  {
    // "Assign Token": `{tokenId}` gives an existing unowned token (200); `{token:{...}}` makes a new one (201).
    method: 'POST',
    path: 'users/:id/tokens',
    async run({ pm, req, params }) {
      const body = await readJson(req);
      const keys = Object.keys(body);
      if (keys.length !== 1 || (keys[0] !== 'tokenId' && keys[0] !== 'token')) {
        throw invalidInput('body', 'send { "tokenId": "<existing token>" } or { "token": { <a new mail token> } }');
      }
      const userId = params.id ?? '';
      if (keys[0] === 'tokenId') return json(200, await adminToken(pm, await pm.users.assignToken(userId, body.tokenId as string)));
      const token = body.token;
      if (typeof token !== 'object' || token === null || Array.isArray(token)) throw invalidInput('token', 'token must be an object');
      return json(201, await adminToken(pm, await pm.users.createAndAssignToken(userId, mailTokenInput(token as Record<string, unknown>))));
    },
  },
  {
    method: 'DELETE',
    path: 'users/:id/tokens/:tokenId',
    async run({ pm, params }) {
      await pm.users.unassignToken(params.id ?? '', params.tokenId ?? '');
      return noContent();
    },
  },
];
