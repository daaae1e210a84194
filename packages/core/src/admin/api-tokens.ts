import { invalidInput } from '../errors';
import type { CreateMailTokenInput, UpdateMailTokenInput } from '../directory/tokens';
import { filteredPage } from '../directory/paging';
import { readJson } from './payload';
import { choice, listQuery } from './query';
import { json, noContent } from '../web/answer';
import type { ApiRoute } from './routes';
import { blockOptions } from './block';
import { adminToken, adminTokens } from './views';
import type { MailToken } from '../model';

/**
 * The token fields of the "Protectimus MAIL" form. `type` may say `'mail'`, the one kind there
 * is, so clients can name it as the panel's "Software tokens -> Protectimus MAIL" does.
 */
export function mailTokenInput(body: Record<string, unknown>): CreateMailTokenInput {
  const { type, ...rest } = body;
  if (type !== undefined && type !== 'mail') throw invalidInput('type', "type must be 'mail': the only token kind here is Protectimus MAIL");
  return rest as unknown as CreateMailTokenInput;
}

/** `?owner=none|any&blocked=true|false`, on top of the text search. */
function tokenFilter(query: Record<string, string>): ((t: MailToken) => boolean) | null {
  const owner = choice(query, 'owner', ['none', 'any'] as const);
  const blocked = choice(query, 'blocked', ['true', 'false'] as const);
  if (owner === undefined && blocked === undefined) return null;
  return (t) =>
    (owner === undefined || (owner === 'none') === (t.userId === null)) && (blocked === undefined || (blocked === 'true') === (t.blocked !== null));
}

/** The Tokens page's API. */
export const tokenRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: 'tokens',
    async run({ pm, req }) {
      const page = await filteredPage((q) => pm.tokens.list(q), listQuery(req.query), tokenFilter(req.query), (t) => t.name);
      return json(200, { items: await adminTokens(pm, page.items), next: page.next });
    },
  },
  {
    method: 'POST',
    path: 'tokens',
    async run({ pm, req }) {
      return json(201, await adminToken(pm, await pm.tokens.createMail(mailTokenInput(await readJson(req)))));
    },
  },
  {
    method: 'GET',
    path: 'tokens/:id',
    async run({ pm, params }) {
      return json(200, await adminToken(pm, await pm.tokens.get(params.id ?? '')));
    },
  },
  {
    method: 'PATCH',
    path: 'tokens/:id',
    async run({ pm, req, params }) {
      const patch = mailTokenInput(await readJson(req)) as UpdateMailTokenInput;
      return json(200, await adminToken(pm, await pm.tokens.update(params.id ?? '', patch)));
    },
  },
  {
    method: 'DELETE',
    path: 'tokens/:id',
    async run({ pm, params }) {
      await pm.tokens.remove(params.id ?? '');
      return noContent();
    },
  },
  {
    method: 'POST',
    path: 'tokens/:id/block',
    async run({ pm, req, params }) {
      return json(200, await adminToken(pm, await pm.tokens.block(params.id ?? '', blockOptions(await readJson(req, true)))));
    },
  },
  {
    method: 'POST',
    path: 'tokens/:id/unblock',
    async run({ pm, params }) {
      return json(200, await adminToken(pm, await pm.tokens.unblock(params.id ?? '')));
    },
  },
];
