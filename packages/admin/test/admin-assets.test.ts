import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startWorld, type World } from '../../core/test/support/protectimus';
import type { handleAdmin as HandleAdmin } from '../src/runner';

// jest's global setup builds these from packages/admin/browser, as `npm run build` does.
const BUILT = path.join(__dirname, '..', 'dist', 'browser');

type Request = Parameters<typeof HandleAdmin>[1];

function request(over: Partial<Request>): Request {
  return { method: 'GET', path: '/', mountPath: '/admin', query: {}, headers: { accept: 'text/html' }, session: {}, authorized: true, ...over };
}

describe('the admin panel files', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld('memory');
  });
  afterAll(() => world.close());

  it('are read from the build only when the panel is first asked for, then kept in memory and served under their hash', async () => {
    const reads = jest.spyOn(fs, 'readFileSync');
    const panelReads = () => reads.mock.calls.filter(([file]) => String(file).startsWith(BUILT)).map(([file]) => path.basename(String(file)));
    try {
      // A fresh copy of the admin modules, as in an app that just started.
      await jest.isolateModulesAsync(async () => {
        const { handleAdmin } = jest.requireActual<{ handleAdmin: typeof HandleAdmin }>('../src/runner');
        const pm = world.make({}, true);
        const csrf = await handleAdmin(pm, request({ path: '/api/csrf', headers: { accept: 'application/json' } }));
        expect(csrf.status).toBe(200);
        expect(panelReads()).toEqual([]);

        const page = await handleAdmin(pm, request({ path: '/users' }));
        expect(page.status).toBe(200);
        expect(panelReads().sort()).toEqual(['panel.css', 'panel.js']);

        for (const name of ['panel.js', 'panel.css']) {
          const built = fs.readFileSync(path.join(BUILT, name), 'utf8');
          const version = createHash('sha256').update(built).digest('base64url').slice(0, 12);
          expect(page.body).toContain(`/admin/assets/${name}?v=${version}"`);
          const fresh = await handleAdmin(pm, request({ path: `/assets/${name}`, query: { v: version } }));
          expect(fresh.body).toBe(built);
          expect(fresh.headers['Cache-Control']).toMatch(/max-age=31536000, immutable$/);
          const stale = await handleAdmin(pm, request({ path: `/assets/${name}`, query: { v: 'old' } }));
          expect(stale.body).toBe(built);
          expect(stale.headers['Cache-Control']).toBe('no-store');
        }
        await handleAdmin(pm, request({ path: '/events' }));
        // Two reads above were this test's own.
        expect(panelReads().sort()).toEqual(['panel.css', 'panel.css', 'panel.js', 'panel.js']);
      });
    } finally {
      reads.mockRestore();
    }
  });

  it('hold the script as one strict-mode function, so nothing leaks into the page globals', () => {
    const js = fs.readFileSync(path.join(BUILT, 'panel.js'), 'utf8');
    expect(js.startsWith("(function () {\n'use strict';\n")).toBe(true);
    expect(js.endsWith('\n})();\n')).toBe(true);
    expect(js).not.toContain('"use strict"');
    expect(js).not.toMatch(/\binnerHTML\b|\beval\(|sourceMappingURL/);
  });
});
