import type { Protectimus } from '@protectimus-mail/core';
import { invalidInput } from '@protectimus-mail/core/adapter';
import { handleAdmin, type AdminOptions } from '../../src/runner';

/** How a test sends one request to the admin router. */
export interface AdminInit {
  /** Sent as JSON with `Content-Type: application/json` unless `contentType` says otherwise. */
  json?: unknown;
  /** Sent as is. */
  raw?: string;
  contentType?: string;
  /** The `X-CSRF-Token` header; absent when undefined or null. */
  csrf?: string | null;
  /** Default `application/json`. */
  accept?: string;
}

/** An answer, whatever carried it: header names in lower case, `body` parsed when it is JSON. */
export interface AdminAnswer {
  status: number;
  headers: Record<string, string>;
  text: string;
  // Tests read answers field by field; `any` keeps that short.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** One client of the admin router with its own session: `path` is below the mount point (`api/tokens?q=x`). */
export interface AdminHttp {
  send(method: string, path: string, init?: AdminInit): Promise<AdminAnswer>;
}

/** The answer with lower-case header names and its JSON parsed, recorded in `seen`. */
export function answerOf(status: number, headers: Record<string, string>, text: string, seen: string[]): AdminAnswer {
  seen.push(text);
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const isJson = (lower['content-type'] ?? '').startsWith('application/json');
  return { status, headers: lower, text, body: isJson && text ? JSON.parse(text) : undefined };
}

/** The body a request carries and its type, from an `AdminInit`. */
export function payloadOf(init: AdminInit): { raw: string | undefined; contentType: string | undefined } {
  if (init.json !== undefined) return { raw: JSON.stringify(init.json), contentType: init.contentType ?? 'application/json' };
  return { raw: init.raw, contentType: init.contentType };
}

/**
 * A client that calls `handleAdmin` directly, as an adapter would, mounted at `/admin`, with a
 * session object of its own and the body read raw (no app parser).
 */
export function directHttp(pm: Protectimus, authorized: boolean, seen: string[], options: AdminOptions = {}, actor?: string | null): AdminHttp & { session: Record<string, unknown> } {
  const session: Record<string, unknown> = {};
  return {
    session,
    async send(method, path, init = {}) {
      const [pathPart = '', queryPart = ''] = path.split('?');
      const { raw, contentType } = payloadOf(init);
      const res = await handleAdmin(
        pm,
        {
          method,
          path: `/${pathPart}`,
          mountPath: '/admin',
          query: Object.fromEntries(new URLSearchParams(queryPart)),
          headers: { accept: init.accept ?? 'application/json', contentType, ...(init.csrf ? { csrf: init.csrf } : {}) },
          readRawBody: async (limit) => {
            if (Buffer.byteLength(raw ?? '') > limit) throw invalidInput('body', 'body too large');
            return raw ?? '';
          },
          session,
          authorized,
          ...(actor !== undefined ? { actor } : {}),
        },
        options,
      );
      return answerOf(res.status, res.headers, res.body, seen);
    },
  };
}
