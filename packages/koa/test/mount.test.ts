import type { Context } from 'koa';
import { locate } from '../src/mount';

/** The two facts `locate` reads: the URL as asked, and `ctx.path` as the middleware sees it. */
const ctx = (originalUrl: string, path: string) => ({ originalUrl, path }) as unknown as Context;

describe('locate: the mount point without an option', () => {
  it.each([
    ['/invoices?x=1', '/invoices', { mountPath: '', path: '/invoices' }],
    ['/', '/', { mountPath: '', path: '/' }],
    // What koa-mount('/billing') leaves in ctx.path.
    ['/billing/invoices?x=1', '/invoices', { mountPath: '/billing', path: '/invoices' }],
    ['/billing', '/', { mountPath: '/billing', path: '/' }],
    ['/billing/', '/', { mountPath: '/billing', path: '/' }],
    ['/a/b/_otp/verify', '/_otp/verify', { mountPath: '/a/b', path: '/_otp/verify' }],
    // A rewrite, not a mount: nothing in front can be told.
    ['/old', '/new', { mountPath: '', path: '/new' }],
    // An absolute-form target: only its path counts.
    ['http://example.test/billing/x', '/x', { mountPath: '/billing', path: '/x' }],
  ])('%s seen as %s -> %j', (originalUrl, path, expected) => {
    expect(locate(ctx(originalUrl, path), undefined)).toEqual(expected);
  });
});

describe('locate: with mountPath', () => {
  it('takes the path below it from the URL as asked, whatever ctx.path says', () => {
    expect(locate(ctx('/billing/x?y', '/billing/x'), '/billing')).toEqual({ mountPath: '/billing', path: '/x' });
    expect(locate(ctx('/billing/x', '/x'), '/billing/')).toEqual({ mountPath: '/billing', path: '/x' });
    expect(locate(ctx('/billing', '/billing'), '/billing')).toEqual({ mountPath: '/billing', path: '/' });
    expect(locate(ctx('/x', '/x'), '')).toEqual({ mountPath: '', path: '/x' });
    expect(locate(ctx('/orgs/7/b/x', '/orgs/7/b/x'), () => '/orgs/7/b')).toEqual({ mountPath: '/orgs/7/b', path: '/x' });
  });

  it('marks a request that names it under another spelling, which a router routed here', () => {
    expect(locate(ctx('/BILLING/x', '/BILLING/x'), '/billing')).toEqual({ mountPath: '/billing', path: '/BILLING/x', otherSpelling: true });
    expect(locate(ctx('/%62illing/_otp/verify', '/%62illing/_otp/verify'), '/billing')).toEqual({ mountPath: '/billing', path: '/%62illing/_otp/verify', otherSpelling: true });
    expect(locate(ctx('/ORGS/7/B/x', '/ORGS/7/B/x'), () => '/orgs/7/b')).toEqual({ mountPath: '/orgs/7/b', path: '/ORGS/7/B/x', otherSpelling: true });
  });

  it('throws for a request outside it, or for a mountPath that is no path', () => {
    expect(() => locate(ctx('/billingx/y', '/billingx/y'), '/billing')).toThrow(/not a prefix/);
    expect(() => locate(ctx('/x', '/x'), () => 'x')).toThrow(/mountPath/);
  });
});
