import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import Negotiator from 'negotiator';
import { invalidInput } from '../errors';
import { guardState } from '../guard/session';

// What the guard and the admin router read from a request, whatever the framework: the body, its
// type, the Accept header, the CSRF token, the address to return to.

/** The bare media type of a Content-Type header, lower-cased and without parameters. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** Content types an HTML form can send cross-site, and so ones that must carry a CSRF token. */
export function isFormType(contentType: string | undefined): boolean {
  const type = mediaType(contentType);
  return type === 'application/x-www-form-urlencoded' || type === 'multipart/form-data' || type === 'text/plain';
}

/** Bodies the guard accepts hold a code and a CSRF token; anything near this size is not one. */
export const DEFAULT_BODY_LIMIT = 4096;

/**
 * Reads a request's body as UTF-8 text, for apps without a body parser. Rejects with
 * `INVALID_INPUT` past `limitBytes`, for a compressed body, or when the client aborts.
 */
export function readBody(req: IncomingMessage, limitBytes = DEFAULT_BODY_LIMIT): Promise<string> {
  return new Promise((resolve, reject) => {
    const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
    if (encoding !== 'identity') {
      reject(invalidInput('body', 'compressed bodies are not accepted'));
      return;
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limitBytes) {
      // Drain, so the connection can still carry the answer.
      req.resume();
      reject(invalidInput('body', 'body too large'));
      return;
    }
    if (req.readableEnded) {
      resolve('');
      return;
    }

    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const fail = (message: string): void => {
      cleanup();
      reject(invalidInput('body', message));
    };
    const onData = (chunk: Buffer | string): void => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buf.length;
      if (size > limitBytes) {
        fail('body too large');
        req.resume();
        return;
      }
      chunks.push(buf);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const onError = (): void => fail('the body could not be read');
    // 'close' before 'end' means the client went away mid-body.
    const onClose = (): void => fail('the body was cut short');

    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/**
 * Parses a raw body the guard read itself: `application/json`, or an urlencoded form (repeated
 * fields become arrays). Any other type, or a body that does not parse, is `INVALID_INPUT`.
 */
export function parseBody(contentType: string | undefined, raw: string): unknown {
  const type = mediaType(contentType);
  if (type === 'application/json') {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      throw invalidInput('body', 'the body is not valid JSON');
    }
  }
  if (type === 'application/x-www-form-urlencoded') {
    // No prototype, so a field named __proto__ or constructor is just a field.
    const fields: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
    for (const [name, value] of new URLSearchParams(raw)) {
      const seen = fields[name];
      fields[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
    }
    return fields;
  }
  throw invalidInput('body', 'send the body as application/json or a urlencoded form');
}

const HTML = 'text/html';
const JSON_TYPE = 'application/json';

/**
 * Whether the client ranks `type` strictly above `other`: by q, then by how specific the range
 * that names it is (RFC 9110), as negotiator ranks them. The order of the ranges in the header
 * breaks no tie, so it is asked both ways.
 */
function ranksAbove(accept: string, type: string, other: string): boolean {
  const reversed = accept.split(',').reverse().join(',');
  return [accept, reversed].every((header) => new Negotiator({ headers: { accept: header } }).mediaType([other, type]) === type);
}

/** Whether the client names `type` itself, with a q above 0, not only through a wildcard. */
function names(accept: string, type: string): boolean {
  return new Negotiator({ headers: { accept } }).mediaTypes().some((range) => range.toLowerCase() === type);
}

/**
 * True when the client would rather have a page than JSON: text/html ranks above
 * application/json (by q, then by the more specific range, as in a browser's Accept header). A
 * missing header, a bare wildcard and API clients get JSON.
 */
export function prefersHtml(accept: string | undefined): boolean {
  return !!accept && ranksAbove(accept, HTML, JSON_TYPE);
}

/**
 * True when the client names JSON and ranks it above HTML (axios's default: `application/json,
 * text/plain` and a catch-all), so that a script posting a form still gets JSON while a
 * browser's form post gets a page.
 */
export function prefersJson(accept: string | undefined): boolean {
  return !!accept && names(accept, JSON_TYPE) && ranksAbove(accept, JSON_TYPE, HTML);
}

/** This session's CSRF token for the guard's forms and the admin API, made on first use. */
export function csrfToken(session: Record<string, unknown>): string {
  const state = guardState(session);
  state.csrf ??= randomBytes(32).toString('base64url');
  return state.csrf;
}

/** True when `given` is this session's CSRF token; compared in constant time. */
export function checkCsrf(session: Record<string, unknown>, given: unknown): boolean {
  const expected = guardState(session).csrf;
  if (typeof given !== 'string' || expected === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Longer targets are not pages a user asked for; they would only bloat the session. */
const MAX_RETURN_LENGTH = 2048;

/**
 * `url` if it is a path on this site to send the user back to, else null. Only a single leading
 * `/` is allowed: `//host` and `/\host` are read by browsers as other sites. Only visible ASCII
 * is kept (browsers percent-encode the rest), so no control character, space or raw byte can
 * break the `Location` header, and no backslash can be read as a slash.
 */
export function safeReturnTo(url: unknown): string | null {
  if (typeof url !== 'string' || url.length === 0 || url.length > MAX_RETURN_LENGTH) return null;
  if (!url.startsWith('/') || url.startsWith('//')) return null;
  if (/[^\x21-\x7e]|\\/.test(url)) return null;
  // Last word to the URL parser: whatever it resolves to must stay on our origin.
  const base = 'http://return-to.invalid';
  try {
    if (new URL(url, base).origin !== base) return null;
  } catch {
    return null;
  }
  return url;
}

/** The query as one string per name (the first of repeated names); nested objects are dropped. */
export function flatQuery(query: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(query)) {
    const first: unknown = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') out[name] = first;
  }
  return out;
}
