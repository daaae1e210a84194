import type { IncomingMessage } from 'node:http';
import { invalidInput } from '../errors';
import { mediaType } from './media-type';

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
