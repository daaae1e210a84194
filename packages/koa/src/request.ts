import { readBody, type GuardRequest } from '@protectimus-mail/core/adapter';
import type { Context } from 'koa';
import type { Location } from './mount';

/**
 * The body the app's parser produced, or undefined. @koa/bodyparser sets `{}` without reading
 * for types it skips: only a body whose stream was read to its end was parsed, else the guard
 * reads the stream itself (as the Express adapter decides).
 */
export function parsedBody(ctx: Context): unknown {
  const body = (ctx.request as { body?: unknown }).body;
  return body !== undefined && ctx.req.readableEnded ? body : undefined;
}

/** A request header, or undefined when absent. */
export function header(ctx: Context, name: string): string | undefined {
  return ctx.get(name) || undefined;
}

/** The framework-neutral view of a Koa request, for `handleGuard`. */
export function guardRequestOf(ctx: Context, where: Location, session: Record<string, unknown>, login: string | null): GuardRequest {
  return {
    method: ctx.method,
    path: where.path,
    mountPath: where.mountPath,
    originalUrl: ctx.originalUrl,
    headers: { accept: header(ctx, 'accept'), contentType: header(ctx, 'content-type'), origin: header(ctx, 'origin') },
    body: parsedBody(ctx),
    readRawBody: () => readBody(ctx.req),
    session,
    login,
    ip: ctx.ip,
  };
}
