import type { GuardRequest } from '../../src/guard/protocol';

/** A browser's Accept header for a page load. */
export const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

/** A GuardRequest with test-friendly defaults: GET / on `/billing`, as alice, JSON, empty session. */
export function guardRequest(over: Partial<GuardRequest> = {}): GuardRequest {
  const mountPath = over.mountPath ?? '/billing';
  const path = over.path ?? '/';
  return {
    method: 'GET',
    path,
    mountPath,
    originalUrl: mountPath + (path === '/' ? '' : path),
    headers: { accept: 'application/json' },
    body: undefined,
    session: {},
    login: 'alice',
    ip: '203.0.113.7',
    ...over,
  };
}
