import { invalidInput } from '../errors';
import { mediaType, parseBody } from '../web/request';
import type { AdminRequest } from './types';

/** JSON bodies of the admin API are small objects; this is far above any of them. */
export const JSON_LIMIT = 64 * 1024;
/** A users CSV: some thousands of rows. */
export const CSV_LIMIT = 256 * 1024;

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
export async function readJson(req: AdminRequest, optional = false): Promise<Record<string, unknown>> {
  const type = mediaType(req.headers.contentType);
  if (type === 'application/json') return jsonObject(req, JSON_LIMIT, optional);
  if (optional && type === '' && (await rawText(req, JSON_LIMIT)).trim() === '') return {};
  throw invalidInput('body', 'send the body as application/json');
}

/** A CSV upload: `text/csv` as is, or JSON `{ "csv": "..." }`. */
export async function readCsv(req: AdminRequest): Promise<string> {
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
