/**
 * `pathArea`: which request targets belong to a guarded area. Every spelling a router or another
 * layer might route into the area is in it (case, `%xx`, `//`, dot segments, `;params`, `\`, the
 * absolute form); the canonical spelling is told apart, as only it reaches the guard's own URLs;
 * and whatever path-to-regexp (Express 5, @koa/router), a decoding layer or WHATWG URL parsing
 * would route under the area, the area contains.
 */
import fc from 'fast-check';
import { pathToRegexp } from 'path-to-regexp';
import { checkArea, pathArea, pathOfTarget, readingsOf } from '../src/guard/path-area';

const billing = pathArea('/billing');

describe('pathArea: what is in the area', () => {
  it.each([
    '/billing',
    '/billing/',
    '/billing/invoices?x=1',
    '/billing#x',
    '/BILLING/invoices',
    '/Billing/Invoices',
    '//billing/invoices',
    '/billing//invoices',
    '/x/../billing/invoices',
    '/x/%2e%2e/billing/invoices',
    '/x/%2E%2E%2Fbilling',
    '/./billing',
    '/billing/../billing/x',
    '/%62illing/invoices',
    '/%42ILLING',
    '/%2562illing',
    '/billing%2Finvoices',
    '/billing;a=b/invoices',
    '/;a/billing',
    '/billing\\invoices',
    '\\billing',
    'http://example.test/BILLING/x',
    'billing/x',
    // `new URL(req.url, base)` takes the first segment for a host here, and routes /billing/x.
    '//evil.example/billing/x',
    '/\\evil.example/billing/x',
    // Left in the area by a router that reads it raw, though it resolves elsewhere.
    '/billing/../x',
    '/BILLING/..;/x',
  ])('%s is in /billing', (url) => expect(billing.contains(url)).toBe(true));

  it.each(['/', '/billingx', '/bill', '/billing-old/x', '/x/billing', '/x?/billing', '/x#/billing', '/%62illingx', '/billin%67x', 'http://billing/x', '/billin', '/payroll/../billingx'])(
    '%s is not in /billing',
    (url) => expect(billing.contains(url)).toBe(false),
  );

  it('the whole site, and a deeper area', () => {
    for (const root of [pathArea(''), pathArea('/')]) {
      expect(root.path).toBe('');
      expect(root.contains('/anything')).toBe(true);
      expect(root.contains('http://h/x')).toBe(true);
    }
    const deep = pathArea('/app/billing/');
    expect(deep.path).toBe('/app/billing');
    expect(deep.contains('/APP/Billing/x')).toBe(true);
    expect(deep.contains('/app%2Fbilling')).toBe(true);
    expect(deep.contains('/app/x/../billing')).toBe(true);
    expect(deep.contains('/app/billingx')).toBe(false);
    expect(deep.contains('/app')).toBe(false);
  });
});

describe('pathArea.locate', () => {
  it('gives the path below the mount for the canonical spelling', () => {
    expect(billing.locate('/billing')).toEqual({ mountPath: '/billing', path: '/', canonical: true });
    expect(billing.locate('/billing/')).toEqual({ mountPath: '/billing', path: '/', canonical: true });
    expect(billing.locate('/billing/_otp/verify?x')).toEqual({ mountPath: '/billing', path: '/_otp/verify', canonical: true });
    expect(billing.locate('http://h/billing/x')).toEqual({ mountPath: '/billing', path: '/x', canonical: true });
    expect(pathArea('').locate('/x?y')).toEqual({ mountPath: '', path: '/x', canonical: true });
  });

  it('marks any other spelling, whose path is then never one of the own URLs', () => {
    expect(billing.locate('/BILLING/_otp/verify')).toEqual({ mountPath: '/billing', path: '/BILLING/_otp/verify', canonical: false });
    expect(billing.locate('/%62illing/x')).toEqual({ mountPath: '/billing', path: '/%62illing/x', canonical: false });
    expect(billing.locate('/billingx')).toBeNull();
  });
});

describe('checkArea: the area option is a plain path', () => {
  it.each(['', '/', '/billing', '/app/billing/', "/a-b_c.d~e!$&'()*+,=@"])('takes %j', (area) => expect(() => checkArea(area)).not.toThrow());
  it.each(['billing', '/orgs/:org', '/a/../b', '/./a', '/a%20b', '/a;b', '/a?b', '/a b', '/a\\b', '//a', 7, null])('refuses %j', (area) => {
    expect(() => checkArea(area)).toThrow(TypeError);
  });
  it('refuses a mount that is no path', () => {
    expect(() => pathArea('billing')).toThrow(TypeError);
    expect(() => pathArea('/a?b')).toThrow(TypeError);
  });
});

/** Characters an attacker's path is made of: letters in both cases, the delimiters, escapes. */
const pathChar = fc.constantFrom(...'bBiIlLnNgGxX/%.;\\_2345678eEfF6c'.split(''), '%2e', '%2F', '%62', '%42', '%25', '..', 'billing', 'BILLING', 'illing', 'ILLING', 'billin', '%67');
const pathArb = fc.array(pathChar, { maxLength: 14 }).map((parts) => `/${parts.join('')}`);

/** What routers make of a path before they match it: as is, decoded once, WHATWG-normalised. */
function routerViews(path: string): string[] {
  const views = [path];
  try {
    views.push(decodeURIComponent(path));
  } catch {
    // A layer that cannot decode it routes nothing.
  }
  try {
    views.push(new URL(path, 'http://h').pathname);
  } catch {
    // Not a URL WHATWG can parse.
  }
  return views;
}

describe('pathArea against routers (fast-check)', () => {
  const routes = ['/billing', '/billing/{*rest}', '/billing/:id', '/billing/:id/:more'].flatMap((route) =>
    [true, false].map((trailing) => pathToRegexp(route, { sensitive: false, end: true, trailing }).regexp),
  );
  const prefixes = [pathToRegexp('/billing', { sensitive: false, end: false }).regexp, /^\/billing(?:\/|$)/i];

  it('contains every path a case-insensitive route or prefix under /billing matches, raw, decoded or normalised', () => {
    fc.assert(
      fc.property(pathArb, (path) => {
        const routed = routerViews(path).some((view) => [...routes, ...prefixes].some((re) => re.test(view)));
        if (routed) expect([path, billing.contains(path)]).toEqual([path, true]);
      }),
      { numRuns: 3000 },
    );
  });

  it('gives the same answer on its allocation-free path as on the full reading', () => {
    const key = ['billing'];
    fc.assert(
      fc.property(pathArb, fc.constantFrom('', '?q=%2F..', '#x'), (path, tail) => {
        const url = `${path}${tail}`;
        const full = pathOfTarget(url).toLowerCase().startsWith('/billing/') || pathOfTarget(url).toLowerCase() === '/billing' || readingsOf(pathOfTarget(url)).some((segs) => key.every((k, i) => segs[i] === k));
        expect([url, billing.contains(url)]).toEqual([url, full]);
        expect([url, billing.locate(url) !== null]).toEqual([url, full]);
      }),
      { numRuns: 3000 },
    );
  });
});
