import { readBody, type AreaPlace, type GuardRequest } from '@protectimus-mail/core/adapter';
import type { Request } from 'express';

/**
 * The body the app's parser produced, or undefined. Express 5's parsers leave `req.body`
 * undefined when they skip a request, but other middleware may set `{}` without reading: only a
 * body whose stream has been read to its end was parsed, else the guard reads the stream itself.
 */
export function parsedBody(req: Request): unknown {
  const body: unknown = req.body;
  return body !== undefined && req.readableEnded ? body : undefined;
}

/**
 * The framework-neutral view of an Express request, for `handleGuard`; `where`, the place the
 * `area` option found, replaces Express's mount point.
 */
export function guardRequestOf(req: Request, session: Record<string, unknown>, login: string | null, where?: AreaPlace): GuardRequest {
  return {
    method: req.method,
    // Relative to where the guard is mounted (app.use('/billing'), a Router, or the root).
    path: where ? where.path : req.path,
    mountPath: where ? where.mountPath : req.baseUrl,
    originalUrl: req.originalUrl,
    headers: {
      accept: req.headers.accept,
      contentType: req.headers['content-type'],
      origin: req.headers.origin,
    },
    body: parsedBody(req),
    readRawBody: () => readBody(req),
    session,
    login,
    ip: req.ip,
  };
}
