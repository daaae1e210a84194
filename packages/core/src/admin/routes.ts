import { invalidInput } from '../errors';
import type { Protectimus } from '../protectimus';
import type { Answer } from '../web/answer';
import type { AdminRequest } from './types';

/** One API request, matched to its route. */
export interface ApiCall {
  pm: Protectimus;
  req: AdminRequest;
  /** The `:name` parts of the route, URL-decoded. */
  params: Record<string, string>;
}

export type ApiMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** A route under `api/`: `tokens/:id/block`. */
export interface ApiRoute {
  method: ApiMethod;
  path: string;
  run(call: ApiCall): Promise<Answer>;
}

export type RouteMatch = { route: ApiRoute; params: Record<string, string> } | { allow: ApiMethod[] } | null;

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
export function matchRoute(routes: readonly ApiRoute[], method: string, segments: readonly string[]): RouteMatch {
  const allow: ApiMethod[] = [];
  for (const route of routes) {
    const params = matchPath(route.path, segments);
    if (!params) continue;
    if (route.method === method) return { route, params };
    allow.push(route.method);
  }
  return allow.length ? { allow } : null;
}
