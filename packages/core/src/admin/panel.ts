import { csrfToken } from '../web/request';
import { findAsset } from './assets';
import { methodNotAllowed, routeNotFound } from '../errors';
import { eventsPage } from './page-events';
import type { PageContext } from './page-layout';
import { resourcesPage } from './page-resources';
import { tokensPage } from './page-tokens';
import { usersPage } from './page-users';
import { asset, page, type Answer as AdminResponse } from '../web/answer';
import type { AdminRequest } from './types';

const PAGES: Readonly<Record<string, (ctx: PageContext) => string>> = {
  '': tokensPage,
  tokens: tokensPage,
  users: usersPage,
  resources: resourcesPage,
  events: eventsPage,
};

/** The panel's pages (`/`, `/users`, `/resources`, `/events`) and its two files under `/assets/`. */
export function panelResponse(req: AdminRequest, method: string, mount: string, segments: readonly string[]): AdminResponse {
  const name = segments.join('/');
  const render = Object.hasOwn(PAGES, name) ? PAGES[name] : undefined;
  const file = segments.length === 2 && segments[0] === 'assets' ? findAsset(segments[1] ?? '') : undefined;
  if (!render && !file) throw routeNotFound();
  if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed(['GET', 'HEAD']);
  // Cached for good only under the URL of this very text; another `v` gets it fresh.
  if (file) return asset(file.type, file.text, req.query.v === file.version);
  return page(200, (render as (ctx: PageContext) => string)({ mount, csrf: csrfToken(req.session) }));
}
