import { placeUnder, type MountPlace } from '@protectimus-mail/core/adapter';
import type { Context } from 'koa';

/**
 * Where the guard's area starts, from the site root: `'/billing'`, or a function of the request
 * for a mount with parameters (`(ctx) => \`/orgs/${ctx.params.org}\``).
 */
export type MountPath = string | ((ctx: Context) => string);

/** The mount point and the path below it, as `handleGuard` wants them (core's `MountPlace`). */
export type Location = MountPlace;

/** Throws unless `mount` is a path a guard can live under. */
export function checkMountPath(mount: string): void {
  if (typeof mount !== 'string' || (mount !== '' && !mount.startsWith('/')) || /[?#\s\\]/.test(mount)) {
    throw new TypeError(`protectimus-mail: mountPath must be '' or a path that starts with '/', not ${JSON.stringify(mount)}`);
  }
}

/** The path of the URL the client asked for, before any middleware rewrote `ctx.path`. */
function requestedPath(ctx: Context): string {
  const url = ctx.originalUrl;
  const path = url.split('?', 1)[0] ?? '';
  if (path.startsWith('/')) return path;
  // An absolute-form request target (`GET http://host/x`): only its path is ours.
  try {
    return new URL(url).pathname;
  } catch {
    return '/';
  }
}

/**
 * Finds the mount point. Koa has no `req.baseUrl`, so: the `mountPath` option when given (needed
 * under @koa/router, which leaves `ctx.path` whole and exposes only its route patterns, such as
 * `/pre(?:\/|$)`); else what a prefix-stripping mount (koa-mount) cut from `ctx.path`, read as
 * the part of the requested path in front of it; else the root. With `mountPath`, a request that
 * names it under another spelling (@koa/router routes `/BILLING/x` to a `/billing` route) is the
 * mount's, marked `otherSpelling`.
 */
export function locate(ctx: Context, option: MountPath | undefined): Location {
  if (option !== undefined) {
    const mount = typeof option === 'function' ? option(ctx) : option;
    checkMountPath(mount);
    const place = placeUnder(mount, ctx.originalUrl);
    // Guarding a path outside its declared area would build form URLs nobody routes: say so.
    if (!place) throw new Error(`protectimus-mail: mountPath '${mount.replace(/\/+$/, '')}' is not a prefix of the request path; mount the middleware there or fix the option`);
    return place;
  }
  const requested = requestedPath(ctx);
  const rest = ctx.path || '/';
  if (rest === requested) return { mountPath: '', path: rest };
  // koa-mount turns `/billing` into `/` and `/billing/x` into `/x`.
  if (rest === '/') return { mountPath: requested.replace(/\/+$/, ''), path: '/' };
  if (requested.endsWith(rest)) return { mountPath: requested.slice(0, requested.length - rest.length), path: rest };
  // Some middleware rewrote the URL: no mount can be told from it.
  return { mountPath: '', path: rest };
}
