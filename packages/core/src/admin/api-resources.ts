import type { CreateResourceInput, UpdateResourceInput } from '../directory/resources';
import { fields } from '../validation';
import { readJson } from './payload';
import { listQuery } from './query';
import { json, noContent } from '../web/answer';
import type { ApiRoute } from './routes';

/** The Resources page's API, with "Assign -> Token with User". `:id` may be the id or the name. */
export const resourceRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: 'resources',
    async run({ pm, req }) {
      return json(200, await pm.resources.list(listQuery(req.query)));
    },
  },
  {
    method: 'POST',
    path: 'resources',
    async run({ pm, req }) {
      return json(201, await pm.resources.create((await readJson(req)) as unknown as CreateResourceInput));
    },
  },
  {
    method: 'GET',
    path: 'resources/:id',
    async run({ pm, params }) {
      return json(200, await pm.resources.get(params.id ?? ''));
    },
  },
  {
    method: 'PATCH',
    path: 'resources/:id',
    async run({ pm, req, params }) {
      return json(200, await pm.resources.update(params.id ?? '', (await readJson(req)) as UpdateResourceInput));
    },
  },
  {
    method: 'DELETE',
    path: 'resources/:id',
    async run({ pm, params }) {
      await pm.resources.remove(params.id ?? '');
      return noContent();
    },
  },
  {
    method: 'GET',
    path: 'resources/:id/assignments',
    async run({ pm, params }) {
      return json(200, { items: await pm.resources.assignments(params.id ?? '') });
    },
  },
  {
    method: 'POST',
    path: 'resources/:id/assignments',
    async run({ pm, req, params }) {
      const f = fields(await readJson(req), ['tokenId'], 'body');
      return json(201, await pm.resources.assignTokenWithUser(params.id ?? '', f.tokenId as string));
    },
  },
  {
    method: 'DELETE',
    path: 'resources/:id/assignments/:tokenId',
    async run({ pm, params }) {
      await pm.resources.unassign(params.id ?? '', params.tokenId ?? '');
      return noContent();
    },
  },
];
